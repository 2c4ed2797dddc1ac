from __future__ import annotations

import msgspec
import numpy as np
from local_wire import PROTO, LocalWire, fwdbwd_json, fwdbwd_proto

from tinkex.proto.wire import decode_forward_backward_output


async def test_forward_backward_proto_then_optim_step_reduces_loss(wire: LocalWire) -> None:
    """A proto forward_backward + optim_step lowers the loss reported by a later forward."""
    session = await wire.session()
    model = await wire.model(session)
    texts = [b"hello world", b"tiny models learn fast"]
    losses = []
    seq = 1
    for _ in range(3):
        status, _, raw = await wire.call(
            "POST",
            "/api/v1/forward_backward",
            fwdbwd_proto(model, seq, texts),
            headers={"Content-Type": PROTO},
        )
        assert status == 200, raw
        request_id = msgspec.json.decode(raw)["request_id"]
        status, headers, body = await wire.result(request_id, accept=PROTO)
        assert headers["content-type"] == PROTO
        out = decode_forward_backward_output(body)
        losses.append(out.metrics["loss:sum"])
        assert [len(o["logprobs"]) for o in out.loss_fn_outputs] == [10, 21]
        status, reply = await wire.json(
            "POST",
            "/api/v1/optim_step",
            {"model_id": model, "seq_id": seq + 1, "adam_params": {"learning_rate": 0.05}},
        )
        optim = await wire.result_json(reply["request_id"])
        assert "metrics" in optim
        seq += 2
    assert losses[-1] < losses[0]


async def test_json_forward_backward_with_wrapper_is_accepted_in_normal_mode(
    wire: LocalWire,
) -> None:
    """A JSON-era forward_backward body gives the same logprobs as the proto body."""
    session = await wire.session()
    model = await wire.model(session)
    _, reply = await wire.json("POST", "/api/v1/forward", fwdbwd_json(model, 1, [b"abcdef"]))
    as_json = await wire.result_json(reply["request_id"])
    status, _, raw = await wire.call(
        "POST",
        "/api/v1/forward_backward",
        fwdbwd_proto(model, 2, [b"abcdef"], forward_only=True, zstd=True),
        headers={"Content-Type": PROTO, "Content-Encoding": "zstd"},
    )
    assert status == 200, raw
    _, _, body = await wire.result(msgspec.json.decode(raw)["request_id"], accept=PROTO)
    proto_lp = decode_forward_backward_output(body).loss_fn_outputs[0]["logprobs"]
    json_lp = as_json["loss_fn_outputs"][0]["logprobs"]
    assert json_lp["dtype"] == "float32"
    assert json_lp["shape"] == [5]
    np.testing.assert_allclose(json_lp["data"], proto_lp, rtol=1e-6)
    assert set(as_json) == {"loss_fn_output_type", "loss_fn_outputs", "metrics"}
