// The dashboard page: batches from the worker go into fixed-size typed-array rings (the last
// 100,000 events for the table, per-second buckets for the charts); one requestAnimationFrame
// callback redraws whatever changed. The table is virtual: only the rows in view exist.
"use strict";

const KIND = { SHOT: 1, OUTCOME: 2, DELTA: 3, SLOT: 4, STATS: 5, NAME: 6, SHADOW: 7 };
const KIND_NAME = ["", "shot", "outcome", "delta", "slot", "stats", "name", "shadow"];
const TABLE_ROWS = 100000;
const ROW_PX = 20;
const CHART_SECONDS = 60;
const COLORS = ["#4e9af1", "#f1a14e", "#6fdc8c", "#d17ef0", "#f16e6e", "#e8d46b", "#6be8e0", "#b0b8c0"];

const names = { route: [], leader: [] };
const table = {
  kind: new Uint8Array(TABLE_ROWS), route: new Uint8Array(TABLE_ROWS), flag: new Uint8Array(TABLE_ROWS),
  slot: new Uint32Array(TABLE_ROWS), t: new Float64Array(TABLE_ROWS), a: new Float64Array(TABLE_ROWS),
  b: new Float64Array(TABLE_ROWS), id: new Uint32Array(TABLE_ROWS), head: 0, count: 0,
};
// charts: per route, landed and decided per second for the last CHART_SECONDS seconds
const landing = { landed: [], decided: [], second: 0 };
const tips = [];          // per route, cumulative lamports
const phase = [];         // per leader: [phase, std]
const feed = { depth: new Float64Array(600), lag: new Float64Array(600), head: 0, count: 0 };
const shadow = { shots: 0, ok: 0 };  // shadow mode: what would have been sent
const perf = { frames: 0, fps: 0, since: performance.now(), posts: 0, events: 0, workerStats: null,
               postsTotal: 0, eventsTotal: 0 };
let dirty = { table: true, charts: true };
const f64 = new Float64Array(2);
const f64bytes = new Uint8Array(f64.buffer);

function nameOf(space, i) {
  const list = space === 0 ? names.route : names.leader;
  return list[i] || (space === 0 ? `route ${i}` : `#${i}`);
}

// a leader's identity as a short pubkey: the name carries its first and last 8 base58 characters
function shortKey(name) { return name.length > 9 ? `${name.slice(0, 4)}…${name.slice(-4)}` : name; }

// 1234 -> "1.2k", 2500000 -> "2.5M": axis values that fit the value band
function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(a < 10 ? 1 : 0)}`;
}

function second(t) { return Math.floor(t / 1000); }

function rollLanding(sec) {
  if (!landing.second) landing.second = sec;
  while (landing.second < sec) {  // a new second: shift every route's window by one
    landing.second++;
    for (const r in landing.decided) {
      landing.decided[r].copyWithin(0, 1); landing.decided[r][CHART_SECONDS - 1] = 0;
      landing.landed[r].copyWithin(0, 1); landing.landed[r][CHART_SECONDS - 1] = 0;
    }
  }
}

function ingest(batch) {
  const n = batch.kind.length;
  perf.events += n;
  perf.eventsTotal += n;
  for (let i = 0; i < n; i++) {
    const k = batch.kind[i];
    if (k === KIND.NAME) {
      f64[0] = batch.a[i]; f64[1] = batch.b[i];
      let end = f64bytes.indexOf(0); if (end < 0) end = 16;
      const text = new TextDecoder().decode(f64bytes.slice(0, end));
      (batch.flag[i] === 0 ? names.route : names.leader)[batch.route[i]] = text;
      continue;
    }
    const at = table.head;
    table.kind[at] = k; table.route[at] = batch.route[i]; table.flag[at] = batch.flag[i];
    table.slot[at] = batch.slot[i]; table.t[at] = batch.t[i]; table.a[at] = batch.a[i];
    table.b[at] = batch.b[i]; table.id[at] = batch.id[i];
    table.head = (at + 1) % TABLE_ROWS;
    if (table.count < TABLE_ROWS) table.count++;
    if (k === KIND.OUTCOME) {
      const r = batch.route[i];
      rollLanding(second(batch.t[i]));
      if (!landing.decided[r]) { landing.decided[r] = new Float64Array(CHART_SECONDS); landing.landed[r] = new Float64Array(CHART_SECONDS); tips[r] = 0; }
      landing.decided[r][CHART_SECONDS - 1]++;
      if (batch.flag[i]) { landing.landed[r][CHART_SECONDS - 1]++; tips[r] += batch.a[i]; }
    } else if (k === KIND.SHADOW) {
      shadow.shots++;
      if (batch.flag[i]) shadow.ok++;
    } else if (k === KIND.SLOT) {
      phase[batch.id[i]] = [batch.a[i], batch.b[i]];
    } else if (k === KIND.STATS || k === KIND.DELTA) {
      if (k === KIND.STATS) feed.depth[feed.head] = batch.a[i]; else feed.lag[feed.head] = batch.a[i];
      if (k === KIND.STATS) { feed.head = (feed.head + 1) % feed.depth.length; feed.count = Math.min(feed.count + 1, feed.depth.length); }
    }
  }
  dirty.table = dirty.charts = true;
}

// --- the virtual table ----------------------------------------------------------------------
const viewport = document.getElementById("viewport");
const spacer = document.getElementById("spacer");
const rowsEl = document.getElementById("rows");
const rowPool = [];
viewport.addEventListener("scroll", () => { dirty.table = true; }, { passive: true });

function fmtTime(t) {
  const d = new Date(t);
  return d.toTimeString().slice(0, 8) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function describe(i) {
  const k = table.kind[i], a = table.a[i], b = table.b[i];
  switch (k) {
    case KIND.SHOT: return [nameOf(0, table.route[i]), `${a.toFixed(0)} µs late`, `rtt ${(b / 1000).toFixed(2)} ms ${table.flag[i] ? "ok" : "failed"}`, table.flag[i] ? "" : "missed"];
    case KIND.OUTCOME: return [nameOf(0, table.route[i]), table.flag[i] ? `tip ${a.toFixed(0)}` : "", table.flag[i] ? `landed #${table.id[i]}` : `missed #${table.id[i]}`, table.flag[i] ? "landed" : "missed"];
    case KIND.DELTA: return ["", `lag ${a.toFixed(1)} ms`, `account ${table.id[i].toString(16).padStart(8, "0")}… ${b} bytes`, ""];
    case KIND.SLOT: return ["", `${a.toFixed(1)} ms`, `${shortKey(nameOf(1, table.id[i]))} ±${b.toFixed(1)}`, ""];
    case KIND.SHADOW: return [nameOf(0, table.route[i]), `would tip ${a.toFixed(0)}`, `not sent: simulation ${table.flag[i] ? "ok" : "failed"}, ${b.toFixed(0)} CU #${table.id[i]}`, table.flag[i] ? "" : "missed"];
    default: return ["", `depth ${a.toFixed(0)}`, `coalesced ${b.toFixed(0)} dropped ${table.id[i]}`, ""];
  }
}

function renderTable() {
  spacer.style.height = `${table.count * ROW_PX}px`;
  const first = Math.floor(viewport.scrollTop / ROW_PX);
  const visible = Math.min(Math.ceil(viewport.clientHeight / ROW_PX) + 1, Math.max(0, table.count - first));
  while (rowPool.length < visible) {
    const row = document.createElement("div");
    row.className = "row";
    for (let c = 0; c < 6; c++) row.appendChild(document.createElement("span"));
    rowsEl.appendChild(row);
    rowPool.push(row);
  }
  rowsEl.style.transform = `translateY(${first * ROW_PX}px)`;
  for (let r = 0; r < rowPool.length; r++) {
    const row = rowPool[r];
    if (r >= visible) { row.style.display = "none"; continue; }
    row.style.display = "";
    const i = (table.head - 1 - (first + r) + TABLE_ROWS) % TABLE_ROWS;  // newest first
    const [route, value, detail, cls] = describe(i);
    const cells = row.children;
    cells[0].textContent = fmtTime(table.t[i]);
    cells[1].textContent = KIND_NAME[table.kind[i]];
    cells[2].textContent = route;
    cells[3].textContent = table.slot[i] || "";
    cells[4].textContent = value;
    cells[5].textContent = detail;
    row.className = cls ? `row ${cls}` : "row";
  }
}

// --- charts -----------------------------------------------------------------------------------
// Each chart: a plot area right of a 46 px band for the y axis's title (running up its left
// edge) and values, above a 28 px band for the x axis's values and title. `drawn` keeps every
// chart's axis texts from the last frame (the browser tests read them).
const PLOT_L = 46, PLOT_B = 28;
const drawn = {};

function axes(ctx, id, w, h, { yTitle, yMax, yFmt = compact, xTitle, xTicks = [] }) {
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = "#3d4751";
  ctx.strokeRect(PLOT_L + 0.5, 0.5, w - PLOT_L - 1, h - PLOT_B);
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#9aa5b1";
  const ph = h - PLOT_B, y = [], x = [];
  for (const frac of [0, 0.5, 1]) {  // the value axis: its bottom, middle and top
    const text = yFmt(yMax * frac);
    ctx.textAlign = "right";
    ctx.fillText(text, PLOT_L - 3, Math.min(ph, Math.max(9, ph * (1 - frac) + 3)));
    y.push(text);
  }
  for (const [frac, text] of xTicks) {  // [position 0..1 along the plot, label]; the ends kept inside
    ctx.textAlign = frac === 0 ? "left" : frac === 1 ? "right" : "center";
    ctx.fillText(text, PLOT_L + frac * (w - PLOT_L - 1), ph + 11);
    x.push(text);
  }
  ctx.textAlign = "center";
  ctx.fillText(xTitle, PLOT_L + (w - PLOT_L) / 2, h - 3);
  ctx.save();
  ctx.translate(9, ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yTitle, 0, 0);
  ctx.restore();
  ctx.textAlign = "left";
  drawn[id] = { yTitle, xTitle, y, x };
  return ph;
}

// a legend along the plot's top edge
function legend(ctx, entries) {
  let at = PLOT_L + 6;
  for (const [text, color] of entries) {
    ctx.fillStyle = color;
    ctx.fillText(text, at, 11);
    at += ctx.measureText(text).width + 14;
  }
}

const SECONDS_AGO = [[0, `-${CHART_SECONDS} s`], [0.5, `-${CHART_SECONDS / 2} s`], [1, "now"]];

function drawLanding() {
  const c = document.getElementById("landing"), ctx = c.getContext("2d"), w = c.width, h = c.height;
  const ph = axes(ctx, "landing", w, h, { yTitle: "landed", yMax: 1, yFmt: (v) => `${Math.round(v * 100)}%`,
                                          xTitle: "time (5 s moving window)", xTicks: SECONDS_AGO });
  const entries = [];
  for (const r in landing.decided) {
    ctx.strokeStyle = ctx.fillStyle = COLORS[r % COLORS.length];
    ctx.beginPath();
    let landed = 0, decided = 0;  // a 5 s moving window: one second alone is too noisy
    for (let s = 0; s < CHART_SECONDS; s++) {
      landed += landing.landed[r][s]; decided += landing.decided[r][s];
      if (s >= 5) { landed -= landing.landed[r][s - 5]; decided -= landing.decided[r][s - 5]; }
      const rate = decided ? landed / decided : 0;
      const x = PLOT_L + 1 + (s / (CHART_SECONDS - 1)) * (w - PLOT_L - 2), y = ph * (1 - rate);
      s ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    }
    ctx.stroke();
    entries.push([nameOf(0, +r), COLORS[r % COLORS.length]]);
  }
  legend(ctx, entries);
}

function drawBars(id, values, label, max, yTitle, xTitle) {
  const c = document.getElementById(id), ctx = c.getContext("2d"), w = c.width, h = c.height;
  const keys = Object.keys(values);
  const top = max || Math.max(1, ...keys.map((k) => Array.isArray(values[k]) ? values[k][0] + values[k][1] : values[k]));
  const slot = (w - PLOT_L - 6) / Math.max(1, keys.length), bw = Math.max(4, slot - 6);
  const ph = axes(ctx, id, w, h, { yTitle, yMax: top, xTitle,
                                   xTicks: keys.map((k, j) => [(6 + j * slot + bw / 2) / (w - PLOT_L - 1), label(k)]) });
  keys.forEach((k, j) => {
    const v = Array.isArray(values[k]) ? values[k][0] : values[k];
    const x = PLOT_L + 6 + j * slot, y = ph * (1 - v / top);
    ctx.fillStyle = COLORS[j % COLORS.length];
    ctx.fillRect(x, y, bw, ph - y);
    if (Array.isArray(values[k])) {  // ±1 std
      const s = values[k][1] / top * ph;
      ctx.fillStyle = "#d8dee4";
      ctx.fillRect(x + bw / 2 - 1, y - s, 2, 2 * s);
    }
  });
}

function drawFeed() {
  const c = document.getElementById("feed"), ctx = c.getContext("2d"), w = c.width, h = c.height;
  const n = feed.count, len = feed.depth.length;
  const tops = [feed.depth, feed.lag].map((series) => {  // each series on its own scale, from 0
    let top = 1;
    for (let i = 0; i < n; i++) top = Math.max(top, series[(feed.head - n + i + len) % len]);
    return top;
  });
  // the value axis reads as the ring's depth; the lag's scale is in the legend
  const ph = axes(ctx, "feed", w, h, { yTitle: "depth (events)", yMax: tops[0], xTitle: `last ${len} samples`,
                                       xTicks: [[0, `-${len}`], [0.5, `-${len / 2}`], [1, "now"]] });
  [feed.depth, feed.lag].forEach((series, j) => {
    ctx.strokeStyle = COLORS[j];
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const v = series[(feed.head - n + i + len) % len];
      const x = PLOT_L + 1 + (i / Math.max(1, len - 1)) * (w - PLOT_L - 2), y = ph * (1 - v / tops[j]);
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    }
    ctx.stroke();
  });
  legend(ctx, [[`ring depth (max ${compact(tops[0])})`, COLORS[0]], [`lag ms (max ${compact(tops[1])})`, COLORS[1]]]);
}

function drawCharts() {
  drawLanding();
  drawBars("tips", Object.assign({}, tips), (k) => nameOf(0, +k), 0, "lamports", "route");
  drawBars("phase", Object.assign({}, phase), (k) => shortKey(nameOf(1, +k)), 400, "ms into the slot", "leader");
  drawFeed();
}

// --- the frame loop and the performance overlay --------------------------------------------------
const perfEl = document.getElementById("perf");
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey && e.shiftKey && (e.key === "P" || e.key === "p")) { perfEl.hidden = !perfEl.hidden; e.preventDefault(); }
});

function frame(now) {
  perf.frames++;
  if (now - perf.since >= 1000) {
    const secs = (now - perf.since) / 1000;
    perf.fps = perf.frames / secs;
    const mem = performance.memory ? `${(performance.memory.usedJSHeapSize / 1048576).toFixed(1)} MB` : "n/a";
    perfEl.textContent = `FPS ${perf.fps.toFixed(1)}\nheap ${mem}\nworker posts/s ${(perf.posts / secs).toFixed(0)}\n` +
                         `events/s ${(perf.events / secs).toFixed(0)}\nrows ${table.count}`;
    window.__mevlib.fps.push(perf.fps);
    perf.frames = 0; perf.posts = 0; perf.events = 0; perf.since = now;
  }
  if (dirty.table) { renderTable(); dirty.table = false; }
  if (dirty.charts) { drawCharts(); dirty.charts = false; }
  requestAnimationFrame(frame);
}

// what the browser test reads
window.__mevlib = { fps: [], get postsReceived() { return perf.postsTotal; },
                    get eventsReceived() { return perf.eventsTotal; }, get rows() { return table.count; },
                    get worker() { return perf.workerStats; }, get shadow() { return { ...shadow }; },
                    get axes() { return drawn; },
                    scrollTo(row) { viewport.scrollTop = row * ROW_PX; } };

const worker = new Worker("static/protoCoalesce.worker.js");
worker.onmessage = (m) => {
  perf.posts++;
  perf.postsTotal++;
  if (m.data.type === "batch") {
    perf.workerStats = m.data.stats;
    ingest(m.data.batch);
  } else if (m.data.type === "meta") {
    for (const [space, i, n] of m.data.meta.names) (space === 0 ? names.route : names.leader)[i] = n;
    document.getElementById("status").textContent = "live";
  } else if (m.data.type === "closed") {
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
  document.getElementById("totals").textContent = `${table.count.toLocaleString()} events in view` +
    (shadow.shots ? ` · SHADOW MODE: ${shadow.shots.toLocaleString()} shots not sent, ${shadow.ok.toLocaleString()} simulated ok` : "");
}, 500);
requestAnimationFrame(frame);
