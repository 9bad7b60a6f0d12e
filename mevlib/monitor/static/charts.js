// The dashboard's charts, each on a canvas: titled axes with values, legends along the top.
// Drawn at the page's current resolution (quality.js lowers it under load): the backing store is
// `resolution` times the canvas's CSS size and the drawing is scaled to match, so the charts
// keep their layout and only lose sharpness.
import { shortKey } from "./ring.js";

export const CHART_SECONDS = 60;
export const COLORS = ["#4e9af1", "#f1a14e", "#6fdc8c", "#d17ef0", "#f16e6e", "#e8d46b", "#6be8e0", "#b0b8c0"];

// 1234 -> "1.2k", 2500000 -> "2.5M": axis values that fit the value band
export function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(a < 10 ? 1 : 0)}`;
}

// the canvas's 2D context at `resolution` (1: one backing pixel per CSS pixel), and its CSS size
function surface(id, resolution) {
  const c = document.getElementById(id);
  if (!c.dataset.w) { c.dataset.w = c.width; c.dataset.h = c.height; c.style.width = `${c.width}px`; c.style.height = `${c.height}px`; }
  const w = +c.dataset.w, h = +c.dataset.h;
  if (c.width !== Math.round(w * resolution)) { c.width = Math.round(w * resolution); c.height = Math.round(h * resolution); }
  const ctx = c.getContext("2d");
  ctx.setTransform(resolution, 0, 0, resolution, 0, 0);
  return [ctx, w, h];
}

// Each chart: a plot area right of a 46 px band for the y axis's title (running up its left
// edge) and values, above a 28 px band for the x axis's values and title. `drawn` keeps every
// chart's axis texts from the last frame (the browser tests read them).
const PLOT_L = 46, PLOT_B = 28;
export const drawn = {};
const layers = {};  // per chart: its axes, drawn once per set of texts

function axes(ctx, id, w, h, { yTitle, yMax, yMin = 0, yFmt = compact, xTitle, xTicks = [] }) {
  const ph = h - PLOT_B, y = [0, 0.5, 1].map((frac) => yFmt(yMin + (yMax - yMin) * frac));
  const x = xTicks.map(([, text]) => text);
  drawn[id] = { yTitle, xTitle, y, x };
  // the axes are drawn once into a layer of their own, and copied while their texts stay the same:
  // text is the dearest thing a canvas draws
  const scale = ctx.getTransform().a, key = [w, h, scale, yTitle, xTitle, ...y, ...xTicks.flat()].join("|");
  let layer = layers[id];
  if (!layer || layer.key !== key) {
    layer = layers[id] = { key, canvas: document.createElement("canvas") };
    layer.canvas.width = Math.round(w * scale); layer.canvas.height = Math.round(h * scale);
    const g = layer.canvas.getContext("2d");
    g.setTransform(scale, 0, 0, scale, 0, 0);
    g.strokeStyle = "#3d4751";
    g.strokeRect(PLOT_L + 0.5, 0.5, w - PLOT_L - 1, ph);
    g.font = "10px system-ui, sans-serif";
    g.fillStyle = "#9aa5b1";
    g.textAlign = "right";
    [0, 0.5, 1].forEach((frac, j) => g.fillText(y[j], PLOT_L - 3, Math.min(ph, Math.max(9, ph * (1 - frac) + 3))));
    for (const [frac, text] of xTicks) {  // [position 0..1 along the plot, label]; the ends kept inside
      g.textAlign = frac === 0 ? "left" : frac === 1 ? "right" : "center";
      g.fillText(text, PLOT_L + frac * (w - PLOT_L - 1), ph + 11);
    }
    g.textAlign = "center";
    g.fillText(xTitle, PLOT_L + (w - PLOT_L) / 2, h - 3);
    g.translate(9, ph / 2);
    g.rotate(-Math.PI / 2);
    g.fillText(yTitle, 0, 0);
  }
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.drawImage(layer.canvas, 0, 0);
  ctx.restore();
  ctx.font = "10px system-ui, sans-serif";
  ctx.textAlign = "left";
  return ph;
}

// the axis top for values up to v: 1, 2 or 5 times a power of ten, so that it moves seldom
function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v)), m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
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

function drawLanding(m, resolution) {
  const [ctx, w, h] = surface("landing", resolution), landing = m.landing;
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
    entries.push([m.nameOf(0, +r), COLORS[r % COLORS.length]]);
  }
  legend(ctx, entries);
}

function drawBars(id, resolution, values, label, max, yTitle, xTitle) {
  const [ctx, w, h] = surface(id, resolution);
  const keys = Object.keys(values);
  const top = max || niceCeil(Math.max(1, ...keys.map((k) => Array.isArray(values[k]) ? values[k][0] + values[k][1] : values[k])));
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

function drawFeed(m, resolution) {
  const [ctx, w, h] = surface("feed", resolution), { depth, lag } = m.feed;
  const tops = [niceCeil(depth.max()), niceCeil(lag.max())];  // each series on its own scale, from 0
  // the value axis reads as the ring's depth; the lag's scale is in the legend
  const len = depth.capacity;
  const ph = axes(ctx, "feed", w, h, { yTitle: "depth (events)", yMax: tops[0], xTitle: `last ${len.toLocaleString()} samples`,
                                       xTicks: [[0, `-${compact(len)}`], [0.5, `-${compact(len / 2)}`], [1, "now"]] });
  [depth, lag].forEach((series, j) => {
    ctx.strokeStyle = COLORS[j];
    plot(ctx, series, (v) => ph * (1 - v / tops[j]), w, resolution);
  });
  legend(ctx, [[`ring depth (max ${compact(tops[0])})`, COLORS[0]], [`lag ms (max ${compact(tops[1])})`, COLORS[1]]]);
}

// A series across the plot, right-aligned to its capacity: at most two points (the bucket's
// minimum and maximum) per backing pixel column, so a lower resolution draws fewer.
function plot(ctx, series, yOf, w, resolution) {
  const n = series.count, cap = series.capacity, x0 = PLOT_L + 1, pw = w - PLOT_L - 2;
  const columns = Math.max(1, Math.floor(pw * resolution)), perColumn = cap / columns;
  const values = series.values, start = series.start;
  ctx.beginPath();
  let started = false;
  for (let c = 0; c < columns; c++) {
    const lo = Math.max(Math.ceil(c * perColumn) - (cap - n), 0), hi = Math.min(Math.ceil((c + 1) * perColumn) - (cap - n), n);
    if (hi <= lo) continue;
    let min = Infinity, max = -Infinity;
    for (let i = lo, j = (start + lo) % cap; i < hi; i++, j = j + 1 === cap ? 0 : j + 1) {
      const v = values[j];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const x = x0 + (c / Math.max(1, columns - 1)) * pw;
    if (started) ctx.lineTo(x, yOf(min)); else { ctx.moveTo(x, yOf(min)); started = true; }
    if (max !== min) ctx.lineTo(x, yOf(max));
  }
  ctx.stroke();
}

// A pool's price (b per a, from the worker's analytics: [time, last, high, low] points) over its
// series, with the floor pivots of the last completed window as dashed levels.
function drawPrice(chart, resolution) {
  const [ctx, w, h] = surface("price", resolution);
  const points = chart ? chart.points : [];
  const levels = chart && chart.pivots ? [["R2", chart.pivots.r2], ["R1", chart.pivots.r1], ["P", chart.pivots.p],
                                          ["S1", chart.pivots.s1], ["S2", chart.pivots.s2]] : [];
  let lo = Infinity, hi = -Infinity;
  for (const [, , high, low] of points) { lo = Math.min(lo, low); hi = Math.max(hi, high); }
  for (const [, v] of levels) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(hi > lo)) { lo = (lo === Infinity ? 0 : lo) * 0.99; hi = (hi === -Infinity ? 1 : hi) * 1.01 || 1; }
  const digits = (v) => (Math.abs(v) >= 1e4 ? compact(v) : v.toPrecision(3));
  const t0 = points.length ? points[0][0] : 0, t1 = points.length ? points[points.length - 1][0] : 1;
  const span = Math.max(1, (t1 - t0) / 1000);
  const ph = axes(ctx, "price", w, h, { yTitle: "price (b per a)", yMin: lo, yMax: hi, yFmt: digits,
                                        xTitle: chart ? `${chart.name}: last ${compact(span)} s` : "no pool yet",
                                        xTicks: [[0, `-${compact(span)} s`], [0.5, `-${compact(span / 2)} s`], [1, "now"]] });
  const x0 = PLOT_L + 1, pw = w - PLOT_L - 2, yOf = (v) => ph * (1 - (v - lo) / (hi - lo));
  ctx.setLineDash([4, 4]);
  levels.forEach(([label, v], j) => {
    ctx.strokeStyle = ctx.fillStyle = j === 2 ? "#d8dee4" : j < 2 ? COLORS[4] : COLORS[2];
    ctx.beginPath(); ctx.moveTo(x0, yOf(v)); ctx.lineTo(x0 + pw, yOf(v)); ctx.stroke();
    ctx.fillText(label, x0 + pw - 18, yOf(v) - 2);
  });
  ctx.setLineDash([]);
  ctx.strokeStyle = COLORS[0];
  ctx.beginPath();
  points.forEach(([t, last], i) => {
    const x = x0 + ((t - t0) / Math.max(1, t1 - t0)) * pw;
    i ? ctx.lineTo(x, yOf(last)) : ctx.moveTo(x, yOf(last));
  });
  ctx.stroke();
  if (chart) legend(ctx, [[`price ${digits(points.length ? points[points.length - 1][1] : 0)}`, COLORS[0]],
                          ...(levels.length ? [["pivots of the last full minute", "#9aa5b1"]] : [])]);
}

// m: the page's model ({landing, tips, phase, feed, nameOf, analytics})
// `dirty`: the charts whose data changed since they were drawn ({landing, tips, phase, feed,
// price}); each drawn is cleared
export function drawCharts(m, resolution, dirty) {
  if (dirty.landing) drawLanding(m, resolution);
  if (dirty.tips) drawBars("tips", resolution, Object.assign({}, m.tips), (k) => m.nameOf(0, +k), 0, "lamports", "route");
  if (dirty.phase) drawBars("phase", resolution, Object.assign({}, m.phase), (k) => shortKey(m.nameOf(1, +k)), 400, "ms into the slot", "leader");
  if (dirty.feed) drawFeed(m, resolution);
  if (dirty.price) drawPrice(m.analytics && m.analytics.chart, resolution);
  for (const key in dirty) dirty[key] = false;
}
