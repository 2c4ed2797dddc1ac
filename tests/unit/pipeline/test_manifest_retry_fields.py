"""Every retry field of the manifest drives behaviour: edit it in a copy, see the change.

Each test loads an edited copy of the shipped ``tinker.yaml``, builds a `Runtime` from it over
an in-memory server in virtual time, and compares what goes on the wire (or how long the
client waits) with the shipped manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tinkex import api
from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport, json_response
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.bootstrap.compose import compose
from tinkex.config import load_config
from tinkex.errors import (
    APIConnectionError,
    BadRequestError,
    BillingError,
    ConflictError,
    InternalServerError,
    ManifestError,
    NotFoundError,
    RateLimitError,
)
from tinkex.flows.telemetry import BatchingTelemetry
from tinkex.manifest.loader import load_manifest
from tinkex.ports.telemetry import TelemetryEvent
from tinkex.ports.transport import HttpResponse

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.bootstrap.runtime import Runtime
    from tinkex.ports.transport import HttpRequest

SHIPPED = (Path(__file__).resolve().parents[3] / "tinkex" / "manifest" / "tinker.yaml").read_text(
    encoding="utf-8"
)
CAPABILITIES = "/api/v1/get_server_capabilities"
HEALTHZ = "/api/v1/healthz"
GET_INFO = "/api/v1/get_info"

STANDARD_STATUS = "    retry_status: [408, 409, 429]\n    retry_server_errors: true\n"
STANDARD_STATUS += "    retry_connection_errors: true\n"
OUTER_STATUS = "    retry_status: [408, 409, 429]\n    retry_server_errors: true\n"
OUTER_STATUS += "    honor_should_retry: true\n"
# Without a default future deadline, the poller's only sleeps are its backoffs (not a timer's).
NO_DEADLINE = ("futures", "default_deadline_s: 3600.0", "default_deadline_s: null")


def edited(*edits: tuple[str | None, str, str]) -> str:
    """The shipped manifest with each ``(block, old, new)`` edit applied in turn.

    `old` must occur exactly once in the feature block named `block` (the whole file when
    `block` is None), and is replaced by `new` there.
    """
    text = SHIPPED
    for block, old, new in edits:
        start, end = 0, len(text)
        if block is not None:
            start = text.index(f"\n  {block}:\n")
            end = text.index("\n\n", start + 1)
        section = text[start:end]
        assert section.count(old) == 1, (block, old)
        text = text[:start] + section.replace(old, new) + text[end:]
    return text


def scripted(*replies: HttpResponse | BaseException) -> Callable[[HttpRequest], HttpResponse]:
    """Answer with `replies` in order, repeating the last one."""
    remaining = list(replies)

    def handler(request: HttpRequest) -> HttpResponse:
        reply = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(reply, BaseException):
            raise reply
        return reply

    return handler


def status(code: int, **headers: str) -> HttpResponse:
    return json_response(b'{"detail":"no"}', status=code, headers=headers)


OK = json_response(b"{}")
CAPABILITIES_OK = json_response(b'{"supported_models": []}')
HEALTHY = json_response(b'{"status": "ok"}')


async def runtime_for(
    manifest_text: str, routes: dict[tuple[str, str], Callable[[HttpRequest], HttpResponse]]
) -> tuple[Runtime, InMemoryTransport, FakeClock]:
    """A started runtime (no session) over an in-memory server with `routes`."""
    transport = InMemoryTransport()
    transport.route("POST", r"/api/v1/client/config", lambda r: OK)
    transport.route("POST", r"/api/v1/client/dynamic_config", lambda r: OK)
    for (method, path), handler in routes.items():
        transport.route(method, path, handler)
    clock = FakeClock()
    adapters = Adapters(
        pool=SharedTransportPool(transport),
        clock=clock,
        base_url="http://tinker.test",
        threaded_heartbeat=False,
    )
    config = load_config(
        api_key="tml-test-key", base_url="http://tinker.test", telemetry=False, env={}
    )
    runtime = compose(config, adapters=adapters, manifest=load_manifest(manifest_text))
    await runtime.start(create_session=False)
    # The start's first-contact timer sleeps once for its budget; only later sleeps are backoffs.
    clock.sleeps.clear()
    return runtime, transport, clock


async def capabilities(
    manifest_text: str, *replies: HttpResponse
) -> tuple[int, BaseException | None, list[float]]:
    """Call get_server_capabilities once; return (requests sent, error, sleeps)."""
    runtime, transport, clock = await runtime_for(
        manifest_text, {("GET", CAPABILITIES): scripted(*replies)}
    )
    error: BaseException | None = None
    try:
        await api.service.get_server_capabilities(runtime.invoker)
    except Exception as exc:  # noqa: BLE001 - the test inspects what was raised
        error = exc
    sleeps = list(clock.sleeps)
    await runtime.aclose()
    return transport.paths().count(CAPABILITIES), error, sleeps


async def test_dropping_409_from_retry_status_makes_a_409_fail_at_once() -> None:
    """Shipped: a 409 is retried. Without 409 in either retry_status: one request, raised."""
    sent, error, _ = await capabilities(SHIPPED, status(409), CAPABILITIES_OK)
    assert (sent, error) == (2, None)
    without_409 = edited(
        (None, STANDARD_STATUS, STANDARD_STATUS.replace("[408, 409, 429]", "[408, 429]")),
        (None, OUTER_STATUS, OUTER_STATUS.replace("[408, 409, 429]", "[408, 429]")),
    )
    sent, error, sleeps = await capabilities(without_409, status(409), CAPABILITIES_OK)
    assert sent == 1
    assert isinstance(error, ConflictError)
    assert sleeps == []


async def test_each_layer_reads_its_own_retry_status() -> None:
    """Dropped from the HTTP layer only, the outer layer still re-runs the call, and back."""
    http_only_drop = edited((None, STANDARD_STATUS, STANDARD_STATUS.replace("409, ", "")))
    sent, error, sleeps = await capabilities(
        http_only_drop, status(409), status(409), CAPABILITIES_OK
    )
    assert (sent, error) == (3, None)
    assert sleeps == [1.0, 2.0]  # the outer layer's 1 s doubling backoff, no HTTP retry
    outer_only_drop = edited((None, OUTER_STATUS, OUTER_STATUS.replace("409, ", "")))
    sent, error, _ = await capabilities(outer_only_drop, status(409))
    assert sent == 11  # the endpoint's ten HTTP retries, then no outer repetition
    assert isinstance(error, ConflictError)


async def test_retry_server_errors_off_makes_a_503_fail_at_once() -> None:
    """With retry_server_errors false in both layers a 503 is raised after one request."""
    text = edited(
        (
            None,
            STANDARD_STATUS,
            STANDARD_STATUS.replace("server_errors: true", "server_errors: false"),
        ),
        (None, OUTER_STATUS, OUTER_STATUS.replace("server_errors: true", "server_errors: false")),
    )
    assert (await capabilities(SHIPPED, status(503), CAPABILITIES_OK))[:2] == (2, None)
    sent, error, _ = await capabilities(text, status(503), CAPABILITIES_OK)
    assert sent == 1
    assert isinstance(error, InternalServerError)


async def test_honor_should_retry_decides_what_x_should_retry_false_does() -> None:
    """x-should-retry: false stops a 503 at once, unless a layer's block ignores it.

    Each layer that ignores it retries the 503 on its own: the HTTP layer after its 0.5 s
    backoff, the outer layer after its 1 s one.
    """
    refused = status(503, **{"x-should-retry": "false"})
    sent, error, _ = await capabilities(SHIPPED, refused, CAPABILITIES_OK)
    assert sent == 1
    assert isinstance(error, InternalServerError)
    flip = ("honor_should_retry: true", "honor_should_retry: false")
    http_ignores = edited(("retry_standard", *flip))
    outer_ignores = edited(("retry_outer", *flip))
    sent, error, sleeps = await capabilities(http_ignores, refused, CAPABILITIES_OK)
    assert (sent, error) == (2, None)
    assert 0.375 < sleeps[0] <= 0.5  # the HTTP layer's backoff
    sent, error, sleeps = await capabilities(outer_ignores, refused, CAPABILITIES_OK)
    assert (sent, error, sleeps) == (2, None, [1.0])  # the outer layer's backoff


async def test_retry_connection_errors_off_stops_at_the_first_lost_connection() -> None:
    """healthz (no outer layer) is retried after a lost connection unless the block says no."""
    lost = APIConnectionError("connection reset")
    off = edited(("retry_standard", "connection_errors: true", "connection_errors: false"))
    for text, expected_requests in ((SHIPPED, 2), (off, 1)):
        runtime, transport, _ = await runtime_for(text, {("GET", HEALTHZ): scripted(lost, HEALTHY)})
        if expected_requests == 1:
            with pytest.raises(APIConnectionError):
                await api.service.healthz(runtime.invoker)
        else:
            await api.service.healthz(runtime.invoker)
        assert transport.paths().count(HEALTHZ) == expected_requests
        await runtime.aclose()


async def test_the_http_backoff_and_its_retry_after_cap_come_from_the_block() -> None:
    """base_s / max_s / jitter set the HTTP delays; retry_after_max_s caps honoured hints."""
    shipped_backoff = "backoff: {base_s: 0.5, max_s: 10.0, jitter: 0.25, retry_after_max_s: 60.0}"
    fast = edited(
        (
            "retry_standard",
            shipped_backoff,
            "backoff: {base_s: 0.125, max_s: 0.25, jitter: 0.0, retry_after_max_s: 1.0}",
        )
    )
    _, error, sleeps = await capabilities(
        fast, status(503), status(503), status(503), CAPABILITIES_OK
    )
    assert error is None
    assert sleeps == [0.125, 0.25, 0.25]
    hint = status(429, **{"retry-after": "2"})
    assert (await capabilities(SHIPPED, hint, CAPABILITIES_OK))[2] == [2.0]
    assert (await capabilities(fast, hint, CAPABILITIES_OK))[2] == [0.125]  # 2 s is beyond this cap


async def test_idempotency_and_retry_count_headers_come_from_the_block() -> None:
    """Renamed headers and another key prefix are what the wire carries."""
    text = edited(
        (
            "retry_standard",
            "idempotency_header: X-Idempotency-Key\n"
            "    idempotency_prefix: stainless-python-retry-\n"
            "    retry_count_header: x-stainless-retry-count",
            "idempotency_header: Idem-Key\n    idempotency_prefix: mine-\n"
            "    retry_count_header: x-attempt",
        )
    )
    runtime, transport, _ = await runtime_for(
        text, {("POST", GET_INFO): scripted(status(503), status(400))}
    )
    with pytest.raises(BadRequestError):
        await runtime.invoker.invoke(
            api.models.GET_INFO, {"model_id": "m"}, response_type=HttpResponse
        )
    await runtime.aclose()
    first, second = transport.sent[-2:]
    assert [r.header("x-attempt") for r in (first, second)] == ["0", "1"]
    assert first.header("x-stainless-retry-count") is None
    assert first.header("X-Idempotency-Key") is None
    key = first.header("Idem-Key") or ""
    assert key.startswith("mine-")
    assert second.header("Idem-Key") == key


async def test_the_outer_backoff_and_budget_come_from_the_block() -> None:
    """The outer layer waits base_s doubling to max_s, and stops at budget_s."""
    text = edited(
        (
            "retry_outer",
            "backoff: {base_s: 1.0, max_s: 30.0, retry_after_max_s: 60.0}",
            "backoff: {base_s: 3.0, max_s: 5.0}",
        ),
        ("retry_outer", "budget_s: 300.0", "budget_s: 12.0"),
        (None, STANDARD_STATUS, STANDARD_STATUS.replace("409, ", "")),
    )
    sent, error, sleeps = await capabilities(text, status(409))
    assert isinstance(error, ConflictError)
    assert sleeps == [3.0, 5.0, 4.0]  # 3, then capped at 5, then trimmed to the 12 s budget
    assert sent == 4


async def test_billing_pause_fields_drive_the_pause() -> None:
    """sleep_s, max_pause_s and incident_reset_s: 402s sleep 2 s, give up after 5 s."""
    text = edited(
        (
            "retry_outer",
            "billing_pause: {sleep_s: 5.0, max_pause_s: 3600.0, incident_reset_s: 300.0, "
            "warn_every_s: 60.0}",
            "billing_pause: {sleep_s: 2.0, max_pause_s: 5.0, incident_reset_s: 30.0, "
            "warn_every_s: 60.0}",
        )
    )
    sent, error, sleeps = await capabilities(text, status(402))
    assert isinstance(error, BillingError)
    assert sleeps == [2.0, 2.0, 2.0]  # at 0, 2, 4 s inside the window; at 6 s past it
    assert sent == 4


async def test_one_billing_pause_serves_the_pipeline_and_the_future_poller() -> None:
    """An incident started by a call continues, not restarts, when the poller meets a 402.

    The window is 9 s: a call paused for 8 s leaves the poller one 2 s sleep before the 402
    is raised; with a pause per invoker the poller would sleep five more times.
    """
    text = edited(
        (
            "retry_outer",
            "billing_pause: {sleep_s: 5.0, max_pause_s: 3600.0, incident_reset_s: 300.0, ",
            "billing_pause: {sleep_s: 2.0, max_pause_s: 9.0, incident_reset_s: 300.0, ",
        ),
        NO_DEADLINE,
    )
    runtime, _, clock = await runtime_for(
        text,
        {
            ("GET", CAPABILITIES): scripted(*[status(402)] * 4, CAPABILITIES_OK),
            ("POST", "/api/v1/retrieve_future"): scripted(status(402)),
        },
    )
    await api.service.get_server_capabilities(runtime.invoker)
    assert clock.sleeps == [2.0] * 4
    with pytest.raises(BillingError):
        await runtime.resolver.resolve("req-1", result_type=dict, request_type="OptimStep")
    assert clock.sleeps == [2.0] * 5
    await runtime.aclose()


async def test_the_poll_backoff_comes_from_the_futures_block() -> None:
    """429s without a hint while polling wait base_s doubling to max_s."""
    text = edited(
        (
            "futures",
            "backoff: {base_s: 1.0, max_s: 30.0, retry_after_max_s: 60.0}",
            "backoff: {base_s: 0.5, max_s: 1.5}",
        ),
        NO_DEADLINE,
    )
    result = json_response(b'{"metrics": {}}')
    runtime, _, clock = await runtime_for(
        text, {("POST", "/api/v1/retrieve_future"): scripted(*[status(429)] * 4, result)}
    )
    assert await runtime.resolver.resolve("r", result_type=dict, request_type="OptimStep") == {
        "metrics": {}
    }
    assert clock.sleeps == [0.5, 1.0, 1.5, 1.5]
    await runtime.aclose()


async def test_the_sampling_backoffs_come_from_their_blocks() -> None:
    """The dispatcher's 429 backoff, its recent window and the sampling retries' backoff."""
    text = edited(
        (
            "sampling_backpressure",
            "backoff_small: {base_s: 1.0, max_s: 1.0}",
            "backoff_small: {base_s: 0.25, max_s: 0.5}",
        ),
        ("sampling_backpressure", "recent_window_s: 10.0", "recent_window_s: 3.0"),
        (
            "retry_sampling",
            "backoff: {base_s: 0.5, max_s: 10.0, jitter: 0.25}",
            "backoff: {base_s: 0.75, max_s: 0.75}",
        ),
    )
    runtime, _, clock = await runtime_for(text, {})
    replies: list[str | None] = [None, None, "accepted"]

    async def submit() -> str | None:
        return replies.pop(0)

    assert await runtime.dispatcher.dispatch(100, submit) == "accepted"
    assert clock.sleeps == [0.25, 0.5]
    clock.advance(2.9)
    assert runtime.dispatcher.backoff_recent()
    clock.advance(0.2)
    assert not runtime.dispatcher.backoff_recent()

    clock.sleeps.clear()
    failures = [RateLimitError("x", status=429)] * 2

    async def sample() -> str:
        if failures:
            raise failures.pop()
        return "sampled"

    handler = runtime.sampling_retries.for_session("s-1")
    assert await handler.execute(sample) == "sampled"
    assert [s for s in clock.sleeps if s < 100] == [0.75, 0.75]  # the watchdog sleeps long
    await runtime.aclose()


async def test_the_telemetry_backoff_comes_from_its_block() -> None:
    """A failing telemetry batch is retried after the block's backoff."""
    text = edited(
        ("telemetry", "backoff: {base_s: 0.5, max_s: 2.0}", "backoff: {base_s: 0.3, max_s: 0.3}")
    )
    runtime, _, clock = await runtime_for(text, {})

    async def failing(batch: list[dict[str, object]]) -> None:
        raise APIConnectionError("down")

    sink = BatchingTelemetry(failing, clock=clock, config=runtime.settings.telemetry)
    sink.emit(TelemetryEvent(event="SESSION_START"))
    await sink.flush()
    assert [s for s in clock.sleeps if s < 5] == [0.3, 0.3]
    assert sink.dropped == 1
    await sink.aclose()
    await runtime.aclose()


def test_a_bad_backoff_in_the_manifest_names_its_block_and_line() -> None:
    """A backoff whose cap is below its base is refused when the manifest loads."""
    text = edited(
        (
            "retry_outer",
            "backoff: {base_s: 1.0, max_s: 30.0, retry_after_max_s: 60.0}",
            "backoff: {base_s: 31.0, max_s: 30.0}",
        )
    )
    line = text.splitlines().index("    backoff: {base_s: 31.0, max_s: 30.0}") + 1
    with pytest.raises(ManifestError, match=rf":{line}: features\.retry_outer\.backoff: .*below"):
        load_manifest(text)


async def test_an_endpoint_uses_the_retry_policy_block_it_names() -> None:
    """A second retry_policy block that retries 404 applies to the endpoint naming it only."""
    standard_start = SHIPPED.index("  retry_standard:\n")
    standard = SHIPPED[standard_start : SHIPPED.index("\n\n", standard_start)]
    patient = standard.replace("retry_standard:", "retry_patient:").replace(
        "[408, 409, 429]", "[404, 408, 409, 429]"
    )
    marker = "    response: GetServerCapabilitiesResponse\n    pool: session\n"
    marker += "    features: [retry_standard, retry_outer]"
    text = edited(
        (None, standard, standard + "\n\n" + patient),
        (None, marker, marker.replace("retry_standard,", "retry_patient,")),
    )
    not_found = status(404)
    runtime, transport, _ = await runtime_for(
        text,
        {
            ("GET", CAPABILITIES): scripted(not_found, CAPABILITIES_OK),
            ("GET", HEALTHZ): scripted(not_found, HEALTHY),
        },
    )
    await api.service.get_server_capabilities(runtime.invoker)
    with pytest.raises(NotFoundError):
        await api.service.healthz(runtime.invoker)
    assert transport.paths().count(CAPABILITIES) == 2
    assert transport.paths().count(HEALTHZ) == 1
    await runtime.aclose()
