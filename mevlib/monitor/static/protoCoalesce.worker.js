// Owns the dashboard's WebSocket: decodes the server's binary frames (u32 count, u32 sequence,
// count x 40-byte events; layout in mevlib/monitor/events.py) into columns, and posts the page
// at most one batch per 16 ms, its buffers transferred rather than copied.
"use strict";

const EVENT_BYTES = 40;
const FLUSH_MS = 16;
let pending = [];
let stats = { frames: 0, events: 0, posts: 0, lost: 0 };
let lastSeq = 0;

function decode(buffer) {
  const view = new DataView(buffer);
  const n = view.getUint32(0, true);
  const seq = view.getUint32(4, true);
  if (lastSeq && seq !== lastSeq + 1) stats.lost += seq - lastSeq - 1;
  lastSeq = seq;
  const cols = {
    kind: new Uint8Array(n), route: new Uint8Array(n), flag: new Uint8Array(n),
    slot: new Uint32Array(n), t: new Float64Array(n), a: new Float64Array(n),
    b: new Float64Array(n), id: new Uint32Array(n),
  };
  for (let i = 0, o = 8; i < n; i++, o += EVENT_BYTES) {
    cols.kind[i] = view.getUint8(o);
    cols.route[i] = view.getUint8(o + 1);
    cols.flag[i] = view.getUint8(o + 2);
    cols.slot[i] = view.getUint32(o + 4, true);
    cols.t[i] = view.getFloat64(o + 8, true);
    cols.a[i] = view.getFloat64(o + 16, true);
    cols.b[i] = view.getFloat64(o + 24, true);
    cols.id[i] = view.getUint32(o + 32, true);
  }
  stats.frames++;
  stats.events += n;
  return cols;
}

function merge(parts) {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((s, p) => s + p.kind.length, 0);
  const out = {};
  for (const key of Object.keys(parts[0])) {
    out[key] = new parts[0][key].constructor(n);
    let at = 0;
    for (const p of parts) { out[key].set(p[key], at); at += p[key].length; }
  }
  return out;
}

function flush() {
  if (!pending.length) return;
  const batch = merge(pending);
  pending = [];
  stats.posts++;
  self.postMessage({ type: "batch", batch, stats },
                   Object.values(batch).map((column) => column.buffer));
}

self.onmessage = (msg) => {
  if (msg.data.type !== "connect") return;
  const ws = new WebSocket(msg.data.url);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (m) => {
    if (typeof m.data === "string") {
      stats.posts++;
      self.postMessage({ type: "meta", meta: JSON.parse(m.data) });
    } else {
      pending.push(decode(m.data));
    }
  };
  ws.onclose = () => self.postMessage({ type: "closed" });
  setInterval(flush, FLUSH_MS);
};
