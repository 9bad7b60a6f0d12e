// What the page and the worker share: the rings and how NAME events read. The SharedArrayBuffer
// ring the worker writes events into and the page reads them from:
// an Int32 header [write, read] (counts that wrap, so `(write - read) | 0` is the ring's fill),
// then one column per field, the 8-byte ones first so that each is aligned.
export function ringColumns(sab, capacity) {
  const col = (Type, at) => new Type(sab, at, capacity);
  return {
    header: new Int32Array(sab, 0, 4), capacity,
    columns: { t: col(Float64Array, 16), a: col(Float64Array, 16 + 8 * capacity), b: col(Float64Array, 16 + 16 * capacity),
               slot: col(Uint32Array, 16 + 24 * capacity), id: col(Uint32Array, 16 + 28 * capacity),
               kind: col(Uint8Array, 16 + 32 * capacity), route: col(Uint8Array, 16 + 33 * capacity),
               flag: col(Uint8Array, 16 + 34 * capacity) },
  };
}

export const ringBytes = (capacity) => 16 + 35 * capacity;

// the same columns, unshared: a decoded batch, the page's table
export function eventColumns(n) {
  return { kind: new Uint8Array(n), route: new Uint8Array(n), flag: new Uint8Array(n), slot: new Uint32Array(n),
           t: new Float64Array(n), a: new Float64Array(n), b: new Float64Array(n), id: new Uint32Array(n) };
}

// a leader's or mint's name as a short pubkey: the name carries its first and last 8 base58
// characters, this keeps 4 of each
export function shortKey(name) { return name.length > 9 ? `${name.slice(0, 4)}…${name.slice(-4)}` : name; }

// the text a NAME event carries in its a and b: up to 16 UTF-8 bytes, zero-padded
const nameWords = new Float64Array(2), nameBytes = new Uint8Array(nameWords.buffer), utf8 = new TextDecoder();
export function nameText(a, b) {
  nameWords[0] = a; nameWords[1] = b;
  const end = nameBytes.indexOf(0);
  return utf8.decode(nameBytes.slice(0, end < 0 ? 16 : end));
}

// A series' last `capacity` points (10,000 unless memory was shed), oldest first by index.
export class Series {
  constructor(capacity = 10000) { this.values = new Float64Array(capacity); this.head = 0; this.count = 0; }
  get capacity() { return this.values.length; }
  push(v) {
    this.values[this.head] = v;
    this.head = (this.head + 1) % this.values.length;
    if (this.count < this.values.length) this.count++;
  }
  at(i) { const len = this.values.length; return this.values[(this.head - this.count + i + len) % len]; }
  get start() { return (this.head - this.count + this.values.length) % this.values.length; }  // the oldest's index
  max() {  // order does not matter: the filled part is [0, count) until the ring wraps, then all of it
    let top = 1;
    for (let i = 0, v = this.values; i < this.count; i++) if (v[i] > top) top = v[i];
    return top;
  }
  // memory shedding: the newest half, in an array half the size
  shrink() {
    const keep = new Float64Array(Math.max(16, this.values.length >> 1)), n = Math.min(this.count, keep.length);
    for (let i = 0; i < n; i++) keep[i] = this.at(this.count - n + i);
    this.values = keep; this.count = n; this.head = n % keep.length;
  }
  get bytes() { return this.values.byteLength; }
}
