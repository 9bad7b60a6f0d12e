// Builds Raydium CPMM swap instructions with @raydium-io/raydium-sdk-v2 from the cases on stdin,
// and answers with their account metas and data: tests/interop/test_dex_sdks.py compares.
import { makeSwapCpmmBaseInInstruction, makeSwapCpmmBaseOutInstruction } from "@raydium-io/raydium-sdk-v2";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const out = cases.map((c) => {
  const k = c.keys.map((s) => new PublicKey(s));
  const make = c.exactIn ? makeSwapCpmmBaseInInstruction : makeSwapCpmmBaseOutInstruction;
  const ix = make(...k, new BN(c.amount), new BN(c.threshold));
  return { program: ix.programId.toBase58(), data: Buffer.from(ix.data).toString("hex"),
           keys: ix.keys.map((m) => [m.pubkey.toBase58(), m.isSigner, m.isWritable]) };
});
process.stdout.write(JSON.stringify(out));
