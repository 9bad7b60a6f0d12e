// Reads concentrated-liquidity math cases (JSON on stdin; integers as strings) and answers with what
// @orca-so/whirlpools-core (the Whirlpool program's arithmetic, compiled to WebAssembly) computes:
// tests/interop/test_dex_sdks.py compares.
import * as core from "@orca-so/whirlpools-core";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const big = (v) => BigInt(v);
const out = cases.map((c) => {
  try {
    const a = c.args;
    let r;
    if (c.fn === "priceAtTick") r = core.tickIndexToSqrtPrice(Number(a[0]));
    else if (c.fn === "tickAtPrice") r = core.sqrtPriceToTickIndex(big(a[0]));
    else if (c.fn === "deltaA") r = core.tryGetAmountDeltaA(big(a[0]), big(a[1]), big(a[2]), a[3]);
    else if (c.fn === "deltaB") r = core.tryGetAmountDeltaB(big(a[0]), big(a[1]), big(a[2]), a[3]);
    else if (c.fn === "nextA") r = core.tryGetNextSqrtPriceFromA(big(a[0]), big(a[1]), big(a[2]), a[3]);
    else r = core.tryGetNextSqrtPriceFromB(big(a[0]), big(a[1]), big(a[2]), a[3]);
    return { value: r.toString() };
  } catch (e) {
    return { error: String(e.message || e) };
  }
});
process.stdout.write(JSON.stringify(out));
