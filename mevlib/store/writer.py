"""Batched background inserts. ``write(table, **row)`` checks the row and pushes it as one record
into that table's RecordRing; nothing on the caller's side waits on the database. A thread drains
the rings and inserts a batch per table when it reaches `batch_rows` or `flush_seconds` passes.

Every batch carries an id used as ClickHouse's insert_deduplication_token: a batch inserted twice
(its acknowledgement lost, then replayed) is stored once. When an insert fails for any reason,
the batch is spilled to `spill_dir` (atomically: temp + rename) and replayed, oldest first,
before any newer batch goes in, so the order of batches is kept. A batch the backend refuses
for its data (StoreRejectedError, or an unknown error while the backend
answers a ping) is split in halves, in place, until the refused rows are alone; each of those
moves to `spill_dir/quarantine/` with its error beside it (move it back to retry it), and every
other row, and every batch behind it, goes in. ``close()`` drains and flushes everything; what the backend still refuses then stays spilled for
the next Writer on that directory."""
from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
import uuid

import numpy as np

from mevlib.errors import (
    InvalidArgumentError,
    InvalidRowError,
    StoreRejectedError,
    StoreUnavailableError,
    WouldBlockError,
)
from mevlib.ring import RecordRing
from mevlib.store import schema

log = logging.getLogger("mevlib.store")


@dataclasses.dataclass
class WriterStats:
    rows_written: int = 0    # acknowledged by the backend (first try or replay)
    batches_written: int = 0
    batches_spilled: int = 0
    batches_replayed: int = 0
    spilled_pending: int = 0  # batches waiting on disk now
    batches_quarantined: int = 0  # refused for their data by a backend that was up
    failures: int = 0
    last_error: str = ""


class Writer:
    def __init__(self, backend, spill_dir: str, *, batch_rows: int = 50_000, flush_seconds: float = 1.0,
                 ring_rows: int = 1 << 16, tables=None):
        if batch_rows < 1 or flush_seconds <= 0:
            raise InvalidArgumentError("batch_rows >= 1 and flush_seconds > 0")
        self.backend = backend
        self.spill_dir = spill_dir
        os.makedirs(spill_dir, exist_ok=True)
        self.batch_rows, self.flush_seconds = batch_rows, flush_seconds
        self.tables = {name: schema.TABLES[name] for name in (tables or schema.TABLES)}
        # pool_deltas records are 4 KiB: their ring is kept smaller
        self._rings = {name: RecordRing(t.dtype, ring_rows if t.dtype.itemsize < 1024 else min(ring_rows, 4096))
                       for name, t in self.tables.items()}
        self._push_lock = threading.Lock()  # many threads may write; each ring has one producer
        self._pending: dict[str, list[np.ndarray]] = {name: [] for name in self.tables}
        self._seq = self._next_spill_seq()
        self.stats = WriterStats(spilled_pending=len(self._spilled()))
        self._stop = threading.Event()
        self._flush_now = threading.Event()
        self._flushes = 0  # flush cycles completed, for flush() to wait on
        self._thread = threading.Thread(target=self._run, name="mevlib-store-writer", daemon=True)
        self._thread.start()

    # --- the caller's side ------------------------------------------------------------------
    def write(self, table: str, *, block: float = 0.1, **row) -> None:
        """Queues one row. InvalidRowError names a bad field; WouldBlockError if the ring stays
        full for `block` seconds (the database has fallen that far behind)."""
        spec = self.tables.get(table)
        if spec is None:
            raise InvalidRowError(f"no table {table!r}; tables: {', '.join(self.tables)}")
        self.write_array(table, spec.record(row), block=block)

    def write_array(self, table: str, records: np.ndarray, *, block: float = 0.1) -> None:
        """Queues rows already in the table's record dtype (``TABLES[table].dtype``), unchecked."""
        ring = self._rings[table]
        with self._push_lock:
            if self._stop.is_set():  # checked under the lock: close() takes it before stopping
                raise StoreUnavailableError("writer is closed")
            done = 0
            deadline = time.monotonic() + block
            while done < len(records):
                done += ring.push_array(records[done:], timeout=max(0.0, deadline - time.monotonic()))
                if done < len(records) and time.monotonic() >= deadline:
                    raise WouldBlockError(f"store writer for {table} is {len(ring)} rows behind; "
                                          f"{done} of {len(records)} rows queued")

    def flush(self, timeout: float = 30.0) -> None:
        """Returns once everything written before the call has been inserted or spilled."""
        want = self._flushes + 2  # the cycle under way may have drained before our rows came
        deadline = time.monotonic() + timeout
        while self._flushes < want and time.monotonic() < deadline and self._thread.is_alive():
            self._flush_now.set()
            time.sleep(0.005)

    def close(self) -> None:
        """Drains every ring, inserts (or spills) the rest, and stops the thread."""
        if not self._stop.is_set():
            with self._push_lock:  # no write is half done: every queued row is drained below
                self._stop.set()
            self._thread.join()
            for ring in self._rings.values():
                ring.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the writer thread --------------------------------------------------------------------
    def _run(self):
        last = time.monotonic()
        while True:
            stopping = self._stop.is_set()
            rows, new = self._drain()
            now = time.monotonic()
            if stopping or self._flush_now.is_set() or rows >= self.batch_rows or now - last >= self.flush_seconds:
                self._flush_now.clear()
                try:
                    self._flush_all()
                except Exception as e:  # the spill disk is full: rows stay queued, retried next time
                    log.exception("store writer could neither insert nor spill")
                    self.stats.failures += 1
                    self.stats.last_error = str(e)
                    if stopping:
                        log.critical("store writer stopped with %d rows it could not spill to %s",
                                     sum(len(a) for parts in self._pending.values() for a in parts),
                                     self.spill_dir)
                        return
                last = now
                self._flushes += 1
                if stopping:
                    return
            elif new == 0:
                time.sleep(min(0.01, self.flush_seconds / 10))

    def _drain(self) -> tuple[int, int]:
        """(rows waiting for a flush, rows taken from the rings just now)."""
        pending = new = 0
        for name, ring in self._rings.items():
            got = ring.pop_array()  # all there is: at most the ring's capacity
            if len(got):
                self._pending[name].append(got)
                new += len(got)
            pending += sum(len(a) for a in self._pending[name])
        return pending, new

    def _flush_all(self):
        self._replay()
        for name, parts in self._pending.items():
            if not parts:
                continue
            batch = np.concatenate(parts)
            for start in range(0, len(batch), self.batch_rows):
                self._pending[name] = [batch[start:]]  # what is left if this chunk raises
                self._insert_or_spill(name, batch[start:start + self.batch_rows], uuid.uuid4().hex)
            self._pending[name] = []

    def _insert_or_spill(self, table: str, batch: np.ndarray, batch_id: str):
        if self.stats.spilled_pending == 0:  # older batches on disk go first
            try:
                self.backend.insert(self.tables[table], batch, batch_id)
                self.stats.rows_written += len(batch)
                self.stats.batches_written += 1
                return
            except Exception as e:  # any failure: the batch is safe on disk, replay decides
                self._failed(e)
        self._spill(table, batch, batch_id)

    def _failed(self, e: Exception):
        self.stats.failures += 1
        if str(e) != self.stats.last_error:
            log.warning("store backend failed, spilling to %s: %s", self.spill_dir, e)
        self.stats.last_error = str(e)

    def _refused_for_its_data(self, e: Exception) -> bool:
        """Whether retrying this batch can never help: the backend said so, or it fails with an
        error of no known kind while the backend answers a ping."""
        if isinstance(e, StoreRejectedError):
            return True
        if isinstance(e, (StoreUnavailableError, OSError)):
            return False
        try:
            self.backend.ping()
            return True
        except Exception:
            return False

    # --- the spill directory -----------------------------------------------------------------
    def _spilled(self) -> list[str]:
        return sorted(f for f in os.listdir(self.spill_dir) if f.endswith(".npy"))

    def _next_spill_seq(self) -> int:
        names = self._spilled()
        return int(names[-1].split("-")[0]) + 1 if names else 0

    def _spill(self, table: str, batch: np.ndarray, batch_id: str):
        self._write_spill(f"{self._seq:012d}-{table}-{batch_id}.npy", batch)
        self._seq += 1
        self.stats.batches_spilled += 1
        self.stats.spilled_pending += 1

    def _write_spill(self, name: str, batch: np.ndarray):
        tmp = os.path.join(self.spill_dir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            np.save(f, batch, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(self.spill_dir, name))

    def _quarantine(self, path: str, name: str, error: Exception):
        """Sets a batch the backend refuses aside, with the error, so it never blocks later ones."""
        qdir = os.path.join(self.spill_dir, "quarantine")
        os.makedirs(qdir, exist_ok=True)
        stem = os.path.join(qdir, name[:-len(".npy")])
        with open(stem + ".error.tmp", "w") as f:
            f.write(f"{type(error).__name__}: {error}\n")
        os.replace(stem + ".error.tmp", stem + ".error")
        os.replace(path, stem + ".npy")
        log.error("store backend refuses spilled batch %s: %s; moved to %s", name, error, qdir)
        self.stats.batches_quarantined += 1
        self.stats.spilled_pending -= 1

    def _split(self, path: str, name: str, batch: np.ndarray):
        """Replaces a refused batch by its two halves, in its place in the order, so the rows the
        backend refuses are narrowed down to themselves and the rest still goes in."""
        seq, table, rest = name.split("-", 2)
        batch_id = rest[:-len(".npy")]
        half = len(batch) // 2
        for suffix, part in (("a", batch[:half]), ("b", batch[half:])):
            self._write_spill(f"{seq}-{table}-{batch_id}{suffix}.npy", part)
        os.unlink(path)
        self.stats.spilled_pending += 1

    def _replay(self):
        while names := self._spilled():
            name = names[0]
            _, table, rest = name.split("-", 2)
            batch_id = rest[:-len(".npy")]
            path = os.path.join(self.spill_dir, name)
            try:
                batch = np.load(path, allow_pickle=False)
                if table not in self.tables or batch.dtype != self.tables[table].dtype:
                    raise ValueError(f"not table {table!r}'s record type")
            except ValueError as e:  # damaged, or from another schema: set aside, never dropped
                log.error("spilled batch %s cannot be replayed (%s); renamed to .rejected", path, e)
                os.replace(path, path + ".rejected")
                self.stats.spilled_pending -= 1
                self.stats.failures += 1
                continue
            try:
                self.backend.insert(self.tables[table], batch, batch_id)
            except Exception as e:
                self._failed(e)
                if not self._refused_for_its_data(e):
                    return  # down or busy: keep the order, try again at the next flush
                if len(batch) > 1:
                    self._split(path, name, batch)
                else:
                    self._quarantine(path, name, e)
                continue
            os.unlink(path)
            self.stats.rows_written += len(batch)
            self.stats.batches_replayed += 1
            self.stats.spilled_pending -= 1
