"""Deterministic fault injection for the embedded backend.

Every kind of decision (5xx, dropped connection, backpressure, paused queue, latency) draws
from its own RNG stream per endpoint, seeded from the plan's seed, the decision kind and the
endpoint name. The same plan plus the same sequence of requests therefore yields the same
faults, independently of how requests to other endpoints interleave.
"""

from __future__ import annotations

import hashlib
import random

import msgspec

__all__ = ["FaultDecision", "FaultInjector", "FaultPlan"]


class FaultPlan(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What faults to inject, and how often.

    Attributes:
        seed: Seed of every decision stream.
        error_5xx: Probability that a request is answered 503 before it is processed.
        drop_connection: Probability that the connection is closed after the request was
            processed, without an answer (tests idempotent retries).
        backpressure_429: Probability that an ``asample`` carrying
            ``X-Tinker-Sampling-Backpressure`` is refused with 429.
        paused_408: Probability that a ``retrieve_future`` answers 408 with queue state
            ``paused_capacity``.
        latency_ms: Extra latency range ``[low, high]`` in milliseconds added to each request.
        max_concurrent_samples: Samples in flight beyond this are refused with 429 (None = no cap).
        endpoints: Endpoint names (the path after ``/api/v1/``, e.g. ``asample``,
            ``training_runs``) the plan applies to; empty means every endpoint.
    """

    seed: int = 0
    error_5xx: float = 0.0
    drop_connection: float = 0.0
    backpressure_429: float = 0.0
    paused_408: float = 0.0
    latency_ms: tuple[int, int] = (0, 0)
    max_concurrent_samples: int | None = None
    endpoints: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, text: str | bytes) -> FaultPlan:
        """Parse a plan from JSON (the command line's ``--fault-plan``).

        Raises:
            msgspec.ValidationError: Unknown keys or wrong types.
        """
        return msgspec.json.decode(text, type=cls)


class FaultDecision(msgspec.Struct, frozen=True, kw_only=True):
    """The faults chosen for one request.

    Attributes:
        latency_s: Extra delay before handling.
        error_5xx: Answer 503 without processing.
        drop: Close the connection after processing.
        backpressure: Refuse with 429 (asample with the backpressure header only).
        paused: Answer 408 ``paused_capacity`` (retrieve_future only).
    """

    latency_s: float = 0.0
    error_5xx: bool = False
    drop: bool = False
    backpressure: bool = False
    paused: bool = False


def endpoint_name(path: str) -> str:
    """The first path segment after ``/api/v1/`` (``training_runs`` for every run route)."""
    tail = path.split("/api/v1/", 1)[-1]
    return tail.split("/", 1)[0]


class FaultInjector:
    """Draws fault decisions for requests according to a plan.

    Args:
        plan: The plan; None injects nothing.
    """

    def __init__(self, plan: FaultPlan | None) -> None:
        self.plan = plan
        self._streams: dict[tuple[str, str], random.Random] = {}

    def _draw(self, kind: str, endpoint: str) -> float:
        stream = self._streams.get((kind, endpoint))
        if stream is None:
            assert self.plan is not None
            digest = hashlib.sha256(f"{self.plan.seed}/{kind}/{endpoint}".encode()).digest()
            stream = random.Random(int.from_bytes(digest[:8], "big"))  # faults, not crypto
            self._streams[(kind, endpoint)] = stream
        return stream.random()

    def decide(self, path: str, *, backpressure_header: bool) -> FaultDecision:
        """Choose the faults for one request to `path`."""
        plan = self.plan
        if plan is None:
            return FaultDecision()
        endpoint = endpoint_name(path)
        if plan.endpoints and endpoint not in plan.endpoints:
            return FaultDecision()
        low, high = plan.latency_ms
        latency = 0.0
        if high > 0:
            latency = (low + (high - low) * self._draw("latency", endpoint)) / 1000
        return FaultDecision(
            latency_s=latency,
            error_5xx=plan.error_5xx > 0 and self._draw("5xx", endpoint) < plan.error_5xx,
            drop=plan.drop_connection > 0 and self._draw("drop", endpoint) < plan.drop_connection,
            backpressure=(
                endpoint == "asample"
                and backpressure_header
                and plan.backpressure_429 > 0
                and self._draw("429", endpoint) < plan.backpressure_429
            ),
            paused=(
                endpoint == "retrieve_future"
                and plan.paused_408 > 0
                and self._draw("408", endpoint) < plan.paused_408
            ),
        )
