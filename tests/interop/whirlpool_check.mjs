// Reads Orca Whirlpool swap cases (JSON on stdin; integers as strings) and answers with
// @orca-so/whirlpools-core's swapQuoteByInputToken / swapQuoteByOutputToken (no slippage; the
// case's Token-2022 transfer fees; an adaptive-fee pool's oracle at the case's time):
// tests/interop/test_dex_sdks.py compares.
import * as core from "@orca-so/whirlpools-core";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const zero = { emissionsPerSecondX64: 0n, growthGlobalX64: 0n };
const out = cases.map((c) => {
  const tier = c.feeTierIndex ?? c.tickSpacing;
  const seed = new Uint8Array([tier & 255, tier >> 8]);
  const oracle = c.oracle && {
    tradeEnableTimestamp: BigInt(c.oracle.trade_enable_timestamp),
    adaptiveFeeConstants: Object.fromEntries(["filterPeriod", "decayPeriod", "reductionFactor", "adaptiveFeeControlFactor",
      "maxVolatilityAccumulator", "tickGroupSize", "majorSwapThresholdTicks"].map((k) => [k, Number(c.oracle[k])])),
    adaptiveFeeVariables: {
      lastReferenceUpdateTimestamp: BigInt(c.oracle.lastReferenceUpdateTimestamp),
      lastMajorSwapTimestamp: BigInt(c.oracle.lastMajorSwapTimestamp),
      volatilityReference: Number(c.oracle.volatilityReference),
      tickGroupIndexReference: Number(c.oracle.tickGroupIndexReference),
      volatilityAccumulator: Number(c.oracle.volatilityAccumulator) },
  };
  const now = BigInt(c.now ?? 0);
  const fee = (f) => f && { feeBps: f[0], maxFee: BigInt(f[1]) };
  const pool = { feeTierIndexSeed: seed, tickSpacing: c.tickSpacing, feeRate: c.feeRate, protocolFeeRate: 0,
                 liquidity: BigInt(c.liquidity), sqrtPrice: BigInt(c.sqrtPrice), tickCurrentIndex: c.tick,
                 feeGrowthGlobalA: 0n, feeGrowthGlobalB: 0n, rewardLastUpdatedTimestamp: 0n,
                 rewardInfos: [zero, zero, zero] };
  const arrays = c.arrays.map((a) => ({
    startTickIndex: a.start,
    ticks: Array.from({ length: 88 }, (_, i) => ({
      initialized: a.nets[i] !== undefined, liquidityNet: BigInt(a.nets[i] ?? "0"), liquidityGross: 0n,
      feeGrowthOutsideA: 0n, feeGrowthOutsideB: 0n, rewardGrowthsOutside: [0n, 0n, 0n] })),
  }));
  try {
    // the SDK names the token the amount is in: the input's for exact in, the output's for exact out
    const specifiedA = c.exactIn ? c.aToB : !c.aToB;
    if (c.exactIn) {
      const q = core.swapQuoteByInputToken(BigInt(c.amount), specifiedA, 0, pool, oracle, arrays, now, fee(c.feeA),
                                           fee(c.feeB));
      return { in: q.tokenIn.toString(), out: q.tokenEstOut.toString(), fee: q.tradeFee.toString() };
    }
    const q = core.swapQuoteByOutputToken(BigInt(c.amount), specifiedA, 0, pool, oracle, arrays, now, fee(c.feeA),
                                          fee(c.feeB));
    return { in: q.tokenEstIn.toString(), out: q.tokenOut.toString(), fee: q.tradeFee.toString() };
  } catch (e) {
    return { error: String(e.message || e) };
  }
});
process.stdout.write(JSON.stringify(out));
