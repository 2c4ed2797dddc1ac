from __future__ import annotations

import msgspec
import numpy as np
from local_wire import LocalWire, fwdbwd_json

TEXTS = [b"ordering matters here"]


async def _submit(wire: LocalWire, path: str, body: object, key: str | None = None) -> str:
    headers = {"X-Idempotency-Key": key} if key else None
    status, reply = await wire.json("POST", path, body, headers=headers)
    assert status == 200, reply
    return str(reply["request_id"])


def _optim(model: str, seq: int | None) -> dict[str, object]:
    body: dict[str, object] = {"model_id": model, "adam_params": {"learning_rate": 0.1}}
    if seq is not None:
        body["seq_id"] = seq
    return body


async def _logprobs(wire: LocalWire, model: str, seq: int) -> list[float]:
    body = fwdbwd_json(model, seq, TEXTS, wrapper="forward_input")
    result = await wire.result_json(await _submit(wire, "/api/v1/forward", body))
    return list(result["loss_fn_outputs"][0]["logprobs"]["data"])


async def test_out_of_order_arrivals_are_applied_in_seq_order(wire: LocalWire) -> None:
    """optim_step (seq 2) sent before forward_backward (seq 1) waits and applies after it."""
    session = await wire.session()
    in_order, reordered = await wire.model(session, 0), await wire.model(session, 1)
    fb = "/api/v1/forward_backward"
    await wire.result_json(await _submit(wire, fb, fwdbwd_json(in_order, 1, TEXTS)))
    await wire.result_json(await _submit(wire, "/api/v1/optim_step", _optim(in_order, 2)))
    expected = await _logprobs(wire, in_order, 3)

    optim_id = await _submit(wire, "/api/v1/optim_step", _optim(reordered, 2))
    status, _, raw = await wire.call(
        "POST", "/api/v1/retrieve_future", {"request_id": optim_id, "allow_metadata_only": True}
    )
    assert status == 200
    assert msgspec.json.decode(raw) == {
        "type": "try_again",
        "request_id": optim_id,
        "queue_state": "active",
    }
    await wire.result_json(await _submit(wire, fb, fwdbwd_json(reordered, 1, TEXTS)))
    await wire.result_json(optim_id)
    got = await _logprobs(wire, reordered, 3)
    np.testing.assert_array_equal(got, expected)
    untouched = await wire.model(session, 2)
    assert await _logprobs(wire, untouched, 1) != expected


async def test_retry_with_same_idempotency_key_is_applied_once(wire: LocalWire) -> None:
    """A repeated POST with the same key gets the same request id and is not re-applied."""
    session = await wire.session()
    once, retried, twice = [await wire.model(session, i) for i in range(3)]
    body_once = fwdbwd_json(once, 0, TEXTS)
    del body_once["seq_id"]
    await wire.result_json(await _submit(wire, "/api/v1/forward_backward", body_once))

    body = fwdbwd_json(retried, 0, TEXTS)
    del body["seq_id"]
    first = await _submit(wire, "/api/v1/forward_backward", body, key="k-1")
    second = await _submit(wire, "/api/v1/forward_backward", body, key="k-1")
    assert first == second
    await wire.result_json(first)

    body_twice = fwdbwd_json(twice, 0, TEXTS)
    del body_twice["seq_id"]
    for key in ("a", "b"):
        await wire.result_json(await _submit(wire, "/api/v1/forward_backward", body_twice, key))
    for model in (once, retried, twice):
        # Adam's first step ignores gradient scale, so mix in a second, different gradient.
        other = fwdbwd_json(model, 0, [b"another text entirely"])
        del other["seq_id"]
        await wire.result_json(await _submit(wire, "/api/v1/forward_backward", other))
        await wire.result_json(await _submit(wire, "/api/v1/optim_step", _optim(model, None)))
    assert await _logprobs(wire, retried, 0) == await _logprobs(wire, once, 0)
    assert await _logprobs(wire, twice, 0) != await _logprobs(wire, once, 0)


async def test_repeated_seq_id_returns_the_first_future(wire: LocalWire) -> None:
    """A resubmission with a new key but the same seq_id is recognised as the same request."""
    session = await wire.session()
    model = await wire.model(session)
    body = fwdbwd_json(model, 1, TEXTS)
    first = await _submit(wire, "/api/v1/forward_backward", body, key="x")
    second = await _submit(wire, "/api/v1/forward_backward", body, key="y")
    assert first == second
