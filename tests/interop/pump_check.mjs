// Reads Pump.fun AMM cases (JSON on stdin; integers as strings, accounts as base64) and answers with
// what @pump-fun/pump-swap-sdk computes: its account decoders, its quotes (buy.ts, sell.ts, with
// the fees its computeFeesBps picks) and its buy / sell instruction builders.
// tests/interop/test_dex_sdks.py compares.
import {
  PUMP_AMM_SDK, buyBaseInput, buyQuoteInput, sellBaseInput, sellQuoteInput, OFFLINE_PUMP_AMM_PROGRAM,
} from "@pump-fun/pump-swap-sdk";
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());

const plain = (v) => {
  if (v instanceof PublicKey) return v.toBase58();
  if (BN.isBN(v) || typeof v === "number") return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};
const info = (b64) => ({ data: Buffer.from(b64, "base64"), owner: PublicKey.default, lamports: 0, executable: false });
const tryIt = (f) => { try { return f(); } catch (e) { return { error: String(e.message || e) }; } };

async function answer(c) {
  if (c.kind === "pool") return tryIt(() => plain(PUMP_AMM_SDK.decodePool(info(c.data))));
  if (c.kind === "global") return tryIt(() => plain(PUMP_AMM_SDK.decodeGlobalConfig(info(c.data))));
  if (c.kind === "feeConfig") return tryIt(() => plain(PUMP_AMM_SDK.decodeFeeConfig(info(c.data))));
  const pool = PUMP_AMM_SDK.decodePool(info(c.pool));
  const globalConfig = PUMP_AMM_SDK.decodeGlobalConfig(info(c.global));
  const feeConfig = c.feeConfig ? PUMP_AMM_SDK.decodeFeeConfig(info(c.feeConfig)) : null;
  if (c.kind === "quote") {
    const args = {
      slippage: 0, baseReserve: new BN(c.baseReserve), quoteReserve: new BN(c.quoteReserve),
      virtualQuoteReserves: pool.virtualQuoteReserves, globalConfig, baseMintAccount: { supply: BigInt(c.supply) },
      baseMint: pool.baseMint, coinCreator: pool.coinCreator, creator: pool.creator, feeConfig,
      quoteMint: pool.quoteMint, isMayhemMode: pool.isMayhemMode, creatorFeeBps: pool.creatorFeeBps,
    };
    const a = new BN(c.amount);
    return tryIt(() => {
      if (c.trade === "buyBase") { const r = buyBaseInput({ ...args, base: a }); return { quote: r.uiQuote.toString(), swapped: r.internalQuoteAmount.toString() }; }
      if (c.trade === "buyQuote") { const r = buyQuoteInput({ ...args, quote: a }); return { base: r.base.toString(), swapped: r.internalQuoteWithoutFees.toString() }; }
      if (c.trade === "sellBase") { const r = sellBaseInput({ ...args, base: a }); return { quote: r.uiQuote.toString(), swapped: r.internalQuoteAmountOut.toString() }; }
      const r = sellQuoteInput({ ...args, quote: a }); return { base: r.base.toString(), swapped: r.internalRawQuote.toString() };
    });
  }
  // an instruction, from the SDK's builders: the user's token accounts exist (no ATA creation) and
  // neither mint is wrapped SOL (no wrapping), so the swap is the only instruction
  const user = new PublicKey(c.user);
  const owner = (p) => ({ ...info(""), owner: new PublicKey(p) });
  const state = {
    globalConfig, feeConfig, poolKey: new PublicKey(c.poolKey), poolAccountInfo: info(c.pool), pool,
    poolBaseAmount: new BN(0), poolQuoteAmount: new BN(0), baseTokenProgram: new PublicKey(c.baseTokenProgram),
    quoteTokenProgram: new PublicKey(c.quoteTokenProgram), baseMint: pool.baseMint, baseMintAccount: null, user,
    userBaseTokenAccount: new PublicKey(c.userBase), userQuoteTokenAccount: new PublicKey(c.userQuote),
    userBaseAccountInfo: owner(c.baseTokenProgram), userQuoteAccountInfo: owner(c.quoteTokenProgram),
  };
  const build = c.side === "sell" ? PUMP_AMM_SDK.sellInstructionsNoPool : PUMP_AMM_SDK.buyInstructionsNoPool;
  const ixs = await build.call(PUMP_AMM_SDK, state, new BN(c.amount), new BN(c.bound));
  if (ixs.length !== 1) return { error: `${ixs.length} instructions` };
  let data = ixs[0].data;
  if (c.side === "buy_exact_quote") // the same accounts as buy (the SDK's own buyQuoteSimulation test does this)
    data = OFFLINE_PUMP_AMM_PROGRAM.coder.instruction.encode("buyExactQuoteIn", {
      spendableQuoteIn: new BN(c.amount), minBaseAmountOut: new BN(c.bound), trackVolume: { 0: true } });
  return { program: ixs[0].programId.toBase58(), data: Buffer.from(data).toString("base64"),
           keys: ixs[0].keys.map((k) => [k.pubkey.toBase58(), k.isSigner, k.isWritable]) };
}

const out = [];
for (const c of cases) out.push(await answer(c));
process.stdout.write(JSON.stringify(out));
