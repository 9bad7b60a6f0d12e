// Reads Raydium CLMM cases (JSON on stdin; integers as strings, accounts as base64) and answers with
// what @raydium-io/raydium-sdk-v2 computes: PoolInfoLayout / ClmmConfigLayout / TickArrayLayout /
// TickArrayBitmapExtensionLayout decodes, swapInternal's quote (the SDK's port of the program's
// swap loop, dynamic fee and limit orders included), and ClmmInstrument.swapV2Instruction with the
// tick-array and bitmap-extension addresses from the SDK's own PDA helpers.
// tests/interop/test_dex_sdks.py compares. With --bench, one quote case is timed instead (make bench).
import {
  ClmmConfigLayout, ClmmInstrument, PoolInfoLayout, TickArrayBitmapExtensionLayout, TickArrayLayout,
  getPdaExBitmapAccount, getPdaTickArrayAddress, swapInternal,
} from "@raydium-io/raydium-sdk-v2";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";

import { timed } from "./bench_rounds.mjs";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const bytes = (b64) => Buffer.from(b64, "base64");
const plain = (v) => {
  if (v instanceof PublicKey) return v.toBase58();
  if (BN.isBN(v) || typeof v === "number") return v.toString();
  if (typeof v === "boolean") return v;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};
const programId = new PublicKey("CAMMCzo5YL8w4VFF8KVHrK22GGUsp5VTaW7grrKgrWqK");

function quote(c) {
  const poolInfo = PoolInfoLayout.decode(bytes(c.pool));
  const tickArrays = c.arrays.map((a) => ({ address: PublicKey.default, value: TickArrayLayout.decode(bytes(a)) }));
  const configInfo = ClmmConfigLayout.decode(bytes(c.config));
  const tickarrayBitmapExtension = c.extension ? TickArrayBitmapExtensionLayout.decode(bytes(c.extension)) : undefined;
  return () => swapInternal({
    programId, poolId: PublicKey.default, poolInfo, tickArrays, configInfo, tickarrayBitmapExtension,
    amountSpecified: new BN(c.amount), sqrtPriceLimitX64: new BN(0), zeroForOne: c.zeroForOne,
    isBaseInput: c.exactIn, blockTimestamp: c.now, includeExtraTickArrays: false,
  });
}

if (process.argv.includes("--bench")) {  // the bench case has no limit orders: nothing changes, it repeats
  const run = quote(cases);
  process.stdout.write(JSON.stringify({ us: timed(run), out: run().amountCalculated.toString() }));
  process.exit(0);
}

const out = cases.map((c) => {
  try {
    if (c.kind === "decode") {
      const layout = { pool: PoolInfoLayout, config: ClmmConfigLayout, ticks: TickArrayLayout,
                       extension: TickArrayBitmapExtensionLayout }[c.layout];
      return plain(layout.decode(bytes(c.data)));
    }
    if (c.kind === "ix") {
      const k = (s) => new PublicKey(s);
      const pool = k(c.pool);
      const arrays = c.tickArrayStarts.map((s) => getPdaTickArrayAddress(programId, pool, s).publicKey);
      const extension = c.extension ? getPdaExBitmapAccount(programId, pool).publicKey : undefined;
      const ix = ClmmInstrument.swapV2Instruction(programId, k(c.payer), pool, k(c.ammConfig), k(c.userIn),
        k(c.userOut), k(c.vaultIn), k(c.vaultOut), k(c.mintIn), k(c.mintOut), arrays, k(c.observation),
        new BN(c.amount), new BN(c.threshold), new BN(c.limit), c.exactIn, extension);
      return { data: ix.data.toString("hex"),
               keys: ix.keys.map((m) => [m.pubkey.toBase58(), m.isSigner, m.isWritable]) };
    }
    const r = quote(c)();
    return { allTrade: r.allTrade, remaining: r.amountSpecifiedRemaining.toString(),
             calculated: r.amountCalculated.toString(), fee: r.feeAmount.toString(),
             sqrtPrice: r.sqrtPriceX64.toString(), liquidity: r.liquidity.toString(), tick: r.tickCurrent };
  } catch (e) {
    return { error: String(e && e.message || e) };
  }
});
process.stdout.write(JSON.stringify(out));
