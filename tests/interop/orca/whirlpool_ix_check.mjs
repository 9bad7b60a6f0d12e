// Reads Whirlpool swap cases (JSON on stdin; integers as strings) and answers with the swap_v2
// instruction @orca-so/whirlpools-client builds (getSwapV2Instruction, with the tick-array and
// oracle addresses from its own PDA helpers): data and account metas.
// tests/interop/test_dex_sdks.py compares.
import { AccountsType, getOracleAddress, getSwapV2Instruction, getTickArrayAddress } from "@orca-so/whirlpools-client";
import { address, createNoopSigner } from "@solana/kit";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString());
const out = [];
for (const c of cases) {
  const whirlpool = address(c.pool);
  const [t0, t1, t2] = await Promise.all(c.starts.map(async (s) => (await getTickArrayAddress(whirlpool, s))[0]));
  const ix = getSwapV2Instruction({
    tokenProgramA: address(c.tokenProgramA), tokenProgramB: address(c.tokenProgramB),
    tokenAuthority: createNoopSigner(address(c.authority)), whirlpool,
    tokenMintA: address(c.mintA), tokenMintB: address(c.mintB),
    tokenOwnerAccountA: address(c.ownerA), tokenVaultA: address(c.vaultA),
    tokenOwnerAccountB: address(c.ownerB), tokenVaultB: address(c.vaultB),
    tickArray0: t0, tickArray1: t1, tickArray2: t2, oracle: (await getOracleAddress(whirlpool))[0],
    amount: BigInt(c.amount), otherAmountThreshold: BigInt(c.threshold), sqrtPriceLimit: BigInt(c.limit),
    amountSpecifiedIsInput: c.exactIn, aToB: c.aToB,
    // transfer-hook accounts follow as remaining accounts, their slices naming them
    remainingAccountsInfo: c.hookA.length || c.hookB.length ? {
      slices: [[AccountsType.TransferHookA, c.hookA], [AccountsType.TransferHookB, c.hookB]]
        .filter(([, a]) => a.length).map(([accountsType, a]) => ({ accountsType, length: a.length })),
    } : null,
  });
  // kit's account roles: 0 readonly, 1 writable, 2 readonly signer, 3 writable signer
  out.push({ data: Buffer.from(ix.data).toString("hex"),
             keys: [...ix.accounts.map((m) => [m.address, m.role >= 2, m.role % 2 === 1]), ...c.hookA, ...c.hookB] });
}
process.stdout.write(JSON.stringify(out));
