"""ServerConfigNegotiator and ServerShapedFlows: the server's terms, learned and applied.

The negotiator talks to an in-memory server through real pipelines; the tests check which
requests it sends, through which pool, and what terms come out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest
from flows_fakes import capture_logger

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport, json_response
from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.bootstrap.adapters import SharedTransportPool
from tinkex.domain.types import ClientConfigResponse, ClientDynamicConfigResponse
from tinkex.errors import InternalServerError
from tinkex.flows.backpressure import BackpressureConfig
from tinkex.flows.features import RetryConfig
from tinkex.flows.first_contact import FirstContact
from tinkex.flows.invoker import PipelineInvoker
from tinkex.flows.negotiation import ServerConfigNegotiator, ServerShapedFlows
from tinkex.flows.sampling_retry import SamplingRetryConfig
from tinkex.ports.server_config import ServerConfigSource, ServerTerms

if TYPE_CHECKING:
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.pool import ConnectionPool

BASE_URL = "http://tinker.test"
CONFIG = "/api/v1/client/config"
DYNAMIC = "/api/v1/client/dynamic_config"


class Harness:
    """A negotiator over an in-memory server; records the pools its pipelines were built on."""

    def __init__(self, *, jwt: bool = False) -> None:
        self.transport = InMemoryTransport()
        self.pool = SharedTransportPool(self.transport)
        self.clock = FakeClock()
        self.pipeline_pools: list[ConnectionPool] = []
        self.adopted: list[ClientConfigResponse] = []
        self.jwt = jwt
        self.logger, self.logs = capture_logger()
        self.negotiator = ServerConfigNegotiator(
            self._pipeline,
            pool=self.pool,
            first_contact=FirstContact(
                BASE_URL, budget_s=5.0, clock=self.clock, logger=self.logger
            ),
            adopt_auth=self._adopt,
            sdk_version="0.38.0",
            logger=self.logger,
        )

    def _pipeline(self, pool: ConnectionPool) -> Invoker:
        self.pipeline_pools.append(pool)
        return PipelineInvoker(
            pool=pool,
            codecs={"json": MsgspecJsonCodec()},
            base_url=BASE_URL,
            auth_headers=(),
            clock=self.clock,
            retry=RetryConfig(max_retries=0),
            outer_retry=None,
            billing=None,
            sdk_version="0.38.0",
        )

    def _adopt(self, config: ClientConfigResponse) -> bool:
        self.adopted.append(config)
        return self.jwt


async def test_a_current_server_yields_its_config_and_dynamic_config() -> None:
    """Both configs are fetched, in order, and come back as the terms."""
    harness = Harness()
    harness.transport.route("POST", CONFIG, lambda r: json_response(b'{"fwdbwd_max_chunk_len": 7}'))
    harness.transport.route(
        "POST", DYNAMIC, lambda r: json_response(b'{"sample_cancel_enabled": true}')
    )
    source: ServerConfigSource = harness.negotiator
    terms = await source.negotiate()
    assert terms.legacy is False
    assert terms.config.fwdbwd_max_chunk_len == 7
    assert terms.dynamic.sample_cancel_enabled is True
    assert harness.transport.paths() == [CONFIG, DYNAMIC]
    sent = msgspec.json.decode(harness.transport.sent[0].body or b"")
    assert sent == {"sdk_version": "0.38.0"}
    assert harness.adopted == [terms.config]
    # One pipeline, over the pool the first-contact bound watches (not the bare pool).
    assert len(harness.pipeline_pools) == 1
    assert harness.pipeline_pools[0] is not harness.pool


async def test_a_server_asking_for_jwts_gets_the_rest_through_a_fresh_pipeline() -> None:
    """When the credentials switch, the dynamic config goes through a new pipeline."""
    harness = Harness(jwt=True)
    harness.transport.route("POST", CONFIG, lambda r: json_response(b'{"pjwt_auth_enabled": true}'))
    harness.transport.route("POST", DYNAMIC, lambda r: json_response(b"{}"))
    terms = await harness.negotiator.negotiate()
    assert terms.config.pjwt_auth_enabled is True
    assert len(harness.pipeline_pools) == 2
    assert harness.pipeline_pools[1] is harness.pool  # the server has answered: no watch
    assert harness.transport.paths() == [CONFIG, DYNAMIC]


async def test_a_legacy_server_gets_the_defaults_and_no_dynamic_config() -> None:
    """A 404 on /client/config: defaults, legacy, one warning, nothing else sent."""
    harness = Harness()
    harness.transport.route(
        "POST", CONFIG, lambda r: json_response(b'{"detail": "Not Found"}', status=404)
    )
    terms = await harness.negotiator.negotiate()
    assert terms == ServerTerms(
        config=ClientConfigResponse(), dynamic=ClientDynamicConfigResponse(), legacy=True
    )
    assert harness.transport.paths() == [CONFIG]
    assert harness.adopted == []
    assert [e["event"] for e in harness.logs.entries] == ["server_config.legacy"]


async def test_a_missing_dynamic_config_falls_back_to_its_defaults() -> None:
    """A 404 on /client/dynamic_config alone keeps the current wire and default flags."""
    harness = Harness()
    harness.transport.route("POST", CONFIG, lambda r: json_response(b"{}"))
    harness.transport.route("POST", DYNAMIC, lambda r: json_response(b"{}", status=404))
    terms = await harness.negotiator.negotiate()
    assert terms.legacy is False
    assert terms.dynamic == ClientDynamicConfigResponse()


async def test_other_failures_of_the_exchange_reach_the_caller() -> None:
    """A 500 on /client/config is not mistaken for a legacy server."""
    harness = Harness()
    harness.transport.route("POST", CONFIG, lambda r: json_response(b"{}", status=500))
    with pytest.raises(InternalServerError):
        await harness.negotiator.negotiate()


def _shaped(config: ClientConfigResponse, *, batch_polled: bool) -> ServerShapedFlows:
    logger, _ = capture_logger()
    return ServerShapedFlows(
        ServerTerms(config=config, dynamic=ClientDynamicConfigResponse()),
        backpressure=BackpressureConfig(),
        sampling_retry=SamplingRetryConfig(),
        batch_polled=batch_polled,
        clock=FakeClock(),
        logger=logger,
    )


def test_the_servers_budgets_reach_the_flows_they_limit() -> None:
    """Byte budgets, the connection limit and the retry switches come from the config."""
    config = ClientConfigResponse(
        fwdbwd_dispatch_bytes_semaphore_size=1234,
        sample_dispatch_bytes_semaphore_size=5678,
        sample_max_concurrent_requests=3,
        sample_enable_stuck_detection=False,
        sample_no_retries=True,
    )
    flows = _shaped(config, batch_polled=False)
    assert flows.fwdbwd_bytes.capacity == 1234
    assert flows.dispatcher.config.bytes_budget == 5678
    retry = flows.sampling_retries.for_session("s").config
    assert retry.max_connections == 3
    assert retry.enable_stuck_detection is False
    assert retry.enable_retry_logic is False


def test_batch_polled_samples_get_no_connection_limit() -> None:
    """Samples waiting on the batch poller hold no connection: the limit is lifted."""
    flows = _shaped(ClientConfigResponse(sample_max_concurrent_requests=3), batch_polled=True)
    assert flows.sampling_retries.for_session("s").config.max_connections is None
