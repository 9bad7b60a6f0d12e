// The dashboard page: events from the worker (a SharedArrayBuffer ring read once a frame, or
// transferred batches) go into fixed-size typed-array rings (the last 100,000 events for the
// table, per-second buckets for the charts); one requestAnimationFrame callback redraws whatever
// changed. The table (table.js) and the charts (charts.js) are modules of their own.
import { CHART_SECONDS, drawCharts, drawn, shortKey } from "./charts.js";
import { ringColumns } from "./ring.js";
import { EventTable } from "./table.js";

const KIND = { SHOT: 1, OUTCOME: 2, DELTA: 3, SLOT: 4, STATS: 5, NAME: 6, SHADOW: 7 };
const KIND_NAME = ["", "shot", "outcome", "delta", "slot", "stats", "name", "shadow"];
const TABLE_ROWS = 100000;

const names = { route: [], leader: [] };
const store = {
  capacity: TABLE_ROWS, total: 0, count: 0,
  columns: { kind: new Uint8Array(TABLE_ROWS), route: new Uint8Array(TABLE_ROWS), flag: new Uint8Array(TABLE_ROWS),
             slot: new Uint32Array(TABLE_ROWS), t: new Float64Array(TABLE_ROWS), a: new Float64Array(TABLE_ROWS),
             b: new Float64Array(TABLE_ROWS), id: new Uint32Array(TABLE_ROWS) },
};
const attempts = new Map();  // attempt id -> the sequence numbers of its events still in the table
// charts: per route, landed and decided per second for the last CHART_SECONDS seconds
const model = {
  landing: { landed: [], decided: [], second: 0 },
  tips: [],    // per route, cumulative lamports
  phase: [],   // per leader: [phase, std]
  feed: { depth: new Float64Array(600), lag: new Float64Array(600), head: 0, count: 0 },
  nameOf,
};
const shadow = { shots: 0, ok: 0 };  // shadow mode: what would have been sent
const perf = { frames: 0, fps: 0, since: performance.now(), posts: 0, events: 0, workerStats: null,
               postsTotal: 0, eventsTotal: 0, handoff: "" };
let chartsDirty = true;
const f64 = new Float64Array(2);
const f64bytes = new Uint8Array(f64.buffer);
const text = new TextDecoder();

function nameOf(space, i) {
  const list = space === 0 ? names.route : names.leader;
  return list[i] || (space === 0 ? `route ${i}` : `#${i}`);
}

function second(t) { return Math.floor(t / 1000); }

function rollLanding(sec) {
  const landing = model.landing;
  if (!landing.second) landing.second = sec;
  while (landing.second < sec) {  // a new second: shift every route's window by one
    landing.second++;
    for (const r in landing.decided) {
      landing.decided[r].copyWithin(0, 1); landing.decided[r][CHART_SECONDS - 1] = 0;
      landing.landed[r].copyWithin(0, 1); landing.landed[r][CHART_SECONDS - 1] = 0;
    }
  }
}

// the attempt index: which rows belong to one attempt (a row's details list them)
function indexAttempt(k, id, seq) {
  if (k !== KIND.SHOT && k !== KIND.OUTCOME && k !== KIND.SHADOW) return;
  const rows = attempts.get(id);
  if (rows) rows.push(seq); else attempts.set(id, [seq]);
}

function unindexAttempt(slot) {
  const c = store.columns, k = c.kind[slot];
  if (k !== KIND.SHOT && k !== KIND.OUTCOME && k !== KIND.SHADOW) return;
  const rows = attempts.get(c.id[slot]);
  if (rows) { rows.shift(); if (!rows.length) attempts.delete(c.id[slot]); }  // its oldest row leaves first
}

// events at (start + k) & mask of the columns, k < count: the shared ring's layout, or a
// transferred batch's (mask -1)
function ingest(cols, start, count, mask) {
  perf.events += count;
  perf.eventsTotal += count;
  const c = store.columns;
  for (let k = 0; k < count; k++) {
    const i = (start + k) & mask;
    const kind = cols.kind[i];
    if (kind === KIND.NAME) {
      f64[0] = cols.a[i]; f64[1] = cols.b[i];
      let end = f64bytes.indexOf(0); if (end < 0) end = 16;
      (cols.flag[i] === 0 ? names.route : names.leader)[cols.route[i]] = text.decode(f64bytes.slice(0, end));
      continue;
    }
    const seq = store.total, at = seq % TABLE_ROWS;
    if (store.count === TABLE_ROWS) { table.forget(at); unindexAttempt(at); }
    c.kind[at] = kind; c.route[at] = cols.route[i]; c.flag[at] = cols.flag[i]; c.slot[at] = cols.slot[i];
    c.t[at] = cols.t[i]; c.a[at] = cols.a[i]; c.b[at] = cols.b[i]; c.id[at] = cols.id[i];
    store.total++;
    if (store.count < TABLE_ROWS) store.count++;
    indexAttempt(kind, cols.id[i], seq);
    const a = cols.a[i], b = cols.b[i], flag = cols.flag[i], route = cols.route[i];
    if (kind === KIND.OUTCOME) {
      const landing = model.landing;
      rollLanding(second(cols.t[i]));
      if (!landing.decided[route]) {
        landing.decided[route] = new Float64Array(CHART_SECONDS); landing.landed[route] = new Float64Array(CHART_SECONDS);
        model.tips[route] = 0;
      }
      landing.decided[route][CHART_SECONDS - 1]++;
      if (flag) { landing.landed[route][CHART_SECONDS - 1]++; model.tips[route] += a; }
    } else if (kind === KIND.SHADOW) {
      shadow.shots++;
      if (flag) shadow.ok++;
    } else if (kind === KIND.SLOT) {
      model.phase[cols.id[i]] = [a, b];
    } else if (kind === KIND.STATS || kind === KIND.DELTA) {
      const feed = model.feed;
      if (kind === KIND.STATS) {
        feed.depth[feed.head] = a;
        feed.head = (feed.head + 1) % feed.depth.length;
        feed.count = Math.min(feed.count + 1, feed.depth.length);
      } else {
        feed.lag[feed.head] = a;
      }
    }
  }
  if (count) { table.dirty = true; chartsDirty = true; }
}

// --- what a row says -------------------------------------------------------------------------------
function fmtTime(t) {
  const d = new Date(t);
  return d.toTimeString().slice(0, 8) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function describe(i) {
  const c = store.columns, k = c.kind[i], a = c.a[i], b = c.b[i], flag = c.flag[i], id = c.id[i];
  switch (k) {
    case KIND.SHOT: return [nameOf(0, c.route[i]), `${a.toFixed(0)} µs late`, `rtt ${(b / 1000).toFixed(2)} ms ${flag ? "ok" : "failed"}`, flag ? "" : "missed"];
    case KIND.OUTCOME: return [nameOf(0, c.route[i]), flag ? `tip ${a.toFixed(0)}` : "", flag ? `landed #${id}` : `missed #${id}`, flag ? "landed" : "missed"];
    case KIND.DELTA: return ["", `lag ${a.toFixed(1)} ms`, `account ${id.toString(16).padStart(8, "0")}… ${b} bytes`, ""];
    case KIND.SLOT: return ["", `${a.toFixed(1)} ms`, `${shortKey(nameOf(1, id))} ±${b.toFixed(1)}`, ""];
    case KIND.SHADOW: return [nameOf(0, c.route[i]), `would tip ${a.toFixed(0)}`, `not sent: simulation ${flag ? "ok" : "failed"}, ${b.toFixed(0)} CU #${id}`, flag ? "" : "missed"];
    default: return ["", `depth ${a.toFixed(0)}`, `coalesced ${b.toFixed(0)} dropped ${id}`, ""];
  }
}

// one line per event of the row's attempt (its shots, routes, tips, outcome, simulation), or
// the row's own fields for events that belong to no attempt
function details(i) {
  const c = store.columns, k = c.kind[i];
  if (k === KIND.SHOT || k === KIND.OUTCOME || k === KIND.SHADOW) {
    const lines = [`attempt #${c.id[i]}`];
    for (const seq of attempts.get(c.id[i]) || []) {
      const j = seq % TABLE_ROWS, route = nameOf(0, c.route[j]);
      if (c.kind[j] === KIND.SHOT) {
        lines.push(`  shot on ${route}: ${c.flag[j] ? "accepted" : "refused"}, ${c.a[j].toFixed(0)} µs late, rtt ${(c.b[j] / 1000).toFixed(2)} ms`);
      } else if (c.kind[j] === KIND.OUTCOME) {
        lines.push(c.flag[j] ? `  landed in slot ${c.slot[j]} via ${route}, tip ${c.a[j].toLocaleString()} lamports`
                             : `  missed slot ${c.slot[j]}`);
      } else {
        lines.push(`  shadow shot on ${route}: tip ${c.a[j].toLocaleString()} lamports, simulation ` +
                   `${c.flag[j] ? "ok" : "failed"}, ${c.b[j].toFixed(0)} compute units (not sent)`);
      }
    }
    return lines;
  }
  if (k === KIND.DELTA) return [`account ${c.id[i].toString(16).padStart(8, "0")}…, slot ${c.slot[i]}`, `  ${c.b[i]} bytes, ${c.a[i].toFixed(2)} ms after the slot's start`];
  if (k === KIND.SLOT) return [`leader ${nameOf(1, c.id[i])} at slot ${c.slot[i]}`, `  Kalman phase ${c.a[i].toFixed(1)} ms ± ${c.b[i].toFixed(1)}`];
  return [`feed ring depth ${c.a[i]}`, `  coalesced ${c.b[i]}, dropped ${c.id[i]}`];
}

const table = new EventTable(document.getElementById("viewport"), store, {
  describe, details, cells: (i) => [fmtTime(store.columns.t[i]), KIND_NAME[store.columns.kind[i]]],
});

// --- the frame loop and the performance overlay ----------------------------------------------------
const perfEl = document.getElementById("perf");
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey && e.shiftKey && (e.key === "P" || e.key === "p")) { perfEl.hidden = !perfEl.hidden; e.preventDefault(); }
});

let shared = null;  // the worker's ring when the page is cross-origin isolated
function drainShared() {
  if (!shared) return;
  const write = Atomics.load(shared.header, 0), read = Atomics.load(shared.header, 1);
  const n = (write - read) | 0;
  if (n > 0) {
    ingest(shared.columns, read, n, shared.capacity - 1);
    Atomics.store(shared.header, 1, write);  // the worker may reuse these slots now
  }
}

function frame(now) {
  perf.frames++;
  if (now - perf.since >= 1000) {
    const secs = (now - perf.since) / 1000;
    perf.fps = perf.frames / secs;
    const mem = performance.memory ? `${(performance.memory.usedJSHeapSize / 1048576).toFixed(1)} MB` : "n/a";
    perfEl.textContent = `FPS ${perf.fps.toFixed(1)}\nheap ${mem}\nworker posts/s ${(perf.posts / secs).toFixed(0)}\n` +
                         `events/s ${(perf.events / secs).toFixed(0)}\nrows ${store.count}\nhand-off ${perf.handoff}`;
    window.__mevlib.fps.push(perf.fps);
    perf.frames = 0; perf.posts = 0; perf.events = 0; perf.since = now;
  }
  drainShared();
  if (table.dirty) table.render();
  if (chartsDirty) { drawCharts(model); chartsDirty = false; }
  requestAnimationFrame(frame);
}

// what the browser test reads
window.__mevlib = { fps: [], get postsReceived() { return perf.postsTotal; },
                    get eventsReceived() { return perf.eventsTotal; }, get rows() { return store.count; },
                    get worker() { return perf.workerStats; }, get shadow() { return { ...shadow }; },
                    get axes() { return drawn; }, get handoff() { return perf.handoff; }, table,
                    scrollTo(row) { table.viewport.scrollTop = table.top(row); } };

const worker = new Worker("static/protoCoalesce.worker.js", { type: "module" });
worker.onmessage = (m) => {
  perf.posts++;
  perf.postsTotal++;
  const data = m.data;
  if (data.type === "batch") {
    perf.workerStats = data.stats;
    ingest(data.batch, 0, data.batch.kind.length, -1);
  } else if (data.type === "ring") {
    shared = ringColumns(data.sab, data.capacity);
  } else if (data.type === "stats") {
    perf.workerStats = data.stats;
  } else if (data.type === "meta") {
    perf.handoff = data.handoff;
    for (const [space, i, n] of data.meta.names) (space === 0 ? names.route : names.leader)[i] = n;
    document.getElementById("status").textContent = "live";
  } else if (data.type === "closed") {
    document.getElementById("status").textContent = "disconnected";
  }
};
// The token comes in the URL's #fragment (never sent to any server, so never logged); it is
// traded once for an HttpOnly cookie, which the WebSocket then carries, and the URL is cleaned.
async function connect() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (token) {
    history.replaceState(null, "", location.pathname);
    const r = await fetch("session", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    if (!r.ok) document.getElementById("status").textContent = "wrong token";
  }
  const wsUrl = new URL("ws", location.href);
  wsUrl.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  worker.postMessage({ type: "connect", url: wsUrl.href });
}
connect();
setInterval(() => {
  document.getElementById("totals").textContent = `${store.count.toLocaleString()} events in view` +
    (shadow.shots ? ` · SHADOW MODE: ${shadow.shots.toLocaleString()} shots not sent, ${shadow.ok.toLocaleString()} simulated ok` : "");
}, 500);
requestAnimationFrame(frame);
