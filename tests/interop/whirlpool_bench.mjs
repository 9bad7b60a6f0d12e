// `make bench`'s peer for Whirlpool quotes: @orca-so/whirlpools-core's swapQuoteByInputToken on the
// case given (JSON on stdin, as whirlpool_check.mjs takes), timed in rounds; prints the median
// microseconds per quote and the quote itself, for asv_benchmarks/peers.py.
import * as core from "@orca-so/whirlpools-core";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const c = JSON.parse(Buffer.concat(chunks).toString());
const zero = { emissionsPerSecondX64: 0n, growthGlobalX64: 0n };
const pool = { feeTierIndexSeed: new Uint8Array([c.tickSpacing & 255, c.tickSpacing >> 8]), tickSpacing: c.tickSpacing,
               feeRate: c.feeRate, protocolFeeRate: 0, liquidity: BigInt(c.liquidity), sqrtPrice: BigInt(c.sqrtPrice),
               tickCurrentIndex: c.tick, feeGrowthGlobalA: 0n, feeGrowthGlobalB: 0n, rewardLastUpdatedTimestamp: 0n,
               rewardInfos: [zero, zero, zero] };
const arrays = c.arrays.map((a) => ({ startTickIndex: a.start, ticks: Array.from({ length: 88 }, (_, i) => ({
  initialized: a.nets[i] !== undefined, liquidityNet: BigInt(a.nets[i] ?? "0"), liquidityGross: 0n,
  feeGrowthOutsideA: 0n, feeGrowthOutsideB: 0n, rewardGrowthsOutside: [0n, 0n, 0n] })) }));
const quote = () => core.swapQuoteByInputToken(BigInt(c.amount), true, 0, pool, undefined, arrays, 0n);
const rounds = [];
let n = 1;
for (let t0 = performance.now(); performance.now() - t0 < 10; n *= 2) for (let i = 0; i < n; i++) quote();
for (let r = 0; r < 15; r++) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) quote();
  rounds.push((performance.now() - t0) * 1000 / n);
}
rounds.sort((a, b) => a - b);
const q = quote();
process.stdout.write(JSON.stringify({ us: rounds[7], out: q.tokenEstOut.toString() }));
