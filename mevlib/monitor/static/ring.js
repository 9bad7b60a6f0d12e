// The SharedArrayBuffer ring the worker writes events into and the page reads them from:
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
