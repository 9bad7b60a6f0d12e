// The confirm-a-transaction flow with @solana/kit (the official JavaScript SDK) against one RPC
// URL: airdrop, blockhash, a v0 transfer signed and sent with preflight, statuses polled to
// confirmed and finalized, balances, a failing transfer refused by preflight, and reads. Prints
// one JSON object of what kit parsed; tests/test_interop.py asserts on it.
import {
  AccountRole, address, appendTransactionMessageInstruction, createSolanaRpc, createTransactionMessage,
  generateKeyPairSigner, getBase64EncodedWireTransaction, getSignatureFromTransaction, isSolanaError,
  lamports, pipe, setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
} from '@solana/kit';

const rpc = createSolanaRpc(process.argv[2]);
const SYSTEM = address('11111111111111111111111111111111');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(signature, level, seconds = 30) {
  const rank = { processed: 0, confirmed: 1, finalized: 2 };
  const seen = [];
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const { value: [status] } = await rpc.getSignatureStatuses([signature]).send();
    if (status) {
      seen.push(status.confirmationStatus);
      if (rank[status.confirmationStatus] >= rank[level]) return { status, seen };
    }
    await sleep(50);
  }
  throw new Error(`${signature} not ${level} in ${seconds} s (seen ${seen})`);
}

function transferInstruction(from, to, amount) {
  const data = new Uint8Array(12);
  const view = new DataView(data.buffer);
  view.setUint32(0, 2, true); // SystemInstruction::Transfer
  view.setBigUint64(4, amount, true);
  return {
    programAddress: SYSTEM,
    accounts: [{ address: from.address, role: AccountRole.WRITABLE_SIGNER, signer: from },
               { address: to, role: AccountRole.WRITABLE }],
    data,
  };
}

async function signedTransfer(payer, to, amount) {
  const { value: latestBlockhash } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latestBlockhash, m),
    (m) => appendTransactionMessageInstruction(transferInstruction(payer, to, amount), m),
  );
  return { tx: await signTransactionMessageWithSigners(message), latestBlockhash };
}

const out = {};
const payer = await generateKeyPairSigner();
const recipient = (await generateKeyPairSigner()).address;

const airdrop = await rpc.requestAirdrop(payer.address, lamports(2_000_000_000n), { commitment: 'confirmed' }).send();
out.airdrop = (await waitFor(airdrop, 'confirmed')).status.confirmationStatus;
out.payerBalance = String((await rpc.getBalance(payer.address, { commitment: 'confirmed' }).send()).value);

const { tx, latestBlockhash } = await signedTransfer(payer, recipient, 1_000_000n);
out.lastValidBlockHeight = String(latestBlockhash.lastValidBlockHeight);
out.blockHeight = String(await rpc.getBlockHeight({ commitment: 'confirmed' }).send());
const signature = await rpc.sendTransaction(getBase64EncodedWireTransaction(tx),
  { encoding: 'base64', preflightCommitment: 'confirmed' }).send();
out.signatureMatches = signature === getSignatureFromTransaction(tx);
const confirmed = await waitFor(signature, 'confirmed');
out.confirmedErr = confirmed.status.err;
const finalized = await waitFor(signature, 'finalized');
out.finalizedConfirmations = finalized.status.confirmations;
out.seen = [...new Set([...confirmed.seen, ...finalized.seen])];
out.recipientBalance = String((await rpc.getBalance(recipient, { commitment: 'finalized' }).send()).value);

const { tx: tooMuch } = await signedTransfer(payer, recipient, 10_000_000_000_000n);
try {
  await rpc.sendTransaction(getBase64EncodedWireTransaction(tooMuch),
    { encoding: 'base64', preflightCommitment: 'confirmed' }).send();
  out.preflight = 'accepted';
} catch (e) {
  out.preflight = isSolanaError(e, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE)
    ? { logs: e.context.logs.length, unitsConsumed: String(e.context.unitsConsumed),
        cause: e.cause?.context?.__code ?? null, causeIndex: e.cause?.context?.index ?? null,
        customCode: e.cause?.context?.code ?? null }
    : String(e);
}

const accounts = await rpc.getMultipleAccounts([payer.address, recipient], { encoding: 'base64' }).send();
out.accounts = accounts.value.map((a) => a && { lamports: String(a.lamports), owner: a.owner, data: a.data });
const epoch = await rpc.getEpochInfo().send();
out.epoch = { slotsInEpoch: String(epoch.slotsInEpoch), slotIndex: String(epoch.slotIndex) };
console.log(JSON.stringify(out));
