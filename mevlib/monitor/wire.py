"""The dashboard's WebSocket frames: each event a delta against the previous event of its kind.

    frame   u32 count, u32 sequence, u8 flags (bit 0: key frame), then count records
    record  u8 kind, u8 bitmap of the fields that follow, in this order:
            bit 0 route   u8
            bit 1 flag    u8
            bit 2 slot    varint: zigzag(slot - previous slot), as a wrapping 32-bit difference
            bit 3 t       varint: zigzag(t_us - previous t_us)          t_us = round(t_ms * 1000)
            bit 4 a       varint: zigzag(a_milli - previous a_milli)    a_milli = round(a * 1000)
            bit 5 b       varint: the same for b
            bit 6 id      varint: zigzag(id - previous id), as a wrapping 32-bit difference
            bit 7 raw     a and b follow as little-endian f64 (bits 4 and 5 are then clear)

A field that equals the previous event's of the same kind is left out (its bit clear). A key
frame starts every kind from zero; the server sends one whenever a page joins, and a decoder
starts at one. Times travel to the microsecond and a, b to a thousandth of their unit (lamports,
µs, ms, bytes: finer than anything measured); a value whose thousandths are not below 2^50, or
is not finite, a NAME's text and a POOL's rates (a thousandth of a rate of 0.0099 is 1 %) travel
raw and leave the kind's a, b unchanged. Varints are
LEB128 (7 bits a byte, low first), none above 2^53, so the page's decoder reads them as Numbers.
The page's decoder is static/protoCoalesce.worker.js; `decode` here is the reference.
"""
from __future__ import annotations

import struct

import numpy as np

from mevlib.errors import InvalidArgumentError
from mevlib.monitor.events import EVENT_DTYPE, Kind

HEADER = struct.Struct("<IIB")
KEY_FRAME = 1
ROUTE, FLAG, SLOT, TIME, A, B, ID, RAW = (1 << i for i in range(8))
MILLI_LIMIT = 1 << 50
_KINDS = 256
_VARINT_STEPS = np.array([1 << (7 * k) for k in range(1, 8)], np.uint64)


def milli(x: np.ndarray) -> np.ndarray:
    """round(x * 1000) as the page computes it (floor(x * 1000 + 0.5)); 0 where out of range."""
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.floor(np.asarray(x, np.float64) * 1000.0 + 0.5)
        ok = np.isfinite(scaled) & (np.abs(scaled) < MILLI_LIMIT)
    return np.where(ok, scaled, 0).astype(np.int64), ok


RAW_KINDS = (Kind.NAME, Kind.POOL)  # text, and rates whose worth is in their relative precision


def thousandths(events: np.ndarray):
    """(a in thousandths, b in thousandths, which events carry a and b as f64 instead: a NAME's
    text, a POOL's rates, or a value out of thousandths' range)."""
    (a, a_ok), (b, b_ok) = milli(events["a"]), milli(events["b"])
    return a, b, ~(a_ok & b_ok) | np.isin(events["kind"], RAW_KINDS)


def quantised(events: np.ndarray) -> np.ndarray:
    """The events as a decoder gets them back: times to the microsecond, a and b to the
    thousandth unless they travel raw, the padding zero."""
    out = events.copy()
    out["t_ms"] = np.floor(events["t_ms"] * 1000.0 + 0.5) / 1000
    a, b, raw = thousandths(events)
    out["a"], out["b"] = np.where(raw, events["a"], a / 1000), np.where(raw, events["b"], b / 1000)
    out["_pad"] = out["_pad2"] = 0
    return out


def _zigzag(d: np.ndarray) -> np.ndarray:
    return ((d << 1) ^ (d >> 63)).astype(np.uint64)


def _wrap32(d: np.ndarray) -> np.ndarray:
    """A difference of u32 values as the signed 32-bit step that gets from one to the other."""
    return ((d + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


class DeltaEncoder:
    """Encodes frames, remembering each kind's last event between them (one encoder per stream;
    every page on it gets the same bytes)."""

    FIELDS = ("route", "flag", "slot", "t", "a", "b", "id")

    def __init__(self):
        self.state = {f: np.zeros(_KINDS, np.int64) for f in self.FIELDS}
        self.raw_bytes = self.wire_bytes = self.encoded = 0
        self._key = True

    def key_frame(self) -> None:
        """The next frame starts every kind from zero (a page joined)."""
        self._key = True

    def encode(self, events: np.ndarray, sequence: int) -> bytes:
        if events.dtype != EVENT_DTYPE:
            raise InvalidArgumentError("events must be EVENT_DTYPE records")
        key, self._key = self._key, False
        if key:
            for column in self.state.values():
                column[:] = 0
        n = len(events)
        if not n:
            return HEADER.pack(0, sequence & 0xFFFFFFFF, KEY_FRAME if key else 0)
        kind = events["kind"].astype(np.int64)
        a_m, b_m, raw = thousandths(events)
        # each event's predecessor: the one before it of its kind in this frame, else the state
        order = np.argsort(kind, kind="stable")
        sorted_kind = kind[order]
        first = np.ones(n, bool)
        first[1:] = sorted_kind[1:] != sorted_kind[:-1]
        last = np.ones(n, bool)
        last[:-1] = sorted_kind[:-1] != sorted_kind[1:]
        prev_index = np.empty(n, np.int64)
        prev_index[order] = np.where(first, -1, np.roll(order, 1))
        values = {"route": events["route"].astype(np.int64), "flag": events["flag"].astype(np.int64),
                  "slot": events["slot"].astype(np.int64),
                  "t": np.floor(events["t_ms"] * 1000.0 + 0.5).astype(np.int64),
                  # a raw event leaves its kind's a, b as they were: it carries them on
                  "a": self._carry(a_m, raw, order, first, self.state["a"][kind]),
                  "b": self._carry(b_m, raw, order, first, self.state["b"][kind]),
                  "id": events["id"].astype(np.int64)}
        diffs = {}
        for name, v in values.items():
            prev = np.where(prev_index < 0, self.state[name][kind], v[np.maximum(prev_index, 0)])
            diffs[name] = _wrap32(v - prev) if name in ("slot", "id") else v - prev
            self.state[name][sorted_kind[last]] = v[order[last]]

        bitmap = np.where(raw, RAW, 0)
        parts = []  # (per-event byte count, n x width bytes to place), in the record's order
        for bit, name in zip((ROUTE, FLAG, SLOT, TIME, A, B, ID), self.FIELDS):
            present = (diffs[name] != 0) & (~raw if name in ("a", "b") else True)
            bitmap |= np.where(present, bit, 0)
            if name in ("route", "flag"):
                width, cells = np.ones(n, np.int64), values[name].astype(np.uint8)[:, None]
            else:
                width, cells = self._varints(_zigzag(diffs[name]))
            parts.append((np.where(present, width, 0), cells))
            if name == "b":
                parts.append((np.where(raw, 16, 0), np.concatenate(
                    [events["a"].astype("<f8").view(np.uint8).reshape(n, 8),
                     events["b"].astype("<f8").view(np.uint8).reshape(n, 8)], axis=1)))
        # every record as a row of every byte it could have, and which of them it has: the rows'
        # bytes in order, compacted, are the frame's body
        cells = np.concatenate([kind.astype(np.uint8)[:, None], bitmap.astype(np.uint8)[:, None],
                                *(c for _, c in parts)], axis=1)
        has = np.concatenate([np.ones((n, 2), bool),
                              *(np.arange(c.shape[1])[None, :] < w[:, None] for w, c in parts)], axis=1)
        out = HEADER.pack(n, sequence & 0xFFFFFFFF, KEY_FRAME if key else 0) + cells[has].tobytes()
        self.encoded += n
        self.raw_bytes += 8 + n * EVENT_DTYPE.itemsize
        self.wire_bytes += len(out)
        return out

    @staticmethod
    def _carry(v, raw, order, first, start):
        """v with each raw event's value replaced by its kind's last non-raw value before it
        (`start`: each event's kind's value from earlier frames)."""
        n = len(v)
        sv, sraw = v[order], raw[order]
        group = np.cumsum(first) - 1
        # index of the last non-raw event at or before each position, within its kind's run
        idx = np.where(sraw, -1, np.arange(n))
        idx = np.maximum.accumulate(idx)
        run_start = np.flatnonzero(first)[group]
        inside = idx >= run_start
        carried_sorted = np.where(inside, sv[np.maximum(idx, 0)], start[order])
        out = np.empty(n, np.int64)
        out[order] = carried_sorted
        return out

    @staticmethod
    def _varints(zz: np.ndarray):
        """LEB128: per value its byte count and an n x 8 array of its bytes."""
        width = 1 + (zz[:, None] >= _VARINT_STEPS[None, :]).sum(axis=1).astype(np.int64)
        shifts = np.arange(8, dtype=np.uint64) * np.uint64(7)
        cells = ((zz[:, None] >> shifts[None, :]) & np.uint64(0x7F)).astype(np.uint8)
        cells |= np.where(np.arange(8)[None, :] < (width - 1)[:, None], 0x80, 0).astype(np.uint8)
        return width, cells


class DeltaDecoder:
    """The reference decoder (the page's worker does the same in JavaScript)."""

    def __init__(self):
        self.state = {}
        self.started = False

    def decode(self, frame: bytes) -> tuple[int, np.ndarray]:
        """(sequence, events). Frames before the first key frame decode to nothing."""
        if len(frame) < HEADER.size:
            raise InvalidArgumentError("frame shorter than its header")
        n, seq, flags = HEADER.unpack_from(frame)
        if flags & KEY_FRAME:
            self.state, self.started = {}, True
        if not self.started:
            return seq, np.zeros(0, EVENT_DTYPE)
        if 2 * n > len(frame) - HEADER.size:  # every record takes two bytes at least
            raise InvalidArgumentError(f"a frame of {len(frame)} bytes cannot hold {n} events")
        out = np.zeros(n, EVENT_DTYPE)
        pos = HEADER.size

        def take(size):  # the next `size` bytes' offset, if the frame has them
            nonlocal pos
            if pos + size > len(frame):
                raise InvalidArgumentError("frame ends inside a record")
            pos += size
            return pos - size

        def varint():
            nonlocal pos
            value = shift = 0
            while True:
                if pos >= len(frame) or shift > 56:
                    raise InvalidArgumentError("truncated or overlong varint")
                byte = frame[pos]
                pos += 1
                value |= (byte & 0x7F) << shift
                shift += 7
                if byte < 0x80:
                    return (value >> 1) ^ -(value & 1)

        for i in range(n):
            at = take(2)
            kind, bits = frame[at], frame[at + 1]
            s = self.state.setdefault(kind, dict.fromkeys(DeltaEncoder.FIELDS, 0))
            for bit, name in ((ROUTE, "route"), (FLAG, "flag")):
                if bits & bit:
                    s[name] = frame[take(1)]
            if bits & SLOT:
                s["slot"] = (s["slot"] + varint()) & 0xFFFFFFFF
            if bits & TIME:
                s["t"] += varint()
            for bit, name in ((A, "a"), (B, "b")):
                if bits & bit:
                    s[name] += varint()
            a, b = s["a"] / 1000, s["b"] / 1000
            if bits & RAW:
                a, b = struct.unpack_from("<dd", frame, take(16))
            if bits & ID:
                s["id"] = (s["id"] + varint()) & 0xFFFFFFFF
            out[i] = (kind, s["route"], s["flag"], 0, s["slot"], s["t"] / 1000, a, b, s["id"], 0)
        if pos != len(frame):
            raise InvalidArgumentError("bytes after the frame's last record")
        return seq, out
