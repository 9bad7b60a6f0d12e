// Keeping the page responsive and within its memory, decided once a second from what the frame
// loop measured.
//
// Quality: when FPS is below the threshold in two of the last three seconds, the page steps down
// a level (charts at a lower resolution and redrawn less often, then the table too); when the
// event rate has fallen to half of what it was when it stepped down, and FPS is above the
// threshold, for three seconds in a row, it steps back up. A dip that was not load (a GC, another
// tab) is undone by a probe: after 10 s well above the threshold it steps up, and if that does not
// hold, the next probe waits twice as long.
//
// Memory: the page's use is its JS heap (performance.memory, where the browser has it) plus the
// typed arrays it keeps, or what measureUserAgentSpecificMemory last reported (cross-origin
// isolated pages) when that is more. Above the budget the page sheds history: the table and the
// series keep their newest half, in arrays half the size, so the old ones can be collected.

export const LEVELS = [
  { name: "full", resolution: 1, chartEvery: 1, tableEvery: 1 },
  { name: "reduced", resolution: 0.5, chartEvery: 4, tableEvery: 2 },
  { name: "low", resolution: 0.35, chartEvery: 20, tableEvery: 10 },
  { name: "minimal", resolution: 0.25, chartEvery: 60, tableEvery: 30 },
];

export class Quality {
  constructor({ threshold = 50, below = 2, calm = 3, warmup = 3, probe = 10 } = {}) {
    this.threshold = threshold;
    this.needBelow = below;
    this.needCalm = calm;
    this.warmup = warmup;   // seconds not judged: loading, compiling, the first backlog
    this.level = 0;
    this.recent = [];       // the last three seconds' FPS since the last step
    this.calm = 0;          // seconds in a row the load has stayed below half of what it was
    this.smooth = 0;        // seconds in a row with FPS well above the threshold
    this.probeAfter = probe;
    this.probedAt = -Infinity;
    this.loadAtDrop = [];   // events/s when each level was entered
    this.changes = [];      // every step: what the tests and the overlay read
  }

  get current() { return LEVELS[this.level]; }

  step(now, by, why, fps, eventsPerSecond) {
    this.level += by;
    this.changes.push({ at: now, level: this.level, why, fps: [...this.recent], events: eventsPerSecond });
    this.recent = [];
    this.calm = this.smooth = 0;
    if (by > 0) this.loadAtDrop[this.level] = eventsPerSecond;
  }

  // once a second: the last second's FPS and event rate
  tick(now, fps, eventsPerSecond) {
    if (this.warmup > 0) { this.warmup--; return; }
    this.recent = [...this.recent.slice(-2), fps];
    if (this.recent.filter((f) => f < this.threshold).length >= this.needBelow && this.level < LEVELS.length - 1) {
      // a step up that did not hold: wait twice as long before the next try
      if (now - this.probedAt < 5000) this.probeAfter = Math.min(this.probeAfter * 2, 160);
      this.step(now, +1, "fps", fps, eventsPerSecond);
      return;
    }
    if (!this.level) return;
    // back up when the load has halved, or (a dip that passed) after a while well above the threshold
    this.calm = fps >= this.threshold && eventsPerSecond <= this.loadAtDrop[this.level] / 2 ? this.calm + 1 : 0;
    this.smooth = fps >= this.threshold + 8 ? this.smooth + 1 : 0;
    if (this.calm >= this.needCalm) {
      this.step(now, -1, "load fell", fps, eventsPerSecond);
    } else if (this.smooth >= this.probeAfter) {
      this.probedAt = now;
      this.step(now, -1, "probe", fps, eventsPerSecond);
    }
  }

  describe() {
    const q = this.current;
    if (!this.level) return "quality full";
    return `quality ${q.name}: FPS fell below ${this.threshold}, so charts at ${Math.round(q.resolution * 100)}% ` +
           `resolution every ${q.chartEvery} frames${q.tableEvery > 1 ? `, table every ${q.tableEvery}` : ""}; ` +
           `restored when events/s fall below ${Math.round(this.loadAtDrop[this.level] / 2).toLocaleString()}`;
  }
}

export class Memory {
  // budget: bytes; shed(): drops the older half of every history, returns the bytes it let go
  constructor(budget, { ownBytes, shed, cooldownMs = 3000 }) {
    this.budget = budget;
    this.ownBytes = ownBytes;
    this.shedHistory = shed;
    this.cooldownMs = cooldownMs;
    this.used = 0;
    this.source = "";
    this.sheds = [];        // the last twenty: [time ms, bytes used, bytes let go]
    this.shedCount = 0;
    this.measured = null;   // the last measureUserAgentSpecificMemory result, bytes
    this.lastShed = -Infinity;
    if (self.crossOriginIsolated && performance.measureUserAgentSpecificMemory) this.measureEvery(20000);
  }

  measureEvery(ms) {
    const measure = () => performance.measureUserAgentSpecificMemory()
      .then((r) => { this.measured = r.bytes; })
      .catch(() => {})
      .finally(() => setTimeout(measure, ms));
    measure();
  }

  tick(now) {
    const heap = performance.memory ? performance.memory.usedJSHeapSize : 0;
    const own = this.ownBytes();
    this.used = Math.max(heap + own, this.measured || 0);
    this.source = this.measured && this.measured > heap + own ? "measureUserAgentSpecificMemory"
      : performance.memory ? "performance.memory + arrays" : "arrays";
    if (this.used > this.budget && now - this.lastShed >= this.cooldownMs) {
      this.lastShed = now;
      this.sheds.push([now, this.used, this.shedHistory()]);
      if (++this.shedCount > 20) this.sheds.shift();
    }
  }

  describe() {
    const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
    const last = this.sheds[this.sheds.length - 1];
    return `memory ${mb(this.used)} of ${mb(this.budget)} (${this.source})` +
           (last ? `\nshed history ${this.shedCount}x, last let go ${mb(last[2])}` : "");
  }
}
