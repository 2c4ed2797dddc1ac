"""Turn forward/backward request bodies (protobuf or either JSON era) into model inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tinkex.domain.limits import (
    MAX_LOSS_INPUT_ELEMENTS_PER_REQUEST,
    MAX_TRAINING_TOKENS_PER_REQUEST,
)
from tinkex.local.checks import check_token_ids
from tinkex.local.codec import Fields, decode_json, parse_model_input, parse_tensor
from tinkex.local.model import DatumArrays
from tinkex.local.reply import HttpError
from tinkex.proto.wire import (
    ProtoDatum,
    ProtoDecodeError,
    SparseCsrArray,
    TextChunk,
    decode_forward_backward_request,
)

__all__ = ["ForwardBackwardCall", "parse_forward_backward"]


@dataclass(frozen=True)
class ForwardBackwardCall:
    """A decoded forward or forward_backward request.

    Attributes:
        model_id: Target model.
        seq_id: Position in the model's request order (None when not sent).
        data: The examples.
        loss_fn: Loss name.
        loss_fn_config: Loss configuration, or None.
        forward_only: True for ``forward``.
    """

    model_id: str
    seq_id: int | None
    data: list[DatumArrays]
    loss_fn: str
    loss_fn_config: dict[str, float | str] | None
    forward_only: bool


class _Budget:
    """What is left of one request's allowance of tokens or loss-input elements."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.left = limit
        self.what = what

    def take(self, count: int, where: str) -> None:
        """Spend `count`, refusing with 400 once the request's total passes the limit."""
        self.left -= count
        if self.left < 0:
            raise HttpError(
                400, f"{where}: the request holds more than {self.limit} {self.what} (the limit)"
            )


def _dense(value: np.ndarray | SparseCsrArray, where: str, budget: _Budget) -> np.ndarray:
    if isinstance(value, SparseCsrArray):
        budget.take(math.prod(value.shape), where)
        dense = np.zeros(value.shape, dtype=value.values.dtype)
        crow, col = value.crow_indices, value.col_indices
        for row in range(value.shape[0]):
            dense[row, col[crow[row] : crow[row + 1]]] = value.values[crow[row] : crow[row + 1]]
        return dense
    budget.take(value.size, where)
    return np.asarray(value)


def _from_proto(
    datum: ProtoDatum, where: str, tokens_left: _Budget, inputs_left: _Budget
) -> DatumArrays:
    tokens: list[np.ndarray] = []
    for i, chunk in enumerate(datum.chunks):
        if not isinstance(chunk, TextChunk):
            kind = type(chunk).__name__
            raise HttpError(400, f"{where}.model_input[{i}]: {kind} is not supported locally")
        check_token_ids(chunk.tokens, f"{where}.model_input[{i}].tokens")
        tokens_left.take(len(chunk.tokens), f"{where}.model_input[{i}]")
        tokens.append(np.asarray(chunk.tokens, dtype=np.int64))
    flat = np.concatenate(tokens) if tokens else np.zeros(0, dtype=np.int64)
    inputs = {
        name: _dense(value, f"{where}.loss_fn_inputs.{name}", inputs_left)
        for name, value in datum.loss_fn_inputs.items()
    }
    return DatumArrays(tokens=flat, loss_fn_inputs=inputs)


def _from_json(obj: object, where: str, tokens_left: _Budget, inputs_left: _Budget) -> DatumArrays:
    datum = Fields(obj, where)
    tokens = parse_model_input(datum.sub("model_input"), f"{where}.model_input")
    tokens_left.take(tokens.shape[0], f"{where}.model_input")
    inputs_obj = datum.sub("loss_fn_inputs")
    inputs: dict[str, np.ndarray] = {}
    if inputs_obj is not None:
        for name, tensor in inputs_obj.raw.items():
            at = f"{where}.loss_fn_inputs.{name}"
            inputs[name] = parse_tensor(Fields(tensor, at), max_elements=max(inputs_left.left, 0))
            inputs_left.take(inputs[name].size, at)
    return DatumArrays(tokens=tokens, loss_fn_inputs=inputs)


def _budgets() -> tuple[_Budget, _Budget]:
    return (
        _Budget(MAX_TRAINING_TOKENS_PER_REQUEST, "model-input tokens"),
        _Budget(MAX_LOSS_INPUT_ELEMENTS_PER_REQUEST, "loss-input elements"),
    )


def _config(obj: dict[str, object] | None) -> dict[str, float | str] | None:
    if obj is None:
        return None
    config: dict[str, float | str] = {}
    for key, value in obj.items():
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise HttpError(422, f"loss_fn_config.{key}: expected a number or a string")
        config[key] = value if isinstance(value, str) else float(value)
    return config


def parse_forward_backward(
    body: bytes, content_type: str, content_encoding: str | None, *, forward_path: bool
) -> ForwardBackwardCall:
    """Decode a forward/forward_backward body.

    Args:
        body: Raw request body.
        content_type: The request's Content-Type (protobuf or JSON).
        content_encoding: The request's Content-Encoding (``zstd`` or None).
        forward_path: True when it arrived on ``/api/v1/forward`` (JSON era).

    Raises:
        HttpError: 400 for undecodable bodies or unsupported chunks, 422 for bad fields.
    """
    if "protobuf" in content_type:
        try:
            req = decode_forward_backward_request(body, content_encoding=content_encoding)
        except ProtoDecodeError as exc:
            raise HttpError(400, f"invalid protobuf body: {exc}") from exc
        tokens_left, inputs_left = _budgets()
        data = [
            _from_proto(d, f"data[{i}]", tokens_left, inputs_left) for i, d in enumerate(req.data)
        ]
        config = dict(req.loss_fn_config) if req.loss_fn_config else None
        return ForwardBackwardCall(
            req.model_id, req.seq_id, data, req.loss_fn, config, req.forward_only
        )
    fields = Fields(decode_json(body))
    key = "forward_input" if fields.has("forward_input") else "forward_backward_input"
    wrapper = fields.sub(key)
    if wrapper is None:
        raise HttpError(422, "body: expected a forward_input or forward_backward_input object")
    tokens_left, inputs_left = _budgets()
    data = [
        _from_json(d, f"{key}.data[{i}]", tokens_left, inputs_left)
        for i, d in enumerate(wrapper.items("data"))
    ]
    return ForwardBackwardCall(
        model_id=fields.req_str("model_id"),
        seq_id=fields.opt_int("seq_id"),
        data=data,
        loss_fn=wrapper.req_str("loss_fn"),
        loss_fn_config=_config(wrapper.mapping("loss_fn_config")),
        forward_only=forward_path or key == "forward_input",
    )
