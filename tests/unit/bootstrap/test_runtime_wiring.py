"""The composition root: manifest features reach the pipeline, runtimes are independent."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tinkex import api
from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport, json_response
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.bootstrap.compose import compose
from tinkex.bootstrap.settings import read_feature_settings
from tinkex.config import load_config
from tinkex.errors import ClosedError, InternalServerError
from tinkex.flows.circuit_breaker import CircuitOpenError
from tinkex.manifest.loader import load_manifest

if TYPE_CHECKING:
    from tinkex.bootstrap.runtime import Runtime
    from tinkex.ports.transport import HttpRequest

SHIPPED = Path(__file__).resolve().parents[3] / "tinkex" / "manifest" / "tinker.yaml"


def _manifest_with_breaker_on_capabilities() -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace(
        "  circuit_breaker:\n    type: circuit_breaker\n    # Opt-in; attach to an endpoint to "
        "stop calling it after repeated failures.\n    enabled: false",
        "  circuit_breaker:\n    type: circuit_breaker\n    # Opt-in; attach to an endpoint to "
        "stop calling it after repeated failures.\n    enabled: true",
    )
    marker = "    response: GetServerCapabilitiesResponse\n    pool: session\n"
    marker += "    features: [retry_standard, retry_outer]"
    assert marker in text
    return text.replace(marker, marker.replace("retry_outer]", "retry_outer, circuit_breaker]"))


def _server() -> InMemoryTransport:
    transport = InMemoryTransport()
    transport.route("POST", r"/api/v1/client/config", lambda r: json_response(b"{}"))
    transport.route("POST", r"/api/v1/client/dynamic_config", lambda r: json_response(b"{}"))
    transport.route(
        "POST",
        r"/api/v1/create_session",
        lambda r: json_response(b'{"type":"create_session","session_id":"s-1"}'),
    )
    transport.route("POST", r"/api/v1/sessions/s-1/finish", lambda r: json_response(b"{}"))
    transport.route(
        "GET", r"/api/v1/get_server_capabilities", lambda r: json_response(b"{}", status=500)
    )
    return transport


def _runtime(transport: InMemoryTransport, manifest_text: str | None = None) -> Runtime:
    adapters = Adapters(
        pool=SharedTransportPool(transport),
        clock=FakeClock(),
        base_url="http://tinker.test",
        threaded_heartbeat=False,
    )
    manifest = load_manifest(manifest_text) if manifest_text is not None else None
    config = load_config(api_key="tml-test-key", base_url="http://tinker.test", env={})
    return compose(config, adapters=adapters, manifest=manifest)


def test_manifest_feature_blocks_become_flow_configs() -> None:
    """Values in the manifest's feature blocks are what the flows are configured with."""
    text = SHIPPED.read_text(encoding="utf-8").replace("budget_s: 300.0", "budget_s: 42.0")
    settings = read_feature_settings(load_manifest(text))
    assert settings.outer_retry.budget_s == 42.0
    assert settings.futures.poll_timeout_s == 45.0
    assert settings.backpressure.max_concurrent == 400
    assert settings.circuit_breakers == {}


async def test_two_runtimes_with_different_manifests_coexist() -> None:
    """A breaker attached in one manifest trips there, while the other runtime keeps sending."""
    guarded_server, plain_server = _server(), _server()
    guarded = _runtime(guarded_server, _manifest_with_breaker_on_capabilities())
    plain = _runtime(plain_server)
    await guarded.start()
    await plain.start()
    with pytest.raises(CircuitOpenError):
        await api.service.get_server_capabilities(guarded.invoker)
    with pytest.raises(InternalServerError):
        await api.service.get_server_capabilities(plain.invoker)
    guarded_calls = guarded_server.paths().count("/api/v1/get_server_capabilities")
    plain_calls = plain_server.paths().count("/api/v1/get_server_capabilities")
    assert guarded_calls == 5  # the breaker's failure threshold
    assert plain_calls > guarded_calls
    await guarded.aclose()
    await plain.aclose()


async def test_server_without_client_config_gets_the_json_wire() -> None:
    """A 404 on /client/config means a JSON-era server: defaults, legacy mode, no finish call."""
    transport = _server()
    transport.route(
        "POST", r"/api/v1/client/config", lambda r: json_response(b'{"detail":"x"}', status=404)
    )
    runtime = _runtime(transport)
    await runtime.start()
    assert runtime.legacy
    assert runtime.server_config.fwdbwd_max_chunk_len == 1024
    await runtime.aclose()
    assert "/api/v1/client/dynamic_config" not in transport.paths()
    assert "/api/v1/sessions/s-1/finish" not in transport.paths()


async def test_close_finishes_the_session_then_closes_transports_once() -> None:
    """aclose sends finish, closes the pool and runs extra closers; a second call is a no-op."""
    transport = _server()
    closed: list[str] = []

    async def closer() -> None:
        closed.append("backend")

    adapters = Adapters(
        pool=SharedTransportPool(transport),
        clock=FakeClock(),
        base_url="http://tinker.test",
        threaded_heartbeat=False,
        closers=[closer],
    )
    config = load_config(api_key="tml-test-key", base_url="http://tinker.test", env={})
    runtime = compose(config, adapters=adapters)
    await runtime.start()
    await runtime.aclose()
    await runtime.aclose()
    assert transport.paths().count("/api/v1/sessions/s-1/finish") == 1
    assert transport.closed
    assert closed == ["backend"]


async def test_requests_carry_the_api_key_but_the_runtime_never_shows_it() -> None:
    """Every request authenticates; the key appears in no repr of the runtime's config."""
    transport = _server()
    runtime = _runtime(transport)
    await runtime.start()
    await runtime.aclose()
    sent: list[HttpRequest] = transport.sent
    assert all(request.header("X-API-Key") == "tml-test-key" for request in sent)
    assert "tml-test-key" not in repr(runtime.config)


async def test_nothing_that_depends_on_the_servers_terms_is_visible_before_start() -> None:
    """Before start, every member the terms shape refuses; after it, all agree with them."""
    transport = _server()
    transport.route(
        "POST",
        r"/api/v1/client/config",
        lambda r: json_response(
            b'{"sample_dispatch_bytes_semaphore_size": 4096, "proto_compress_fwdbwd": true}'
        ),
    )
    runtime = _runtime(transport)
    shaped = (
        "invoker",
        "resolver",
        "session",
        "server_config",
        "legacy",
        "dispatcher",
        "sampling_retries",
        "fwdbwd_bytes",
        "fwdbwd_content_encoding",
        "telemetry",
    )
    for name in shaped:
        with pytest.raises(ClosedError):
            getattr(runtime, name)
    assert transport.sent == []  # building the stack sent nothing
    await runtime.start()
    assert runtime.server_config.sample_dispatch_bytes_semaphore_size == 4096
    assert runtime.dispatcher.config.bytes_budget == 4096
    assert runtime.fwdbwd_content_encoding == "zstd"
    assert await runtime.session_id() == "s-1"
    await runtime.aclose()
