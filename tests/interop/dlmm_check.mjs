// Reads Meteora DLMM cases (JSON on stdin; integers as strings, accounts as base64) and answers with
// what @meteora-ag/dlmm computes: its Anchor coder's decode of LbPair / BinArray /
// BinArrayBitmapExtension, DLMM.swapQuote / swapQuoteExactOut on those accounts (the clock pinned
// to the case's time), and the swap2 / swapExactOut2 instructions its program client builds.
// tests/interop/test_dex_sdks.py compares. With --bench, one quote case is timed instead (make bench).
import { createRequire } from "module";
import { Connection, PublicKey } from "@solana/web3.js";
import BN from "bn.js";

import { timed } from "./bench_rounds.mjs";

// the package's ES module build imports a directory, which Node's ES resolver refuses: load its CommonJS build
const dlmmPackage = createRequire(import.meta.url)("@meteora-ag/dlmm");
const DLMM = dlmmPackage;  // the class itself, its helpers attached
const { createProgram } = dlmmPackage;

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const program = createProgram(new Connection("http://127.0.0.1:1"));  // no request is made
const bytes = (b64) => Buffer.from(b64, "base64");
const plain = (v) => {
  if (v instanceof PublicKey) return v.toBase58();
  if (BN.isBN(v) || typeof v === "number" || typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};
const noTransferFee = { mint: { tlvData: Buffer.alloc(0) } };
// a Token-2022 mint's TLV data holding a TransferFeeConfig (extension 1, 108 bytes) with the same
// fee before and after epoch 0, as spl-token's getTransferFeeConfig reads it
const withTransferFee = ([bps, maximum]) => {
  const tlv = Buffer.alloc(4 + 108);
  tlv.writeUInt16LE(1, 0);
  tlv.writeUInt16LE(108, 2);
  for (const at of [4 + 72, 4 + 90]) {  // older, then newer: epoch u64, maximum_fee u64, basis points u16
    tlv.writeBigUInt64LE(BigInt(maximum), at + 8);
    tlv.writeUInt16LE(bps, at + 16);
  }
  return { mint: { tlvData: tlv } };
};

function quote(c) {
  const dlmm = Object.create(DLMM.prototype);
  dlmm.lbPair = program.coder.accounts.decode("lbPair", bytes(c.pair));
  dlmm.binArrayBitmapExtension = c.extension
    ? { publicKey: PublicKey.default, account: program.coder.accounts.decode("binArrayBitmapExtension", bytes(c.extension)) }
    : null;
  dlmm.tokenX = c.feeX ? withTransferFee(c.feeX) : noTransferFee;
  dlmm.tokenY = c.feeY ? withTransferFee(c.feeY) : noTransferFee;
  dlmm.clock = { epoch: new BN(0) };
  const arrays = c.arrays.map((a, i) => ({
    publicKey: new PublicKey(new BN(i + 1).toArrayLike(Buffer, "le", 32)),
    account: program.coder.accounts.decode("binArray", bytes(a)),
  }));
  Date.now = () => c.now * 1000;  // swapQuote reads its clock from Date.now
  const amount = new BN(c.amount);
  return () => c.exactIn ? dlmm.swapQuote(amount, c.swapForY, new BN(0), arrays, false)
                         : dlmm.swapQuoteExactOut(amount, c.swapForY, new BN(0), arrays);
}

if (process.argv.includes("--bench")) {
  const run = quote(cases);
  process.stdout.write(JSON.stringify({ us: timed(run), out: run().outAmount.toString() }));
  process.exit(0);
}

const out = [];
for (const c of cases) {
  try {
    if (c.kind === "decode") {
      out.push(plain(program.coder.accounts.decode(c.account, bytes(c.data))));
      continue;
    }
    if (c.kind === "ix") {
      const k = (s) => new PublicKey(s);
      const pair = k(c.pair);
      const binArrays = c.binArrayIndexes.map((i) => dlmmPackage.deriveBinArray(pair, new BN(i), program.programId)[0]);
      const extension = c.extension ? dlmmPackage.deriveBinArrayBitmapExtension(pair, program.programId)[0] : null;
      // transfer-hook accounts: both slices, X then Y, as the SDK's getPotentialToken2022IxDataAndAccounts
      const meta = ([pubkey, isSigner, isWritable]) => ({ pubkey: k(pubkey), isSigner, isWritable });
      const hooks = c.hookX.length || c.hookY.length;
      const slices = hooks ? [{ accountsType: { transferHookX: {} }, length: c.hookX.length },
                              { accountsType: { transferHookY: {} }, length: c.hookY.length }] : [];
      const method = c.exactIn
        ? program.methods.swap2(new BN(c.first), new BN(c.second), { slices })
        : program.methods.swapExactOut2(new BN(c.first), new BN(c.second), { slices });
      const ix = await method.accountsPartial({
        lbPair: pair, binArrayBitmapExtension: extension, reserveX: k(c.reserveX),
        reserveY: k(c.reserveY), userTokenIn: k(c.userIn), userTokenOut: k(c.userOut), tokenXMint: k(c.mintX),
        tokenYMint: k(c.mintY), oracle: k(c.oracle), hostFeeIn: null, user: k(c.user),
        tokenXProgram: k(c.tokenXProgram), tokenYProgram: k(c.tokenYProgram),
        memoProgram: new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"),
      }).remainingAccounts([...c.hookX, ...c.hookY].map(meta))
        .remainingAccounts(binArrays.map((a) => ({ pubkey: a, isSigner: false, isWritable: true }))).instruction();
      out.push({ data: ix.data.toString("hex"), keys: ix.keys.map((m) => [m.pubkey.toBase58(), m.isSigner, m.isWritable]) });
      continue;
    }
    const q = quote(c)();
    out.push({ in: (c.exactIn ? q.consumedInAmount : q.inAmount).toString(), out: q.outAmount.toString(),
               fee: q.fee.toString(), protocolFee: q.protocolFee.toString() });
  } catch (e) {
    out.push({ error: String(e && e.message || e) });
  }
}
process.stdout.write(JSON.stringify(out));
