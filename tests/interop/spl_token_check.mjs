// Reads cases (JSON on stdin) and answers with what @solana/spl-token, the official SDK, decodes
// from each account and the transfer fees it computes: tests/test_dex_token.py compares them
// with mevlib.dex field by field.
import {
  TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, unpackAccount, unpackMint, getTransferFeeConfig, calculateEpochFee,
  getTransferHook,
} from "@solana/spl-token";
import { PublicKey } from "@solana/web3.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const key = (k) => (k ? k.toBase58() : null);
const ADDRESS = new PublicKey(new Uint8Array(32).fill(9));

const out = cases.map((c) => {
  const programId = c.program === "token2022" ? TOKEN_2022_PROGRAM_ID : TOKEN_PROGRAM_ID;
  const info = { data: Buffer.from(c.data, "base64"), owner: programId, lamports: 1, executable: false };
  try {
    if (c.kind === "account") {
      const a = unpackAccount(ADDRESS, info, programId);
      if (!a.isInitialized) return { error: "uninitialized" };  // parsed, but not an account to use
      return { mint: key(a.mint), owner: key(a.owner), amount: a.amount.toString(), delegate: key(a.delegate),
               delegatedAmount: a.delegatedAmount.toString(), frozen: a.isFrozen,
               native: a.isNative ? a.rentExemptReserve.toString() : null, closeAuthority: key(a.closeAuthority) };
    }
    const m = unpackMint(ADDRESS, info, programId);
    const cfg = getTransferFeeConfig(m);
    const hook = getTransferHook(m);  // a program id of zeros: no hook set
    const fee = (t) => ({ epoch: t.epoch.toString(), maximumFee: t.maximumFee.toString(), bps: t.transferFeeBasisPoints });
    return { mintAuthority: key(m.mintAuthority), supply: m.supply.toString(), decimals: m.decimals,
             freezeAuthority: key(m.freezeAuthority),
             transferHook: hook && !hook.programId.equals(PublicKey.default) ? key(hook.programId) : null,
             transferFee: cfg ? { withheld: cfg.withheldAmount.toString(), older: fee(cfg.olderTransferFee),
                                  newer: fee(cfg.newerTransferFee),
                                  fees: c.amounts.map((a) => calculateEpochFee(cfg, BigInt(c.epoch), BigInt(a)).toString()) }
                              : null };
  } catch (e) {
    return { error: String(e.name || e) };
  }
});
process.stdout.write(JSON.stringify(out));
