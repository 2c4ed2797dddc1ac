"""The manifest's batch_futures block drives the runtime's batch poller (edit it, see the change).

A `Runtime` is built from an edited copy of the shipped ``tinker.yaml`` over an in-memory
server whose client config turns batch polling on; one sample is submitted and resolved.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from tinkex import api
from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport, json_response
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.bootstrap.compose import compose
from tinkex.config import load_config
from tinkex.domain.types import ModelInput, SampleRequest, SamplingParams, UntypedAPIFuture
from tinkex.flows.polling_state import SessionFuturesError
from tinkex.manifest.loader import load_manifest

if TYPE_CHECKING:
    from tinkex.ports.transport import HttpRequest, HttpResponse

SHIPPED = (Path(__file__).resolve().parents[3] / "tinkex" / "manifest" / "tinker.yaml").read_text(
    encoding="utf-8"
)
BLOCK = "  batch_futures:\n"
SHIPPED_BACKOFF = "backoff: {base_s: 1.0, max_s: 10.0, retry_after_max_s: 60.0}"
NO_DEADLINE = ("futures", "default_deadline_s: 3600.0", "default_deadline_s: null")
FINISHED = {
    "completions": [
        {"state": "finished", "request_id": "req-1", "response_payload_uncompressed_size": 16}
    ],
    "cursor": 1,
}


def edited(*edits: tuple[str, str, str]) -> str:
    """The shipped manifest with `old` replaced by `new` inside each named feature block."""
    text = SHIPPED
    for block, old, new in edits:
        start = text.index(f"\n  {block}:\n")
        end = text.index("\n\n", start + 1)
        section = text[start:end]
        assert section.count(old) == 1, (block, old)
        text = text[:start] + section.replace(old, new) + text[end:]
    return text


def reply(payload: object, status: int = 200) -> HttpResponse:
    return json_response(msgspec.json.encode(payload), status=status)


class Server:
    """An in-memory server offering batch polling; polls answer from a script."""

    def __init__(self, *poll_replies: HttpResponse) -> None:
        self.transport = InMemoryTransport()
        self.polls = list(poll_replies)
        flags = {"sample_use_retrieve_futures": True}
        self.transport.route("POST", r"/api/v1/client/config", lambda r: reply(flags))
        self.transport.route("POST", r"/api/v1/client/dynamic_config", lambda r: reply({}))
        self.transport.route("POST", r"/api/v1/asample", lambda r: reply({"request_id": "req-1"}))
        self.transport.route("POST", r"/api/v1/retrieve_futures", self._poll)
        self.transport.route("POST", r"/api/v1/retrieve_future", lambda r: reply({"sequences": []}))

    def _poll(self, request: HttpRequest) -> HttpResponse:
        return self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]

    def sent(self, path: str) -> list[HttpRequest]:
        return [r for r in self.transport.sent if r.url.endswith(path)]


async def sample(manifest_text: str, server: Server) -> tuple[Any, FakeClock]:
    """Submit one sample through a runtime built from `manifest_text`; resolve it."""
    clock = FakeClock()
    adapters = Adapters(
        pool=SharedTransportPool(server.transport),
        clock=clock,
        base_url="http://tinker.test",
        threaded_heartbeat=False,
    )
    config = load_config(
        api_key="tml-test-key", base_url="http://tinker.test", telemetry=False, env={}
    )
    runtime = compose(config, adapters=adapters, manifest=load_manifest(manifest_text))
    await runtime.start(create_session=False)
    clock.sleeps.clear()
    request = SampleRequest(
        prompt=ModelInput.from_ints([1, 2]),
        sampling_params=SamplingParams(max_tokens=2),
        sampling_session_id="sess-1:sample:0",
        seq_id=0,
    )
    try:
        accepted = await runtime.invoker.invoke(
            api.sampling.ASAMPLE, request, response_type=UntypedAPIFuture
        )
        result = await runtime.resolver.resolve(
            accepted.request_id, result_type=dict, request_type="Sample", accept_protobuf=False
        )
    finally:
        await runtime.aclose()
    return result, clock


async def test_the_poll_timeouts_and_backoff_come_from_the_block() -> None:
    """Edited timeouts reach the polls' headers; the edited backoff spaces the retries."""
    text = edited(
        NO_DEADLINE,
        ("batch_futures", "timeout_s: 45.0", "timeout_s: 7.0"),
        ("batch_futures", "ack_timeout_s: 5.0", "ack_timeout_s: 3.0"),
        ("batch_futures", SHIPPED_BACKOFF, "backoff: {base_s: 0.25, max_s: 0.5}"),
    )
    server = Server(reply({}, 503), reply({}, 503), reply({}, 503), reply(FINISHED))
    result, clock = await sample(text, server)
    assert result == {"sequences": []}
    assert clock.sleeps == [0.25, 0.5, 0.5]
    timeouts = [r.header("x-stainless-read-timeout") for r in server.sent("/retrieve_futures")]
    assert timeouts == ["7", "7", "7", "7", "3"]  # four long polls, then the ack
    assert len(server.sent("/retrieve_future")) == 1


async def test_as_shipped_polls_wait_45_s_acks_5_s_and_failures_back_off_1_then_2_s() -> None:
    """The shipped block: 45 s long polls, 5 s acks, 1 s then 2 s after failed polls."""
    server = Server(reply({}, 503), reply({}, 503), reply(FINISHED))
    _, clock = await sample(edited(NO_DEADLINE), server)
    assert clock.sleeps == [1.0, 2.0]
    timeouts = [r.header("x-stainless-read-timeout") for r in server.sent("/retrieve_futures")]
    assert timeouts == ["45", "45", "45", "5"]


async def test_the_bad_request_budget_comes_from_the_block() -> None:
    """max_bad_request_retries 0: the first 400 fails the sample with the typed error."""
    text = edited(
        NO_DEADLINE, ("batch_futures", "max_bad_request_retries: 3", "max_bad_request_retries: 0")
    )
    server = Server(reply({}, 400), reply(FINISHED))
    with pytest.raises(SessionFuturesError, match="sess-1:sample:0"):
        await sample(text, server)
    assert len(server.sent("/retrieve_futures")) == 1


async def test_a_disabled_block_keeps_every_sample_on_per_future_polling() -> None:
    """enabled: false: the server's flag is ignored, the sample polls retrieve_future itself."""
    text = edited(
        NO_DEADLINE,
        ("batch_futures", "type: batch_futures", "type: batch_futures\n    enabled: false"),
    )
    server = Server(reply(FINISHED))
    result, _ = await sample(text, server)
    assert result == {"sequences": []}
    assert server.sent("/retrieve_futures") == []
