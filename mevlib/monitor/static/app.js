// The dashboard page: events from the worker (a SharedArrayBuffer ring read once a frame, or
// transferred batches) go into fixed-size typed-array rings (the last 100,000 events for the
// table, per-second buckets for the charts); one requestAnimationFrame callback redraws whatever
// changed. Modules of their own: the table (table.js), the charts (charts.js), quality and memory
// (quality.js), the analytics panel (panels.js) and the shared ring's layout (ring.js).
import { CHART_SECONDS, drawCharts, drawn } from "./charts.js";
import { renderAnalytics } from "./panels.js";
import { Memory, Quality } from "./quality.js";
import { eventColumns, nameText, ringColumns, Series, shortKey } from "./ring.js";
import { EventTable } from "./table.js";

const KIND = { SHOT: 1, OUTCOME: 2, DELTA: 3, SLOT: 4, STATS: 5, NAME: 6, SHADOW: 7, ATTEMPT: 8, POOL: 9, CYCLE: 10 };
const KIND_NAME = ["", "shot", "outcome", "delta", "slot", "stats", "name", "shadow", "attempt", "pool", "cycle"];
const TABLE_ROWS = 100000;
const MIN_ROWS = 1000;            // shedding memory never leaves the table fewer rows than this
const ASKED_MB = +new URLSearchParams(location.search).get("budget");  // ?budget=MB
const BUDGET_MB = ASKED_MB > 0 ? ASKED_MB : 512;

const names = [[], [], [], []];  // by space: routes, leaders, pools, mints
// the table's ring: the event with sequence number seq is at seq % capacity
const store = { capacity: TABLE_ROWS, total: 0, count: 0, columns: eventColumns(TABLE_ROWS) };
// an attempt's rows, newest first: its last row's sequence number by id, then each row's previous
const attempts = { last: new Map(), prev: new Float64Array(TABLE_ROWS) };
// charts: per route, landed and decided per second for the last CHART_SECONDS seconds
const model = {
  landing: { landed: [], decided: [], second: 0 },
  tips: [],    // per route, cumulative lamports
  phase: [],   // per leader: [phase, std]
  feed: { depth: new Series(), lag: new Series(), lastLag: 0 },  // a point per STATS event
  nameOf,
  analytics: null,  // the worker's last report
};
const shadow = { shots: 0, ok: 0 };  // shadow mode: what would have been sent
const perf = { frames: 0, fps: 0, since: performance.now(), posts: 0, events: 0, workerStats: null,
               postsTotal: 0, eventsTotal: 0, handoff: "", work: 0, workMax: 0, frameNo: 0 };
// which charts have new data to draw
const dirty = { landing: true, tips: true, phase: true, feed: true, price: true };
const everyChart = () => { for (const key in dirty) dirty[key] = true; };

function nameOf(space, i) {
  return names[space][i] || `${["route ", "#", "pool ", "mint "][space]}${i}`;
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
const ofAttempt = (k) => k === KIND.SHOT || k === KIND.OUTCOME || k === KIND.SHADOW || k === KIND.ATTEMPT;

function indexAttempt(k, id, seq) {
  if (!ofAttempt(k)) return;
  const prev = attempts.last.get(id);
  attempts.prev[seq % store.capacity] = prev === undefined ? -1 : prev;
  attempts.last.set(id, seq);
}

function unindexAttempt(slot, seq) {  // the row leaving; its attempt's older rows have left already
  const c = store.columns;
  if (ofAttempt(c.kind[slot]) && attempts.last.get(c.id[slot]) === seq) attempts.last.delete(c.id[slot]);
}

function attemptRows(id) {  // oldest first
  const rows = [], oldest = store.total - store.count;
  for (let seq = attempts.last.get(id); seq !== undefined && seq >= oldest; seq = attempts.prev[seq % store.capacity]) rows.push(seq);
  return rows.reverse();
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
      if (cols.flag[i] < names.length) names[cols.flag[i]][cols.route[i]] = nameText(cols.a[i], cols.b[i]);
      continue;
    }
    const seq = store.total, at = seq % store.capacity;
    if (store.count === store.capacity) { table.forget(at); unindexAttempt(at, seq - store.capacity); }
    c.kind[at] = kind; c.route[at] = cols.route[i]; c.flag[at] = cols.flag[i]; c.slot[at] = cols.slot[i];
    c.t[at] = cols.t[i]; c.a[at] = cols.a[i]; c.b[at] = cols.b[i]; c.id[at] = cols.id[i];
    indexAttempt(kind, cols.id[i], seq);
    store.total++;
    if (store.count < store.capacity) store.count++;
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
      dirty.landing = dirty.tips = true;
    } else if (kind === KIND.SHADOW) {
      shadow.shots++;
      if (flag) shadow.ok++;
    } else if (kind === KIND.SLOT) {
      model.phase[cols.id[i]] = [a, b];
      dirty.phase = true;
    } else if (kind === KIND.STATS || kind === KIND.DELTA) {
      const feed = model.feed;
      if (kind === KIND.STATS) { feed.depth.push(a); feed.lag.push(feed.lastLag); dirty.feed = true; } else { feed.lastLag = a; }
    }
  }
  if (count) table.dirty = true;
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
    case KIND.ATTEMPT: return ["", `value ${a.toFixed(0)}`, `attempt #${id} sent`, ""];
    case KIND.POOL: return [nameOf(2, c.route[i]), (a > 0 && b > 0 ? Math.sqrt(a / b) : 0).toPrecision(5), `${pair(id)} after fees: ${a.toPrecision(5)} / ${b.toPrecision(5)}`, ""];
    case KIND.CYCLE: return ["", `profit ${a.toFixed(0)}`, `${c.route[i]} hops from ${shortKey(nameOf(3, c.flag[i]))}: ${cyclePools(c.route[i], id)}`, "landed"];
    default: return ["", `depth ${a.toFixed(0)}`, `coalesced ${b.toFixed(0)} dropped ${id}`, ""];
  }
}

function pair(id) { return `${shortKey(nameOf(3, id & 0xffff))}/${shortKey(nameOf(3, id >>> 16))}`; }
function cyclePools(hops, id) { return Array.from({ length: hops }, (_, h) => nameOf(2, (id >>> (8 * h)) & 0xff)).join(" → "); }

// one line per event of the row's attempt (its shots, routes, tips, outcome, simulation), or
// the row's own fields for events that belong to no attempt
function details(i) {
  const c = store.columns, k = c.kind[i];
  if (ofAttempt(k)) {
    const lines = [`attempt #${c.id[i]}`];
    for (const seq of attemptRows(c.id[i])) {
      const j = seq % store.capacity, route = nameOf(0, c.route[j]);
      if (c.kind[j] === KIND.SHOT) {
        lines.push(`  shot on ${route}: ${c.flag[j] ? "accepted" : "refused"}, ${c.a[j].toFixed(0)} µs late, rtt ${(c.b[j] / 1000).toFixed(2)} ms`);
      } else if (c.kind[j] === KIND.OUTCOME) {
        lines.push(c.flag[j] ? `  landed in slot ${c.slot[j]} via ${route}, tip ${c.a[j].toLocaleString()}, fee ${c.b[j].toLocaleString()} lamports`
                             : `  missed slot ${c.slot[j]}${c.b[j] ? `, fees ${c.b[j].toLocaleString()} lamports` : ""}`);
      } else if (c.kind[j] === KIND.ATTEMPT) {
        lines.push(`  sent for slot ${c.slot[j]}, worth ${c.a[j].toLocaleString()} lamports if it lands`);
      } else {
        lines.push(`  shadow shot on ${route}: tip ${c.a[j].toLocaleString()} lamports, simulation ` +
                   `${c.flag[j] ? "ok" : "failed"}, ${c.b[j].toFixed(0)} compute units (not sent)`);
      }
    }
    return lines;
  }
  if (k === KIND.DELTA) return [`account ${c.id[i].toString(16).padStart(8, "0")}…, slot ${c.slot[i]}`, `  ${c.b[i]} bytes, ${c.a[i].toFixed(2)} ms after the slot's start`];
  if (k === KIND.POOL) return [`${nameOf(2, c.route[i])} (${pair(c.id[i])}) at slot ${c.slot[i]}`, `  an atom of a buys ${c.a[i]} of b; an atom of b buys ${c.b[i]} of a (after fees)`];
  if (k === KIND.CYCLE) return [`a cycle the bot's finder found at slot ${c.slot[i]}: ${cyclePools(c.route[i], c.id[i])}`, `  ${c.b[i].toLocaleString()} in, ${c.a[i].toLocaleString()} profit (${shortKey(nameOf(3, c.flag[i]))} atoms)`];
  if (k === KIND.SLOT) return [`leader ${nameOf(1, c.id[i])} at slot ${c.slot[i]}`, `  Kalman phase ${c.a[i].toFixed(1)} ms ± ${c.b[i].toFixed(1)}`];
  return [`feed ring depth ${c.a[i]}`, `  coalesced ${c.b[i]}, dropped ${c.id[i]}`];
}

const table = new EventTable(document.getElementById("viewport"), store, {
  describe, details, cells: (i) => [fmtTime(store.columns.t[i]), KIND_NAME[store.columns.kind[i]]],
});

// --- the frame loop and the performance overlay ----------------------------------------------------
const perfEl = document.getElementById("perf");
const analyticsEl = document.getElementById("analytics");
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

// --- memory: the page's arrays, and shedding the older half of every history ------------------------
function ownBytes() {
  const sum = (cols) => Object.values(cols).reduce((n, c) => n + c.byteLength, 0);
  return sum(store.columns) + attempts.prev.byteLength + table.bytes() + model.feed.depth.bytes + model.feed.lag.bytes;
}

function shedHistory() {
  const before = ownBytes(), old = store.columns, oldCapacity = store.capacity;
  const capacity = Math.max(MIN_ROWS, oldCapacity >> 1), keep = Math.min(store.count, capacity);
  const cols = eventColumns(capacity);
  for (let seq = store.total - keep; seq < store.total; seq++) {
    const from = seq % oldCapacity, to = seq % capacity;
    for (const key in cols) cols[key][to] = old[key][from];
  }
  store.columns = cols; store.capacity = capacity; store.count = keep;
  table.resize(oldCapacity);
  attempts.last.clear();
  attempts.prev = new Float64Array(capacity);
  for (let seq = store.total - keep; seq < store.total; seq++) indexAttempt(cols.kind[seq % capacity], cols.id[seq % capacity], seq);
  model.feed.depth.shrink(); model.feed.lag.shrink();
  worker.postMessage({ type: "shed" });  // the worker's series and pool cache too
  table.dirty = true;
  everyChart();
  return before - ownBytes();
}

const quality = new Quality();
const memory = new Memory(BUDGET_MB * 1048576, { ownBytes, shed: shedHistory });

function everySecond(now) {
  const secs = (now - perf.since) / 1000;
  perf.fps = perf.frames / secs;
  const eventsPerSecond = perf.events / secs;
  quality.tick(now, perf.fps, eventsPerSecond);
  memory.tick(now);
  perfEl.textContent = `FPS ${perf.fps.toFixed(1)}  frame ${(1000 / perf.fps).toFixed(1)} ms ` +
    `(our work ${(perf.work / perf.frames).toFixed(1)} ms, max ${perf.workMax.toFixed(1)})\n` +
    `${memory.describe()}\nevents/s ${Math.round(eventsPerSecond).toLocaleString()}  worker posts/s ` +
    `${(perf.posts / secs).toFixed(0)}\n${quality.describe()}\n` +
    `hand-off ${perf.handoff}  rows ${store.count.toLocaleString()} of ${store.capacity.toLocaleString()}`;
  window.__mevlib.fps.push(perf.fps);
  window.__mevlib.eventRates.push(eventsPerSecond);
  window.__mevlib.work.push(perf.work / perf.frames);
  perf.frames = perf.posts = perf.events = perf.work = perf.workMax = 0;
  perf.since = now;
}

let drawnAt = null;  // the quality level the charts were last drawn at

function frame(now) {
  const start = performance.now();
  perf.frames++;
  if (now - perf.since >= 1000) everySecond(now);
  drainShared();
  const q = quality.current, n = ++perf.frameNo;
  if (table.dirty && n % q.tableEvery === 0) table.render();
  if (q !== drawnAt) { everyChart(); drawnAt = q; }  // a new quality level: a new resolution
  if (n % q.chartEvery === 0) drawCharts(model, q.resolution, dirty);
  const work = performance.now() - start;
  perf.work += work;
  perf.workMax = Math.max(perf.workMax, work);
  requestAnimationFrame(frame);
}

// what the browser test reads
window.__mevlib = { fps: [], eventRates: [], work: [], quality, memory, store, get postsReceived() { return perf.postsTotal; },
                    get eventsReceived() { return perf.eventsTotal; }, get rows() { return store.count; },
                    get worker() { return perf.workerStats; }, get shadow() { return { ...shadow }; },
                    get axes() { return drawn; }, get analytics() { return model.analytics; }, get handoff() { return perf.handoff; }, table,
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
    model.analytics = data.analytics;
    dirty.price = true;
    renderAnalytics(analyticsEl, data.analytics, (pool) => worker.postMessage({ type: "select", pool }));
  } else if (data.type === "meta") {
    perf.handoff = data.handoff;
    for (const [space, i, n] of data.meta.names) if (space < names.length) names[space][i] = n;
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
    history.replaceState(null, "", location.pathname + location.search);
    const r = await fetch("session", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    if (!r.ok) document.getElementById("status").textContent = "wrong token";
  }
  const wsUrl = new URL("ws", location.href);
  wsUrl.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  worker.postMessage({ type: "connect", url: wsUrl.href });
}
connect();
// a hidden page gets no animation frames: the shared ring is drained on a timer too, so the worker
// never holds more than the ring and a second of events (browsers run hidden pages' timers once a second)
setInterval(drainShared, 250);
setInterval(() => {
  document.getElementById("totals").textContent = `${store.count.toLocaleString()} events in view` +
    (shadow.shots ? ` · SHADOW MODE: ${shadow.shots.toLocaleString()} shots not sent, ${shadow.ok.toLocaleString()} simulated ok` : "");
}, 500);
requestAnimationFrame(frame);
