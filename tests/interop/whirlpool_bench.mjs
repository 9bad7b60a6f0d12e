// `make bench`'s peer for Whirlpool quotes: @orca-so/whirlpools-core's swapQuoteByInputToken on the
// case given (JSON on stdin, as whirlpool_check.mjs takes), timed in rounds; prints the median
// microseconds per quote and the quote itself, for asv_benchmarks/peers.py.
import * as core from "@orca-so/whirlpools-core";

import { timed } from "./bench_rounds.mjs";

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
const q = quote();
process.stdout.write(JSON.stringify({ us: timed(quote), out: q.tokenEstOut.toString() }));
