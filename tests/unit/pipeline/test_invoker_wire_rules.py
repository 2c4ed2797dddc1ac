"""Smaller wire rules of the pipeline: edge-proxy resets, deprecation notes, fresh credentials."""

from __future__ import annotations

import pytest
import structlog
from pipeline_fakes import API_KEY, CREATE_MODEL, Created, make_invoker, ok, scripted, status
from structlog.testing import capture_logs

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport
from tinkex.errors import APIConnectionError, BadRequestError
from tinkex.flows.features import RetryConfig
from tinkex.flows.retrying import CLOUDFLARE_RESET_BUDGET, PreparedRequest
from tinkex.ports.endpoint import EndpointSpec
from tinkex.ports.transport import HttpResponse

PATH = ".*/create_model"
EDGE_RESET = HttpResponse(status=400, headers={"content-length": "0"})


def transport_with(*responses: HttpResponse | BaseException) -> InMemoryTransport:
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(*responses))
    return transport


async def test_an_edge_proxy_reset_is_retried_as_a_connection_error() -> None:
    """A 400 with content-length 0 and no body is retried; a real 400 is not."""
    transport = transport_with(EDGE_RESET, ok())
    result = await make_invoker(transport, FakeClock()).invoke(
        CREATE_MODEL, {}, response_type=Created
    )
    assert result.model_id == "m-1"
    assert len(transport.sent) == 2
    transport = transport_with(status(400), ok())
    with pytest.raises(BadRequestError):
        await make_invoker(transport, FakeClock()).invoke(CREATE_MODEL, {}, response_type=Created)


async def test_edge_proxy_resets_are_bounded_by_a_budget() -> None:
    """Once the budget is spent the empty 400 surfaces as BadRequestError."""
    spec = EndpointSpec(name="x.y", method="POST", path="/api/v1/create_model", max_retries=0)
    transport = transport_with(EDGE_RESET)
    invoker = make_invoker(transport, FakeClock())
    for _ in range(CLOUDFLARE_RESET_BUDGET):
        with pytest.raises(APIConnectionError):
            await invoker.invoke(spec, {}, response_type=Created)
    with pytest.raises(BadRequestError):
        await invoker.invoke(spec, {}, response_type=Created)


async def test_client_max_retries_caps_the_endpoint_setting() -> None:
    """RetryConfig.max_retries=1 limits a 10-retry endpoint to two attempts."""
    transport = transport_with(status(503))
    invoker = make_invoker(transport, FakeClock(), retry=RetryConfig(max_retries=1))
    with pytest.raises(Exception, match="503"):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert len(transport.sent) == 2


@pytest.mark.parametrize(("level", "expected"), [("error", "error"), ("", "warning")])
async def test_deprecation_notes_are_logged_at_the_level_the_server_asks(
    level: str, expected: str
) -> None:
    """x-deprecation-note is logged, at ERROR when x-deprecation-level says so."""
    headers = {"x-deprecation-note": "use v2", "x-deprecation-level": level}
    transport = transport_with(ok(**headers))
    invoker = make_invoker(transport, FakeClock(), logger=structlog.get_logger())
    with capture_logs() as logs:
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    (note,) = [e for e in logs if e["event"] == "http.deprecation"]
    assert note["log_level"] == expected
    assert note["note"] == "use v2"


async def test_auth_provider_refreshes_credentials_on_every_attempt() -> None:
    """Each attempt asks the provider; its header replaces the static credential."""
    tokens = iter(["eyJ.first", "eyJ.second"])

    async def provider() -> list[tuple[str, str]]:
        return [("X-API-Key", next(tokens))]

    transport = transport_with(status(500), ok())
    invoker = make_invoker(transport, FakeClock(), auth_provider=provider)
    await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert [r.header("X-API-Key") for r in transport.sent] == ["eyJ.first", "eyJ.second"]
    assert all(API_KEY not in v for r in transport.sent for _, v in r.headers)


async def test_caller_credentials_are_not_replaced_by_the_provider() -> None:
    """A header the caller passes explicitly wins over the provider's."""

    async def provider() -> list[tuple[str, str]]:
        return [("X-API-Key", "eyJ.jwt")]

    transport = transport_with(ok())
    invoker = make_invoker(transport, FakeClock(), auth_provider=provider)
    await invoker.invoke(CREATE_MODEL, {}, response_type=Created, headers={"x-api-key": "raw"})
    assert transport.sent[0].header("X-API-Key") == "raw"


def test_prepared_request_repr_hides_headers() -> None:
    """The prepared request's repr names the endpoint and URL, never the credentials."""
    prepared = PreparedRequest(
        endpoint=CREATE_MODEL,
        url="https://h/api/v1/create_model?x=1",
        body=None,
        headers=(("X-API-Key", API_KEY),),
        path="/api/v1/create_model",
    )
    assert API_KEY not in repr(prepared)
    assert "service.create_model" in repr(prepared)
