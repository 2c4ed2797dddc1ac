"""The `futures` block spells the poll exchange: editing a field name changes what is read.

Each test loads an edited copy of the shipped manifest, builds a `Runtime` over an in-memory
server and resolves one future, as `test_manifest_retry_fields.py` does for the retry blocks.
"""

from __future__ import annotations

import json

import pytest
from test_manifest_retry_fields import NO_DEADLINE, SHIPPED, edited, runtime_for, scripted

from tinkex.adapters.memory import json_response
from tinkex.domain.types import SampleResponse
from tinkex.errors import RequestFailedError

RETRIEVE = ("POST", "/api/v1/retrieve_future")
RESULT = json_response(b'{"metrics": {"loss:sum": 1.5}}')


async def resolve(manifest_text: str, *answers: bytes) -> tuple[object, int]:
    """Resolve one future whose polls get `answers` then the result; (result, polls sent)."""
    replies = [json_response(body) for body in answers]
    runtime, transport, _ = await runtime_for(manifest_text, {RETRIEVE: scripted(*replies, RESULT)})
    try:
        result = await runtime.resolver.resolve("req-1", result_type=dict, request_type="Sample")
    finally:
        await runtime.aclose()
    return result, transport.paths().count(RETRIEVE[1])


async def test_the_try_again_spelling_is_the_blocks() -> None:
    """A server that says "pending" in `state`: polled again only when the block says so."""
    pending = json.dumps({"state": "pending"}).encode()
    # Shipped spelling (type: try_again): a {"state": "pending"} body is taken as the result.
    result, polls = await resolve(edited(NO_DEADLINE), pending)
    assert (result, polls) == ({"state": "pending"}, 1)
    respelled = edited(
        NO_DEADLINE,
        ("futures", "try_again_field: type", "try_again_field: state"),
        ("futures", "try_again_value: try_again", "try_again_value: pending"),
    )
    result, polls = await resolve(respelled, pending, pending)
    assert (result, polls) == ({"metrics": {"loss:sum": 1.5}}, 3)


async def test_the_error_field_is_the_blocks() -> None:
    """A failure reported under another field name fails the future only when declared."""
    failed = json.dumps({"problem": "bad datum", "category": "user"}).encode()
    result, _ = await resolve(edited(NO_DEADLINE), failed)
    assert result == {"problem": "bad datum", "category": "user"}
    respelled = edited(NO_DEADLINE, ("futures", "error_field: error", "error_field: problem"))
    with pytest.raises(RequestFailedError, match="bad datum"):
        await resolve(respelled, failed)


async def test_the_poll_headers_are_the_blocks() -> None:
    """The iteration header carries the name the block gives it (default: the official)."""
    results = "    protobuf_results: [ForwardBackwardOutput, SampleResponse]"
    respelled = edited(
        NO_DEADLINE, ("futures", results, results + "\n    iteration_header: X-Poll")
    )
    runtime, transport, _ = await runtime_for(respelled, {RETRIEVE: scripted(RESULT)})
    try:
        await runtime.resolver.resolve("req-1", result_type=dict, request_type="Sample")
    finally:
        await runtime.aclose()
    poll = next(r for r in transport.sent if r.url.endswith(RETRIEVE[1]))
    assert poll.header("X-Poll") == "0"
    assert poll.header("X-Tinker-Request-Iteration") is None
    assert "iteration_header" not in SHIPPED  # the shipped manifest keeps the default


async def _accept_of_poll(manifest_text: str, result_type: type) -> str | None:
    runtime, transport, _ = await runtime_for(manifest_text, {RETRIEVE: scripted(RESULT)})
    try:
        await runtime.resolver.resolve("req-1", result_type=result_type, request_type="Sample")
    except Exception:  # noqa: BLE001  # a JSON body read as protobuf: only the ask matters
        pass
    finally:
        await runtime.aclose()
    poll = next(r for r in transport.sent if r.url.endswith(RETRIEVE[1]))
    return poll.header("Accept")


async def test_protobuf_results_pick_which_results_are_asked_for_as_protobuf() -> None:
    """A result type listed in `protobuf_results` is polled with the protobuf Accept header."""
    results = "    protobuf_results: [ForwardBackwardOutput, SampleResponse]"
    shipped_accept = await _accept_of_poll(edited(NO_DEADLINE), SampleResponse)
    dropped = edited(NO_DEADLINE, ("futures", results, "    protobuf_results: []"))
    assert shipped_accept == "application/x-protobuf"
    assert await _accept_of_poll(dropped, SampleResponse) == "application/json"


async def test_the_retrieve_endpoint_is_the_blocks() -> None:
    """Futures are polled through the endpoint the block names, not a hard-coded one."""
    moved = edited(
        NO_DEADLINE,
        ("futures", "retrieve_endpoint: futures.retrieve\n", "retrieve_endpoint: futures.cancel\n"),
    )
    cancel_path = ("POST", "/api/v1/cancel_future")
    runtime, transport, _ = await runtime_for(moved, {cancel_path: scripted(RESULT)})
    try:
        result = await runtime.resolver.resolve("req-1", result_type=dict, request_type="Sample")
    finally:
        await runtime.aclose()
    assert result == {"metrics": {"loss:sum": 1.5}}
    assert cancel_path[1] in transport.paths()
    assert RETRIEVE[1] not in transport.paths()
