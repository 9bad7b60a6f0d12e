"""HedgedSender records -> store rows. Pass ``SenderRecorder(writer)`` as the sender's
`on_record`: shots are held until their attempt is decided, then written as one `attempts` row
each (with the outcome), plus one `outcomes` row, the `bandit_arm_events` and `slot_timings`.
It never raises into the sender: a row the writer refuses (full ring, bad value) is counted in
`dropped` and logged."""
from __future__ import annotations

import json
import logging
import time

from solders.pubkey import Pubkey

from mevlib.errors import MevError

log = logging.getLogger("mevlib.store")


def _b58(hex_key: str) -> str:
    return str(Pubkey.from_bytes(bytes.fromhex(hex_key)))


class SenderRecorder:
    def __init__(self, writer, *, strategy: str = ""):
        self.writer = writer
        self.strategy = strategy
        self._shots: dict[int, dict] = {}   # shot id -> shot record (+ its result)
        self._by_attempt: dict[int, list[int]] = {}
        # the sender's times are CLOCK_MONOTONIC; the store's are wall-clock
        self._unix_minus_mono = time.time_ns() - time.monotonic_ns()
        self.dropped = 0

    def _write(self, table: str, **row) -> None:
        try:
            self.writer.write(table, **row)
        except MevError as e:  # the store falling behind must not cost the sender its bookkeeping
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("store row dropped (%d so far): %s", self.dropped, e)

    def _unix_ns(self, mono_ns: int) -> int:
        return mono_ns + self._unix_minus_mono

    def __call__(self, rec: dict) -> None:
        kind = rec["kind"]
        if kind == "shot":
            self._shots[rec["shot"]] = dict(rec)
            self._by_attempt.setdefault(rec["attempt"], []).append(rec["shot"])
        elif kind == "shot_result":
            if rec["shot"] in self._shots:
                self._shots[rec["shot"]]["result"] = rec
        elif kind == "outcome":
            self._outcome(rec)
        elif kind == "arm":
            self._write("bandit_arm_events", ts=time.time_ns(), route=rec["route"],
                              leader=_b58(rec["leader"]), landed=int(rec["landed"]),
                              alpha=rec["alpha"], beta=rec["beta"])
        elif kind == "shadow":
            err = rec["sim_error"]
            self._write("shadow_sends", ts=self._unix_ns(rec["fire_at_ns"]), attempt_id=rec["attempt"],
                        shot_id=rec["shot"], slot=rec["target_slot"], leader=_b58(rec["leader"]),
                        strategy=rec.get("label") or self.strategy, route=rec["route"], shot_index=rec["index"],
                        offset_us=round(rec["offset_ms"] * 1000), tip_lamports=rec["tip"] or 0,
                        fee_lamports=rec["fee"], p_land=rec["p_land"], ev_lamports=float(rec["value"] or 0.0),
                        simulated=int(rec["simulated"]), sim_ok=int(rec["sim_ok"]),
                        sim_error=json.dumps(err)[:256] if err is not None else "", units=min(rec["units"], 2**32 - 1),
                        signature=rec["signature"])
        elif kind == "plan":
            self._write("slot_timings", ts=time.time_ns(), slot=rec["slot"], leader=_b58(rec["leader"]),
                              slot_ms=rec["slot_ms"], phase_ms=rec["phase_ms"], phase_std_ms=rec["phase_std_ms"])

    def _outcome(self, rec: dict) -> None:
        shots = [self._shots.pop(s) for s in self._by_attempt.pop(rec["attempt"], []) if s in self._shots]
        leader = _b58(rec["leader"])
        landed_slot = rec["landed_slot"] or 0
        tip_paid = rec["tip_paid"]
        unpaid = dict(rec["fees"])  # signature -> fee, for the signatures committed (landed or failed)
        for s in shots:
            res = s.get("result", {})
            won = s["shot"] == rec["credited_shot"]
            tip = s["tip"] or 0
            sent, done = res.get("sent_ns") or 0, res.get("done_ns") or 0
            self._write(
                "attempts", ts=self._unix_ns(s["fire_at_ns"]), attempt_id=s["attempt"], shot_id=s["shot"],
                slot=s["target_slot"], leader=leader, route=s["route"], shot_index=s["index"],
                offset_us=round(s["offset_ms"] * 1000), status=res.get("status", "no_result"),
                late_us=max(-2**31, min(2**31 - 1, (res.get("late_ns") or 0) // 1000)),
                rtt_us=max(0, min(2**32 - 1, (done - sent) // 1000)) if sent and done else 0,
                tip_lamports=tip, fee_lamports=unpaid.pop(s["signature"], 0),  # once per signature
                p_raw=s["p_raw"], p_land=s["p_land"],
                landed=int(won), landed_slot=landed_slot if won else 0)
        first = shots[0] if shots else {}
        value = first.get("value")
        self._write(
            "outcomes", ts=self._unix_ns(first["fire_at_ns"]) if shots else time.time_ns(),
            attempt_id=rec["attempt"], slot=rec["target_slot"], leader=leader, strategy=rec.get("label") or self.strategy,
            landed=int(bool(rec["landed"])), landed_slot=landed_slot, credited_route=rec["route"] or "",
            shots=rec["shots"], tip_lamports=tip_paid, ev_lamports=float(value or 0.0),
            realized_lamports=(float(value or 0.0) if rec["landed"] else 0.0) - tip_paid - rec["fee_paid"],
            signature=rec["signature"])

