// Owns the dashboard's WebSocket. Decodes the server's frames (each event a delta against the
// previous one of its kind: mevlib/monitor/wire.py has the layout) into columns, and hands them
// to the page: through a SharedArrayBuffer ring when the page is cross-origin isolated (no
// message per batch at all), else posting at most one batch per 16 ms with its buffers
// transferred rather than copied. The analytics (analytics.js) run here too, off the page's
// thread; their results go to the page four times a second. A module worker.
import { Analytics } from "./analytics.js";
import { eventColumns, nameText, ringBytes, ringColumns } from "./ring.js";

const FLUSH_MS = 16;
const RING = 1 << 16;  // events the shared ring holds (a power of two)
const MAX_FRAME_EVENTS = 1 << 16;
const ROUTE = 1, FLAG = 2, SLOT = 4, TIME = 8, A = 16, B = 32, ID = 64, RAW = 128;
const stats = { frames: 0, events: 0, bytes: 0, posts: 0, lost: 0, bad: 0, waiting: 0, handoff: "" };
let lastSeq = 0;
let started = false;   // decoding starts at a key frame
const states = [];     // per kind: route, flag, slot, t (µs), a, b (thousandths), id
let pending = [];      // decoded batches not yet handed over
let ring = null;       // the shared ring: { header: Int32Array [write, read], columns }
const analytics = new Analytics();
let selected = -1;     // the pool whose price the page charts (-1: the busiest)
const NAME = 6;

function names(c, n) {  // pool and mint names (spaces 2 and 3) for the analytics
  for (let i = 0; i < n; i++) {
    if (c.kind[i] === NAME && c.flag[i] >= 2) analytics.name(c.flag[i], c.route[i], nameText(c.a[i], c.b[i]));
  }
}

function sharedRing() {
  const sab = new SharedArrayBuffer(ringBytes(RING));
  return { sab, ...ringColumns(sab, RING) };
}

// One frame: u32 count, u32 sequence, u8 flags (1: key frame), then the records. Every length
// and varint is checked against the frame; a bad frame stops decoding until the next key frame.
function decode(buffer) {
  const bytes = new Uint8Array(buffer), view = new DataView(buffer), end = bytes.length;
  if (end < 9) throw new Error("frame shorter than its header");
  const n = view.getUint32(0, true), seq = view.getUint32(4, true), key = bytes[8] & 1;
  if (n > MAX_FRAME_EVENTS || 2 * n > end - 9) throw new Error("frame claims more events than it can hold");
  if (lastSeq && seq !== ((lastSeq + 1) >>> 0)) stats.lost += (seq - lastSeq - 1) >>> 0;
  lastSeq = seq;
  if (key) { states.length = 0; started = true; }
  if (!started) return null;
  let pos = 9;
  const varint = () => {
    let v = 0, mul = 1, byte;
    do {
      if (pos >= end || mul > 2 ** 56) throw new Error("truncated or overlong varint");
      byte = bytes[pos++];
      v += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    return v % 2 ? -(v + 1) / 2 : v / 2;
  };
  const out = eventColumns(n);
  for (let i = 0; i < n; i++) {
    if (pos + 2 > end) throw new Error("frame ends inside a record");
    const kind = bytes[pos], bits = bytes[pos + 1];
    pos += 2;
    const s = states[kind] || (states[kind] = new Float64Array(7));
    if (bits & ROUTE) { if (pos >= end) throw new Error("truncated"); s[0] = bytes[pos++]; }
    if (bits & FLAG) { if (pos >= end) throw new Error("truncated"); s[1] = bytes[pos++]; }
    if (bits & SLOT) s[2] = (s[2] + varint()) >>> 0;
    if (bits & TIME) s[3] += varint();
    if (bits & A) s[4] += varint();
    if (bits & B) s[5] += varint();
    let a = s[4] / 1000, b = s[5] / 1000;
    if (bits & RAW) {
      if (pos + 16 > end) throw new Error("truncated");
      a = view.getFloat64(pos, true); b = view.getFloat64(pos + 8, true);
      pos += 16;
    }
    if (bits & ID) s[6] = (s[6] + varint()) >>> 0;
    out.kind[i] = kind; out.route[i] = s[0]; out.flag[i] = s[1]; out.slot[i] = s[2];
    out.t[i] = s[3] / 1000; out.a[i] = a; out.b[i] = b; out.id[i] = s[6];
  }
  if (pos !== end) throw new Error("bytes after the frame's last record");
  stats.frames++;
  stats.events += n;
  return out;
}

// The shared ring: as many pending events as fit; the rest wait for the page to read.
function pushShared() {
  const h = ring.header, c = ring.columns;
  while (pending.length) {
    const write = Atomics.load(h, 0), read = Atomics.load(h, 1);
    const room = RING - ((write - read) | 0);
    if (room <= 0) break;
    const batch = pending[0], n = batch.kind.length, from = batch.from || 0, take = Math.min(room, n - from);
    for (let k = 0; k < take; k++) {
      const i = (write + k) & (RING - 1), j = from + k;
      c.kind[i] = batch.kind[j]; c.route[i] = batch.route[j]; c.flag[i] = batch.flag[j]; c.slot[i] = batch.slot[j];
      c.t[i] = batch.t[j]; c.a[i] = batch.a[j]; c.b[i] = batch.b[j]; c.id[i] = batch.id[j];
    }
    Atomics.store(h, 0, (write + take) | 0);  // published: the page reads up to here
    if (from + take === n) pending.shift(); else batch.from = from + take;
  }
  stats.waiting = pending.reduce((s, p) => s + p.kind.length - (p.from || 0), 0);
}

function merge(parts) {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((s, p) => s + p.kind.length, 0), out = eventColumns(n);
  for (const key of Object.keys(out)) {
    let at = 0;
    for (const p of parts) { out[key].set(p[key], at); at += p[key].length; }
  }
  return out;
}

function flush() {
  if (ring) {
    pushShared();
  } else if (pending.length) {
    const batch = merge(pending);
    pending = [];
    stats.posts++;
    self.postMessage({ type: "batch", batch, stats }, Object.values(batch).map((column) => column.buffer));
  }
}

self.onmessage = (msg) => {
  const data = msg.data;
  if (data.type === "select") { selected = data.pool; return; }
  if (data.type === "shed") { analytics.shed(); return; }
  if (data.type !== "connect") return;
  // SharedArrayBuffer exists only in a cross-origin isolated context (COOP + COEP)
  if (self.crossOriginIsolated && typeof SharedArrayBuffer === "function") {
    ring = sharedRing();
    stats.handoff = "shared";
    self.postMessage({ type: "ring", sab: ring.sab, capacity: RING });
  } else {
    stats.handoff = "transfer";
  }
  const ws = new WebSocket(data.url);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (m) => {
    if (typeof m.data === "string") {
      stats.posts++;
      const meta = JSON.parse(m.data);
      for (const [space, i, n] of meta.names) if (space >= 2) analytics.name(space, i, n);
      self.postMessage({ type: "meta", meta, handoff: stats.handoff });
      return;
    }
    stats.bytes += m.data.byteLength;
    let batch;
    try {
      batch = decode(m.data);
    } catch (e) {  // nothing after a bad frame decodes until a key frame: start over
      stats.bad++;
      started = false;
      ws.close();
      return;
    }
    if (!batch) return;
    names(batch, batch.kind.length);
    analytics.observe(batch, batch.kind.length);
    pending.push(batch);
    if (ring) pushShared();
  };
  ws.onclose = () => self.postMessage({ type: "closed" });
  setInterval(flush, FLUSH_MS);
  setInterval(() => {  // the worker's counters and the analytics, a few times a second
    stats.posts++;
    self.postMessage({ type: "stats", stats, analytics: analytics.report(selected) });
  }, 250);
};
