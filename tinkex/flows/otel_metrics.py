"""tinkex's OpenTelemetry metrics: the instruments of one client stack and their names.

Only `opentelemetry-api` is needed. Without an SDK (no `MeterProvider` installed, the
default) the meter is a no-op and `ClientInstruments.enabled` is False, so callers skip the
bookkeeping altogether; once the application installs a provider (before or after the client
was built) the instruments report through it. Names follow the OpenTelemetry semantic
convention style (dotted, lower case, units in UCUM); attribute names are the span
attributes of `tinkex.flows.tracing`. Every instrument is listed in
``docs/guides/observability.md``.

`tinkex.metrics.Metrics` stays as the zero-setup, in-process snapshot; this is the channel an
application's own exporter (Prometheus, OTLP...) reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from opentelemetry import metrics
from opentelemetry.metrics import NoOpMeter

from tinkex.flows.tracing import (
    ATTR_ENDPOINT,
    ATTR_OUTCOME,
    ATTR_QUEUE_STATE,
    ATTR_REQUEST_TYPE,
    ATTR_RETRY_LAYER,
    ATTR_RETRY_REASON,
    error_type,
)

if TYPE_CHECKING:
    from opentelemetry.metrics import Meter
    from opentelemetry.util.types import Attributes

__all__ = [
    "FUTURE_WAIT_DURATION",
    "INFLIGHT_BYTES",
    "INFLIGHT_REQUESTS",
    "QUEUE_STATE_DURATION",
    "REQUEST_DURATION",
    "RETRIES",
    "TOKENS_SAMPLED",
    "TOKENS_TRAINED",
    "ClientInstruments",
    "metrics_enabled",
    "outcome_attributes",
    "retry_reason",
    "sampled_tokens",
    "trained_tokens",
]

REQUEST_DURATION: Final = "tinkex.client.request.duration"
"""Histogram, s: one logical endpoint call, every retry included; by endpoint and outcome."""
RETRIES: Final = "tinkex.client.retries"
"""Counter, {retry}: requests sent again, by layer (http, outer, sampling) and reason."""
INFLIGHT_REQUESTS: Final = "tinkex.client.inflight.requests"
"""UpDownCounter, {request}: logical endpoint calls in progress, by endpoint."""
INFLIGHT_BYTES: Final = "tinkex.client.inflight.bytes"
"""UpDownCounter, By: encoded request bodies of the calls in progress, by endpoint."""
FUTURE_WAIT_DURATION: Final = "tinkex.future.wait.duration"
"""Histogram, s: from a client method's call to its future's outcome; by request type."""
QUEUE_STATE_DURATION: Final = "tinkex.future.queue_state.duration"
"""Histogram, s: how long a request stayed in one server queue state; by state."""
TOKENS_SAMPLED: Final = "tinkex.tokens.sampled"
"""Counter, {token}: tokens of the sequences sampling results carried."""
TOKENS_TRAINED: Final = "tinkex.tokens.trained"
"""Counter, {token}: model-input tokens of forward_backward requests the server accepted."""

# Durations from milliseconds to minutes: a poll is held open ~45 s, a queued future waits
# for many minutes.
_DURATION_BUCKETS: Final = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    1800.0,
)


def metrics_enabled(meter: Meter) -> bool:
    """True unless `meter` is a no-op: a `NoOpMeter`, or the API's proxy with no provider set."""
    if getattr(meter, "_real_meter", meter) is None:
        return False  # the default (a proxy, no provider installed), answered without ABC checks
    if isinstance(meter, NoOpMeter):
        return False
    # The API's proxy (what `metrics.get_meter` returns before the application installs a
    # provider) starts delegating once one is installed; this asks what it delegates to.
    if hasattr(meter, "_real_meter"):
        real = meter._real_meter
        return real is not None and not isinstance(real, NoOpMeter)
    return True


def retry_reason(reason: str) -> str:
    """A retry reason with its details cut (``status 503; retry-after 2s`` -> ``status 503``).

    Metric attributes must take few values; the span event keeps the whole text.
    """
    return reason.split(";", 1)[0].split(",", 1)[0].strip()


def outcome_attributes(base: dict[str, str], error: BaseException | None) -> Attributes:
    """`base` plus ``tinker.outcome`` (``success``/``error``) and, on error, ``error.type``."""
    if error is None:
        return {**base, ATTR_OUTCOME: "success"}
    status = getattr(error, "status", None)
    kind = error_type(status if isinstance(status, int) else error)
    return {**base, ATTR_OUTCOME: "error", "error.type": kind}


class ClientInstruments:
    """The metric instruments one client stack records to.

    Args:
        meter: The meter to create them on; None takes `metrics.get_meter("tinkex")`, which
            follows whatever global provider the application installs.
    """

    def __init__(self, meter: Meter | None = None) -> None:
        from tinkex.version import __version__

        self._meter = meter if meter is not None else metrics.get_meter("tinkex", __version__)
        # Once a real meter is seen it stays real (a global provider can be set only once).
        self._live = metrics_enabled(self._meter)
        m = self._meter
        self.request_duration = m.create_histogram(
            REQUEST_DURATION,
            unit="s",
            description="Duration of logical endpoint calls, retries included",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.retries = m.create_counter(
            RETRIES, unit="{retry}", description="Requests sent again after a failure"
        )
        self.inflight_requests = m.create_up_down_counter(
            INFLIGHT_REQUESTS, unit="{request}", description="Endpoint calls in progress"
        )
        self.inflight_bytes = m.create_up_down_counter(
            INFLIGHT_BYTES, unit="By", description="Request body bytes of the calls in progress"
        )
        self.future_wait = m.create_histogram(
            FUTURE_WAIT_DURATION,
            unit="s",
            description="Time from a client call to its future's outcome",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.queue_state_duration = m.create_histogram(
            QUEUE_STATE_DURATION,
            unit="s",
            description="Time a request spent in one server queue state",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.tokens_sampled = m.create_counter(
            TOKENS_SAMPLED, unit="{token}", description="Tokens of sampled sequences"
        )
        self.tokens_trained = m.create_counter(
            TOKENS_TRAINED,
            unit="{token}",
            description="Model-input tokens of accepted forward_backward requests",
        )

    @property
    def enabled(self) -> bool:
        """False while the meter is a no-op: callers then record nothing at all."""
        if not self._live:
            self._live = metrics_enabled(self._meter)
        return self._live

    def request_finished(
        self, endpoint: str, method: str, seconds: float, error: BaseException | None
    ) -> None:
        """Record one logical call's duration under its endpoint and outcome."""
        base = {ATTR_ENDPOINT: endpoint, "http.request.method": method}
        self.request_duration.record(seconds, outcome_attributes(base, error))

    def inflight(self, endpoint: str, body_bytes: int, delta: int) -> None:
        """Count a call (and its body) in (`delta` 1) or out (`delta` -1) of flight."""
        attributes = {ATTR_ENDPOINT: endpoint}
        self.inflight_requests.add(delta, attributes)
        if body_bytes:
            self.inflight_bytes.add(delta * body_bytes, attributes)

    def retried(self, layer: str, reason: str, endpoint: str | None = None) -> None:
        """Count one retry of `layer` (``http``, ``outer``, ``sampling``)."""
        attributes = {ATTR_RETRY_LAYER: layer, ATTR_RETRY_REASON: retry_reason(reason)}
        if endpoint is not None:
            attributes[ATTR_ENDPOINT] = endpoint
        self.retries.add(1, attributes)

    def future_finished(self, request_type: str, seconds: float, outcome: str) -> None:
        """Record how long a future took to reach `outcome` (success, error, cancelled)."""
        self.future_wait.record(seconds, {ATTR_REQUEST_TYPE: request_type, ATTR_OUTCOME: outcome})

    def count_trained(self, body: object) -> None:
        """Count the tokens of an accepted forward_backward request (other bodies: none)."""
        tokens = trained_tokens(body) if self.enabled else 0
        if tokens:
            self.tokens_trained.add(tokens)

    def count_sampled(self, result: object) -> None:
        """Count the tokens of a sampling result (other results: none)."""
        tokens = sampled_tokens(result) if self.enabled else 0
        if tokens:
            self.tokens_sampled.add(tokens)

    def queue_state_left(self, request_type: str, state: str, seconds: float) -> None:
        """Record the time one request spent in queue state `state`."""
        self.queue_state_duration.record(
            seconds, {ATTR_REQUEST_TYPE: request_type, ATTR_QUEUE_STATE: state}
        )


def trained_tokens(body: object) -> int:
    """Model-input tokens a request trains on: those of a forward_backward body, else 0."""
    from tinkex.domain.types import ForwardBackwardRequest, ForwardBackwardRequestLegacy

    if isinstance(body, ForwardBackwardRequest) and not body.forward_only:
        data = body.data
    elif isinstance(body, ForwardBackwardRequestLegacy):
        data = body.forward_backward_input.data
    else:
        return 0
    return sum(datum.model_input.length for datum in data)


def sampled_tokens(result: Any) -> int:
    """Tokens of the sequences a sampling result holds (0 for anything else)."""
    from tinkex.domain.types import SampleResponse

    if not isinstance(result, SampleResponse):
        return 0
    return sum(len(sequence.tokens_np) for sequence in result.sequences)
