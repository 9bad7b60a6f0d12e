// The event table: the page's last 100,000 events, newest first, virtual (only the rows in view
// exist). A row expands to its details on a click, so rows have different heights: each
// expanded row's extra height is cached (estimated until drawn, then measured) in a Fenwick tree
// over the ring's slots, which gives any row's offset and the row at any offset in O(log² n).
// Scroll anchoring: away from the top, the row at the top of the view stays where it is while
// new rows arrive above it and rows above it grow or shrink; at the top, the newest rows show.

export const ROW_PX = 20;
const LINE_PX = 16;

class Fenwick {
  constructor(n) { this.n = n; this.tree = new Float64Array(n + 1); }
  add(i, delta) { for (i++; i <= this.n; i += i & -i) this.tree[i] += delta; }
  prefix(i) { let s = 0; for (; i > 0; i -= i & -i) s += this.tree[i]; return s; }  // slots [0, i)
  range(lo, hi) {  // slots lo..hi inclusive, wrapping past the end
    if (lo <= hi) return this.prefix(hi + 1) - this.prefix(lo);
    return this.prefix(this.n) - this.prefix(lo) + this.prefix(hi + 1);
  }
}

export class EventTable {
  // store: the page's ring ({capacity, total, count, columns}); describe(slot) -> [route, value,
  // detail, class]; details(slot) -> lines shown when the row is expanded
  constructor(viewport, store, { describe, details, cells }) {
    this.viewport = viewport;
    this.store = store;
    this.describe = describe;
    this.details = details;
    this.cells = cells;  // (slot) -> [time, kind] the first two columns
    const n = store.capacity;
    this.extra = new Float64Array(n);      // the height cache: px beyond ROW_PX, per slot
    this.measured = new Uint16Array(n);    // the detail lines the cached height was measured at, + 1
    this.expanded = new Uint8Array(n);
    this.heights = new Fenwick(n);
    this.extraTotal = 0;
    this.anchor = null;                    // {seq, offset}: the row at the view's top and how far into it
    this.pool = [];
    this.spacer = viewport.querySelector(".spacer");
    this.rowsEl = viewport.querySelector(".rows");
    this.dirty = true;
    this.rendered = -1;                    // the newest row's sequence number when last drawn
    // a scroll (the user's, or ours restoring the anchor) moves the anchor: to the row at the
    // view's top as last drawn, since rows that arrived since are not on the page yet
    viewport.addEventListener("scroll", () => {
      const y = this.viewport.scrollTop;
      this.anchor = y > 0 ? this.anchorAt(y, this.rendered) : null;
      this.dirty = true;
    }, { passive: true });
    this.rowsEl.addEventListener("click", (e) => {
      const row = e.target.closest(".row");
      if (row && row.dataset.seq) this.toggle(+row.dataset.seq);
    });
  }

  // --- positions -------------------------------------------------------------------------------
  newest() { return this.store.total - 1; }
  slotOf(seq) { return seq % this.store.capacity; }
  // px above the row at position p (0 = the newest row, `newest`): p collapsed rows plus the
  // extras among them
  top(p, newest = this.newest()) {
    if (p <= 0) return 0;
    return p * ROW_PX + this.heights.range(this.slotOf(newest - p + 1), this.slotOf(newest));
  }
  height(p) { return ROW_PX + this.extra[this.slotOf(this.newest() - p)]; }
  totalHeight() { return this.store.count * ROW_PX + this.extraTotal; }
  positionAt(y, newest = this.newest()) {  // the row whose band holds y
    let lo = 0, hi = Math.min(this.store.count, newest + 1) - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.top(mid, newest) <= y) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  anchorAt(y, newest) {
    if (!this.store.count || newest < 0) return null;
    const p = this.positionAt(y, newest);
    return { seq: newest - p, offset: y - this.top(p, newest) };
  }

  // --- heights -----------------------------------------------------------------------------------
  setExtra(slot, px) {
    const d = px - this.extra[slot];
    if (!d) return;
    this.extra[slot] = px;
    this.heights.add(slot, d);
    this.extraTotal += d;
    this.dirty = true;
  }
  // the page calls this before a slot is overwritten: the departing row's height goes with it
  forget(slot) {
    if (this.extra[slot]) this.setExtra(slot, 0);
    this.expanded[slot] = 0;
    this.measured[slot] = 0;
  }
  toggle(seq) {
    if (seq > this.newest() || seq <= this.newest() - this.store.count) return;
    const slot = this.slotOf(seq);
    this.expanded[slot] ^= 1;
    this.measured[slot] = 0;
    // estimated from its line count until the page has drawn it
    this.setExtra(slot, this.expanded[slot] ? this.details(slot).length * LINE_PX + 6 : 0);
  }
  expandPosition(p) { this.toggle(this.newest() - p); }

  // --- drawing -----------------------------------------------------------------------------------
  render() {
    this.dirty = false;
    const vp = this.viewport, count = this.store.count;
    this.spacer.style.height = `${this.totalHeight()}px`;
    if (this.anchor) {  // keep the anchored row where it was, whatever changed above it
      const p = this.newest() - this.anchor.seq;
      if (p >= count) {
        this.anchor = null;
      } else {
        const want = this.top(p) + this.anchor.offset;
        if (Math.abs(vp.scrollTop - want) >= 1) vp.scrollTop = want;
      }
    }
    // read the geometry once: a read after the rows' writes would force a layout per row
    const y = vp.scrollTop, bottom = y + vp.clientHeight, first = count ? this.positionAt(y) : 0;
    const firstTop = this.top(first);
    this.rowsEl.style.transform = `translateY(${firstTop}px)`;
    let r = 0, covered = firstTop;
    for (let p = first; p < count && covered < bottom; p++, r++) {
      const row = this.row(r), seq = this.newest() - p, slot = this.slotOf(seq);
      this.fill(row, slot, seq);
      covered += this.height(p);
    }
    for (let k = r; k < this.pool.length; k++) this.pool[k].style.display = "none";
    // measure the expanded rows just drawn: estimates become the height cache's entries
    for (let k = 0; k < r; k++) {
      const row = this.pool[k], slot = this.slotOf(+row.dataset.seq), lines = +row.dataset.lines + 1;
      if (this.expanded[slot] && this.measured[slot] !== lines) {  // new, or its details grew
        this.measured[slot] = lines;
        this.setExtra(slot, row.offsetHeight - ROW_PX);
      }
    }
    this.visible = r;
    this.rendered = this.newest();
  }

  row(r) {
    while (this.pool.length <= r) {
      const row = document.createElement("div");
      const line = document.createElement("div");
      line.className = "line";
      for (let c = 0; c < 6; c++) line.appendChild(document.createElement("span"));
      const more = document.createElement("div");
      more.className = "details";
      row.append(line, more);
      this.rowsEl.appendChild(row);
      this.pool.push(row);
    }
    return this.pool[r];
  }

  fill(row, slot, seq) {
    row.style.display = "";
    row.dataset.seq = seq;
    const [time, kind] = this.cells(slot);
    const [route, value, detail, cls] = this.describe(slot);
    const cells = row.firstChild.children;
    cells[0].textContent = time;
    cells[1].textContent = kind;
    cells[2].textContent = route;
    cells[3].textContent = this.store.columns.slot[slot] || "";
    cells[4].textContent = value;
    cells[5].textContent = detail;
    const open = this.expanded[slot] === 1;
    row.className = `row${cls ? " " + cls : ""}${open ? " open" : ""}`;
    const more = row.lastChild;
    if (open) {
      const lines = this.details(slot);
      const text = lines.join("\n");
      if (more.textContent !== text) more.textContent = text;
      row.dataset.lines = lines.length;
      more.style.display = "";
    } else if (more.style.display !== "none") {
      more.style.display = "none";
    }
  }

  // memory shedding: the store now has a smaller capacity and its newest rows; the per-slot
  // arrays follow them to their new slots
  resize(oldCapacity) {
    const n = this.store.capacity, extra = new Float64Array(n), measured = new Uint16Array(n), expanded = new Uint8Array(n);
    this.heights = new Fenwick(n);
    this.extraTotal = 0;
    for (let seq = this.store.total - this.store.count; seq < this.store.total; seq++) {
      const from = seq % oldCapacity, to = seq % n;
      extra[to] = this.extra[from]; measured[to] = this.measured[from]; expanded[to] = this.expanded[from];
      if (extra[to]) { this.heights.add(to, extra[to]); this.extraTotal += extra[to]; }
    }
    this.extra = extra; this.measured = measured; this.expanded = expanded;
    this.dirty = true;
  }
  bytes() { return this.extra.byteLength + this.measured.byteLength + this.expanded.byteLength + this.heights.tree.byteLength; }

  // the row at the top of the view, for the tests: its sequence number and its offset in the view
  firstVisible() {
    const y = this.viewport.scrollTop, p = this.positionAt(y);
    return { seq: this.newest() - p, position: p, offset: this.top(p) - y };
  }
}
