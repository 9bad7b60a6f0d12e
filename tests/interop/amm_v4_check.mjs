// Reads Raydium AMM v4 cases (JSON on stdin; integers as strings, accounts as base64) and answers
// with what @raydium-io/raydium-sdk-v2 computes: liquidityStateV4Layout's decode, the liquidity
// module's computeAmountOut / computeAmountIn, and swapBaseIn/OutV2Instruction.
// tests/interop/test_dex_sdks.py compares.
import { Raydium, liquidityStateV4Layout, swapBaseInV2Instruction, swapBaseOutV2Instruction } from "@raydium-io/raydium-sdk-v2";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
// the liquidity module prices from the pool info it is given; no connection is used
const liquidity = new Raydium({ connection: { rpcEndpoint: "http://127.0.0.1:1" }, cluster: "mainnet",
                                disableLoadToken: true, disableFeatureCheck: true }).liquidity;
const plain = (v) => {
  if (v instanceof PublicKey) return v.toBase58();
  if (BN.isBN(v) || typeof v === "number") return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  return v;
};
const out = cases.map((c) => {
  try {
    if (c.kind === "decode") {
      const d = liquidityStateV4Layout.decode(Buffer.from(c.data, "base64"));
      return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, plain(v)]));
    }
    if (c.kind === "ix") {
      const k = c.keys.map((s) => new PublicKey(s));
      const make = c.exactIn ? swapBaseInV2Instruction : swapBaseOutV2Instruction;
      const ix = make(...k, new BN(c.first), new BN(c.second));
      return { program: ix.programId.toBase58(), data: Buffer.from(ix.data).toString("hex"),
               keys: ix.keys.map((m) => [m.pubkey.toBase58(), m.isSigner, m.isWritable]) };
    }
    const poolInfo = { mintA: { address: "coin", decimals: 6 }, mintB: { address: "pc", decimals: 9 }, version: 4,
                       baseReserve: new BN(c.coin), quoteReserve: new BN(c.pc) };
    const [mintIn, mintOut] = c.coinToPc ? ["coin", "pc"] : ["pc", "coin"];
    if (c.kind === "in") {
      const r = liquidity.computeAmountOut({ poolInfo, amountIn: new BN(c.amount), mintIn, mintOut, slippage: 0 });
      return { amountOut: r.amountOut.toString(), fee: r.fee.toString() };
    }
    const r = liquidity.computeAmountIn({ poolInfo, amountOut: new BN(c.amount), mintIn, mintOut, slippage: 0 });
    return { amountIn: r.amountIn.toString(), fee: r.fee.toString() };
  } catch (e) {
    return { error: String(e.message || e) };
  }
});
process.stdout.write(JSON.stringify(out));
