// Reads Raydium CPMM quote cases (JSON on stdin; integers as strings) and answers with what
// @raydium-io/raydium-sdk-v2's CurveCalculator computes: tests/interop/test_dex_sdks.py compares.
import { CurveCalculator } from "@raydium-io/raydium-sdk-v2";
import BN from "bn.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const out = cases.map((c) => {
  const args = [new BN(c.amount), new BN(c.rin), new BN(c.rout), new BN(c.tr), new BN(c.cr), new BN(c.pr),
                new BN(c.fr), c.onInput];
  try {
    const r = c.exactIn ? CurveCalculator.swapBaseInput(...args) : CurveCalculator.swapBaseOutput(...args);
    return { amountIn: r.inputAmount.toString(), amountOut: r.outputAmount.toString(), tradeFee: r.tradeFee.toString(),
             protocolFee: r.protocolFee.toString(), fundFee: r.fundFee.toString(), creatorFee: r.creatorFee.toString() };
  } catch (e) {
    return { error: String(e.message || e) };
  }
});
process.stdout.write(JSON.stringify(out));
