// Reads transfer-hook cases (JSON on stdin: the hook program, mint, source, destination, owner,
// amount, and the accounts the resolution may read, as hex) and answers with the accounts
// @solana/spl-token's addExtraAccountMetasForExecute adds to a transfer_checked instruction, or
// the error it throws. tests/interop/test_dex_sdks.py compares mevlib.dex.transfer_hook with it.
import { PublicKey } from "@solana/web3.js";
import { addExtraAccountMetasForExecute, createTransferCheckedInstruction, TOKEN_2022_PROGRAM_ID } from "@solana/spl-token";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const out = [];
for (const c of cases) {
  const connection = {  // only the accounts of the case exist
    getAccountInfo: async (key) => {
      const hex = c.accounts[key.toBase58()];
      return hex === undefined ? null
        : { data: Buffer.from(hex, "hex"), owner: new PublicKey(c.program), lamports: 1, executable: false };
    },
  };
  const k = (s) => new PublicKey(s);
  const amount = BigInt(c.amount);
  const ix = createTransferCheckedInstruction(k(c.source), k(c.mint), k(c.destination), k(c.owner), amount, 0, [],
                                              TOKEN_2022_PROGRAM_ID);
  try {
    await addExtraAccountMetasForExecute(connection, ix, k(c.program), k(c.source), k(c.mint), k(c.destination),
                                         k(c.owner), amount);
    out.push({ keys: ix.keys.slice(4).map((m) => [m.pubkey.toBase58(), m.isSigner, m.isWritable]) });
  } catch (e) {
    out.push({ error: String(e && (e.name || e.message) || e) });
  }
}
process.stdout.write(JSON.stringify(out));
