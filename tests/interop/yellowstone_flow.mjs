// The official Yellowstone Node client (@triton-one/yellowstone-grpc) subscribes to one endpoint:
// accounts owned by a program, slots, and transactions touching an account. It prints "ready"
// once the request is written, then one JSON line of what the client parsed when it has an
// account, a slot and a transaction update (or after 20 s). tests/interop/test_clients.py drives it.
import Client, { CommitmentLevel } from '@triton-one/yellowstone-grpc';

const [endpoint, token, owner, watched] = process.argv.slice(2);
const client = new Client(endpoint, token, undefined);
await client.connect();
const stream = await client.subscribe();
const out = {};
const done = () => { console.log(JSON.stringify(out)); process.exit(0); };
setTimeout(done, 20000);
stream.on('error', (e) => { out.error = String(e); done(); });
stream.on('data', (u) => {
  if (u.account && !out.account) {
    const a = u.account.account;
    out.account = { filters: u.filters, slot: String(u.account.slot), lamports: String(a.lamports),
                    pubkey: Buffer.from(a.pubkey).toString('hex'), owner: Buffer.from(a.owner).toString('hex'),
                    data: Buffer.from(a.data).toString('hex'), writeVersion: String(a.writeVersion) };
  } else if (u.slot && !out.slot) {
    out.slot = { filters: u.filters, slot: String(u.slot.slot), status: u.slot.status };
  } else if (u.transaction && !out.transaction) {
    const t = u.transaction.transaction;
    out.transaction = { filters: u.filters, slot: String(u.transaction.slot),
                        signature: Buffer.from(t.signature).toString('hex'), fee: String(t.meta.fee),
                        keys: t.transaction.message.accountKeys.map((k) => Buffer.from(k).toString('hex')),
                        failed: Boolean(t.meta.err) };
  }
  if (out.account && out.slot && out.transaction) done();
});
const request = {
  accounts: { pools: { account: [], owner: [owner], filters: [] } },
  slots: { slots: { filterByCommitment: true } },
  transactions: { watched: { accountInclude: [watched], accountExclude: [], accountRequired: [] } },
  transactionsStatus: {}, blocks: {}, blocksMeta: {}, entry: {}, accountsDataSlice: [],
  commitment: CommitmentLevel.PROCESSED,
};
stream.write(request, (err) => {
  if (err) { out.error = String(err); done(); }
  console.log('ready');
});
