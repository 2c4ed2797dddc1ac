"""The backend's own record of what it applied and which faults it injected.

A soak test cannot trust the client to say that every training step was applied once and in
order: it asks the server. The journal records every future the backend starts running (its
model, ``seq_id`` and request type, in the order the work actually starts, which for a model is
the order its steps are applied) and every fault the fault plan injected, by kind.

It keeps bounded in-memory counters and recent events, and, when `write_to` names a file
(``python -m tinkex.local serve --journal PATH``), appends one JSON object per line so that
another process can read the record while the server runs, or after it was killed::

    {"event": "started", "request_type": "ForwardBackward", "model_id": "...", "seq_id": 3}
    {"event": "fault", "kind": "5xx", "endpoint": "forward_backward"}

Fault kinds: ``5xx`` (answered 503), ``429`` (sampling backpressure), ``408`` (paused poll)
and ``drop`` (processed, then the connection closed without an answer). Latency is not a fault.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.local.faults import FaultDecision
    from tinkex.local.futures import FutureEntry

__all__ = ["Journal", "fault_kind"]


def fault_kind(decision: FaultDecision) -> str | None:
    """The fault a decision applies, with the precedence `LocalBackend` answers them in."""
    if decision.error_5xx:
        return "5xx"
    if decision.backpressure:
        return "429"
    if decision.paused:
        return "408"
    if decision.drop:
        return "drop"
    return None


class Journal:
    """Started work and injected faults of one backend.

    Args:
        keep: How many recent events stay in memory (`events`).
    """

    def __init__(self, keep: int = 4096) -> None:
        self.events: deque[dict[str, object]] = deque(maxlen=keep)
        self.faults: Counter[str] = Counter()
        self.started_by_type: Counter[str] = Counter()
        self._sink: IO[str] | None = None

    def write_to(self, path: Path) -> None:
        """Also append every event to `path` as a JSON line (flushed per event)."""
        self.close()
        self._sink = path.open("a", encoding="utf-8")

    def close(self) -> None:
        """Stop writing to the file, if any."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def started(self, entry: FutureEntry, seq_id: int | None) -> None:
        """Record that `entry`'s work starts now (for a model: under its ordering turn)."""
        self.started_by_type[entry.request_type] += 1
        self._emit(
            {
                "event": "started",
                "request_type": entry.request_type,
                "model_id": entry.model_id,
                "seq_id": seq_id,
            }
        )

    def fault(self, path: str, decision: FaultDecision) -> None:
        """Record the fault `decision` applies to a request to `path` (nothing if none)."""
        kind = fault_kind(decision)
        if kind is None:
            return
        self.faults[kind] += 1
        endpoint = path.split("/api/v1/", 1)[-1].split("/", 1)[0]
        self._emit({"event": "fault", "kind": kind, "endpoint": endpoint})

    def _emit(self, event: dict[str, object]) -> None:
        self.events.append(event)
        if self._sink is not None:
            # A few bytes into the page cache: cheap enough on the loop for a debug record.
            self._sink.write(json.dumps(event, separators=(",", ":")) + "\n")
            self._sink.flush()

    def applied_seq_ids(self, model_id: str) -> list[int | None]:
        """The seq_ids of `model_id`'s work in the order it started (in-memory events)."""
        found: list[int | None] = []
        for event in self.events:
            if event["event"] == "started" and event["model_id"] == model_id:
                seq_id = event["seq_id"]
                found.append(seq_id if isinstance(seq_id, int) else None)
        return found
