// What the page shows beyond the raw events, computed in the worker, off the page's thread:
//  - each opportunity's profit: its value (ATTEMPT) less the tip and fee its outcome paid;
//  - the pools in the stream (POOL events: marginal rates both ways, after fees) in an LRU cache
//    whose entries expire when a pool stops moving, each with its price series (10,000 points)
//    and classic floor pivot points over the last completed window;
//  - arbitrage across those pools, recomputed from their rates: two-pool spreads and triangular
//    cycles, by how much a unit grows going round;
//  - the cycles the bot's own finder found (CYCLE events).
import { Series, shortKey } from "./ring.js";

export const KIND = { OUTCOME: 2, ATTEMPT: 8, POOL: 9, CYCLE: 10 };

// An LRU cache with a time to live: get() refreshes an entry's recency, an entry not set for
// `ttlMs` is gone, and past `capacity` entries the least recently used goes.
export class LruTtl {
  constructor(capacity, ttlMs) { this.capacity = capacity; this.ttlMs = ttlMs; this.map = new Map(); this.evicted = 0; this.expired = 0; }
  get(key, now) {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (now - e.at > this.ttlMs) { this.expired++; return undefined; }
    this.map.set(key, e);  // the most recent is last in a Map's order
    return e.value;
  }
  set(key, value, now) {
    this.map.delete(key);
    this.map.set(key, { value, at: now });
    this.trim();
  }
  trim() { while (this.map.size > this.capacity) { this.map.delete(this.map.keys().next().value); this.evicted++; } }
  delete(key) { this.map.delete(key); }
  sweep(now) {  // drop what expired, oldest first
    for (const [key, e] of this.map) if (now - e.at > this.ttlMs) { this.map.delete(key); this.expired++; }
  }
  values() { return [...this.map.values()].map((e) => e.value); }
  get size() { return this.map.size; }
}

// A price series: (time, price) rings of `capacity` points.
class PriceSeries {
  constructor(capacity) { this.t = new Series(capacity); this.p = new Series(capacity); }
  get count() { return this.p.count; }
  push(t, p) { this.t.push(t); this.p.push(p); }
  shrink() { this.t.shrink(); this.p.shrink(); }
  // at most `points` points for a chart: each bucket's last price, its high and its low
  downsample(points) {
    const out = [], per = Math.max(1, Math.ceil(this.count / points));
    for (let i = 0; i < this.count; i += per) {
      let hi = -Infinity, lo = Infinity, last = 0, t = 0;
      for (let k = i; k < Math.min(this.count, i + per); k++) {
        last = this.p.at(k); t = this.t.at(k);
        hi = Math.max(hi, last); lo = Math.min(lo, last);
      }
      out.push([t, last, hi, lo]);
    }
    return out;
  }
}

// Classic floor pivots from a window's high, low and close: the pivot P, resistances R1, R2 and
// supports S1, S2.
export function pivots(high, low, close) {
  const p = (high + low + close) / 3;
  return { p, r1: 2 * p - low, s1: 2 * p - high, r2: p + (high - low), s2: p - (high - low) };
}

// The `top` best of many offers by bps, keeping only what can still make the cut: an offer's
// object is made only when it beats the current cut.
class Best {
  constructor(top) { this.top = top; this.items = []; this.cut = -Infinity; }
  offer(bps, make) {
    if (bps <= this.cut) return;
    this.items.push({ bps, ...make() });
    if (this.items.length >= 4 * this.top) this.trim();
  }
  trim() {
    this.items.sort((x, y) => y.bps - x.bps).length = Math.min(this.items.length, this.top);
    if (this.items.length === this.top) this.cut = this.items[this.top - 1].bps;
  }
  list() { this.trim(); return this.items; }
}

export class Analytics {
  constructor({ seriesPoints = 10000, pools = 64, poolTtlMs = 120000, windowMs = 60000, attempts = 4096 } = {}) {
    this.seriesPoints = seriesPoints;
    this.windowMs = windowMs;
    this.pools = new LruTtl(pools, poolTtlMs);        // pool index -> its state and series
    this.pending = new LruTtl(attempts, 600000);       // attempt id -> value, until its outcome
    this.names = { pool: [], mint: [] };
    this.profits = [];                                  // the last decided opportunities
    this.totals = { opportunities: 0, landed: 0, value: 0, tips: 0, fees: 0, profit: 0, unmatched: 0 };
    this.finderCycles = [];                             // the last cycles the bot's finder found
    this.finderCount = 0;
    this.now = 0;
  }

  name(space, index, text) { (space === 2 ? this.names.pool : this.names.mint)[index] = text; }
  poolName(i) { return this.names.pool[i] || `pool ${i}`; }
  mintName(i) { return shortKey(this.names.mint[i] || `mint ${i}`); }

  observe(c, n) {
    for (let i = 0; i < n; i++) {
      const kind = c.kind[i], t = c.t[i];
      if (t > this.now) this.now = t;
      if (kind === KIND.ATTEMPT) {
        this.pending.set(c.id[i], c.a[i], t);
      } else if (kind === KIND.OUTCOME) {
        this.decide(c.id[i], c.flag[i], c.a[i], c.b[i], t);
      } else if (kind === KIND.POOL) {
        this.pool(c.route[i], c.id[i] & 0xffff, c.id[i] >>> 16, c.a[i], c.b[i], c.slot[i], t);
      } else if (kind === KIND.CYCLE) {
        this.finderCount++;
        const pools = [];
        for (let h = 0; h < c.route[i]; h++) pools.push((c.id[i] >>> (8 * h)) & 0xff);
        this.finderCycles.push({ t, slot: c.slot[i], hops: c.route[i], start: c.flag[i], pools, profit: c.a[i], input: c.b[i] });
        if (this.finderCycles.length > 20) this.finderCycles.shift();
      }
    }
  }

  decide(id, landed, tip, fee, t) {
    const value = this.pending.get(id, t);
    if (value === undefined) { this.totals.unmatched++; return; }  // sent before the page joined
    this.pending.delete(id);
    // landed: worth its value, less what it paid; missed: what it paid (fees of failed commits)
    const profit = (landed ? value : 0) - tip - fee;
    const s = this.totals;
    s.opportunities++; s.landed += landed ? 1 : 0; s.value += landed ? value : 0; s.tips += tip; s.fees += fee; s.profit += profit;
    this.profits.push({ id, t, landed: !!landed, value, tip, fee, profit });
    if (this.profits.length > 50) this.profits.shift();
  }

  pool(index, mintA, mintB, ab, ba, slot, t) {
    let p = this.pools.get(index, t);
    if (!p) p = { index, series: new PriceSeries(this.seriesPoints), window: null, last: null, updates: 0 };
    Object.assign(p, { mintA, mintB, ab, ba, slot, t });
    p.updates++;
    // b per a, between what selling a gets and what buying it costs (both after fees)
    const price = ab > 0 && ba > 0 ? Math.sqrt(ab / ba) : 0;
    if (price > 0) {
      p.series.push(t, price);
      const w = Math.floor(t / this.windowMs);
      if (!p.window || p.window.id !== w) {
        if (p.window) p.last = { ...pivots(p.window.high, p.window.low, p.window.close), window: p.window.id };
        p.window = { id: w, high: price, low: price, close: price };
      } else {
        p.window.high = Math.max(p.window.high, price); p.window.low = Math.min(p.window.low, price); p.window.close = price;
      }
      p.price = price;
    }
    this.pools.set(index, p, t);
  }

  // Arbitrage over the cached pools' rates: for each two pools of one pair, and each three pools
  // that close a triangle of mints, the product of the rates going round (either way), as basis
  // points over 1. The best `top` of each.
  cycles(top = 5) {
    const pools = this.pools.values().filter((p) => p.ab > 0 && p.ba > 0);
    // directed edges: from mint, to mint, rate, the pool
    const edges = [];
    for (const p of pools) { edges.push([p.mintA, p.mintB, p.ab, p]); edges.push([p.mintB, p.mintA, p.ba, p]); }
    const from = new Map();  // mint -> the edges leaving it
    for (const e of edges) (from.get(e[0]) || from.set(e[0], []).get(e[0])).push(e);
    const spreads = new Best(top), triangles = new Best(top);
    for (const [u, v, r1, p] of edges) {
      for (const [, w, r2, q] of from.get(v) || []) {
        if (q === p) continue;
        if (w === u) {  // each spread once: from its lower pool
          if (p.index < q.index) spreads.offer((r1 * r2 - 1) * 1e4, () => ({ pools: [p.index, q.index], mints: [u, v] }));
          continue;
        }
        if (q.index < p.index) continue;  // each triangle once: from its lowest pool
        for (const [, u2, r3, s] of from.get(w) || []) {
          if (u2 !== u || s === p || s === q || s.index < p.index) continue;
          triangles.offer((r1 * r2 * r3 - 1) * 1e4, () => ({ pools: [p.index, q.index, s.index], mints: [u, v, w] }));
        }
      }
    }
    const best = (found) => found.list().map((c) => (
      { ...c, names: c.pools.map((i) => this.poolName(i)), path: [...c.mints, c.mints[0]].map((m) => this.mintName(m)).join(" → ") }));
    return { spreads: best(spreads), triangles: best(triangles), pools: pools.length };
  }

  // memory shedding: every series keeps its newest half, the cache half its entries
  shed() {
    for (const p of this.pools.values()) p.series.shrink();
    this.pools.capacity = Math.max(4, this.pools.capacity >> 1);
    this.pools.trim();
    this.seriesPoints = Math.max(16, this.seriesPoints >> 1);
  }

  // what the page draws: `selected` is the pool whose price it charts (default: the busiest)
  report(selected, points = 600) {
    this.pools.sweep(this.now);
    const pools = this.pools.values();
    const chart = pools.find((p) => p.index === selected) || pools.reduce((a, b) => (b.updates > (a?.updates || 0) ? b : a), null);
    return {
      totals: { ...this.totals }, profits: this.profits.slice(-10),
      finder: { count: this.finderCount,
                last: this.finderCycles.slice(-5).map((c) => ({ ...c, names: c.pools.map((i) => this.poolName(i)), mint: this.mintName(c.start) })) },
      cycles: this.cycles(),
      pools: pools.map((p) => ({ index: p.index, name: this.poolName(p.index), pair: `${this.mintName(p.mintA)}/${this.mintName(p.mintB)}`,
                                 price: p.price, ab: p.ab, ba: p.ba, slot: p.slot, updates: p.updates, points: p.series.count, pivots: p.last })),
      cache: { size: this.pools.size, capacity: this.pools.capacity, evicted: this.pools.evicted, expired: this.pools.expired },
      chart: chart && { index: chart.index, name: this.poolName(chart.index), points: chart.series.downsample(points),
                        pivots: chart.last, window: chart.window },
    };
  }
}
