"""What a JSON-era server accepts: the request shapes of SDK 0.16.1, checked strictly.

In legacy mode the backend stands in for a server of the JSON era, so that a client sending
anything else finds out here rather than from the first third-party server it meets. Every
JSON body of a route that era had is checked against that era's request model before the
handler sees it: required fields present (``load_weights`` without ``model_id``, the
0.38 create-via-load form, is refused), no field the era did not know (a 0.38-only field such
as ``topk_sample_logprobs`` or ``optimizer_config`` is refused, as the era's models forbid
extras), a ``type`` tag only with its own value, nested objects (LoRA config, Adam and
sampling parameters, datums, tensors, chunks) likewise. Protobuf bodies are refused: the era
spoke JSON only. Refusals are 422 (415 for protobuf) naming the field.

Scalar values are left to the handlers, which check them for both eras.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from tinkex.local.codec import decode_json
from tinkex.local.reply import HttpError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["check_json_era_request"]

_PROTOBUF = "application/x-protobuf"


@dataclass(frozen=True)
class Obj:
    """An object: its required and optional keys, each with a nested shape (None: a scalar)."""

    required: Mapping[str, Shape] = field(default_factory=dict)
    optional: Mapping[str, Shape] = field(default_factory=dict)
    tag: str | None = None
    nullable: frozenset[str] = frozenset()
    """Required keys that may be null."""


@dataclass(frozen=True)
class ListOf:
    """A list whose items have one shape."""

    item: Shape


@dataclass(frozen=True)
class MapOf:
    """A string-keyed object whose values have one shape."""

    value: Shape


@dataclass(frozen=True)
class Chunk:
    """A ModelInput chunk: its kind is its tag, or is inferred from its keys."""


Shape = Union[Obj, ListOf, MapOf, Chunk, None]  # noqa: UP007  # a runtime alias, not a hint

_TENSOR = Obj(required={"data": None, "dtype": None}, optional={"shape": None})
_MODEL_INPUT = Obj(required={"chunks": ListOf(Chunk())})
_DATUM = Obj(required={"loss_fn_inputs": MapOf(_TENSOR), "model_input": _MODEL_INPUT})
_FWDBWD_INPUT = Obj(
    required={"data": ListOf(_DATUM), "loss_fn": None}, optional={"loss_fn_config": None}
)
_CHUNKS = {
    "encoded_text": Obj(required={"tokens": None}, tag="encoded_text"),
    "image": Obj(
        required={"data": None, "format": None},
        optional={"expected_tokens": None},
        tag="image",
    ),
    "image_asset_pointer": Obj(
        required={"format": None, "location": None},
        optional={"expected_tokens": None},
        tag="image_asset_pointer",
    ),
}
_LORA = Obj(
    required={"rank": None},
    optional={"seed": None, "train_unembed": None, "train_mlp": None, "train_attn": None},
)
_ADAM = Obj(
    optional=dict.fromkeys(
        ("learning_rate", "beta1", "beta2", "eps", "weight_decay", "grad_clip_norm")
    )
)
_SAMPLING = Obj(
    optional=dict.fromkeys(("max_tokens", "seed", "stop", "temperature", "top_k", "top_p"))
)
_SAVE = {"path": None, "seq_id": None, "ttl_seconds": None}

# Request models of SDK 0.16.1 (what its requests hold on the wire), by route.
_REQUESTS: dict[str, Obj] = {
    "POST /api/v1/create_session": Obj(
        required={"tags": None, "user_metadata": None, "sdk_version": None},
        optional={"project_id": None},
        tag="create_session",
        nullable=frozenset({"user_metadata"}),
    ),
    "POST /api/v1/session_heartbeat": Obj(required={"session_id": None}, tag="session_heartbeat"),
    "POST /api/v1/create_model": Obj(
        required={"session_id": None, "model_seq_id": None, "base_model": None},
        optional={"user_metadata": None, "lora_config": _LORA},
        tag="create_model",
    ),
    "POST /api/v1/get_info": Obj(required={"model_id": None}, tag="get_info"),
    "POST /api/v1/unload_model": Obj(required={"model_id": None}, tag="unload_model"),
    "POST /api/v1/forward": Obj(
        required={"forward_input": _FWDBWD_INPUT, "model_id": None}, optional={"seq_id": None}
    ),
    "POST /api/v1/forward_backward": Obj(
        required={"forward_backward_input": _FWDBWD_INPUT, "model_id": None},
        optional={"seq_id": None},
    ),
    "POST /api/v1/optim_step": Obj(
        required={"adam_params": _ADAM, "model_id": None},
        optional={"seq_id": None},
        tag="optim_step",
    ),
    "POST /api/v1/save_weights": Obj(
        required={"model_id": None}, optional=_SAVE, tag="save_weights"
    ),
    "POST /api/v1/save_weights_for_sampler": Obj(
        required={"model_id": None},
        optional={**_SAVE, "sampling_session_seq_id": None},
        tag="save_weights_for_sampler",
    ),
    "POST /api/v1/load_weights": Obj(
        required={"model_id": None, "path": None, "optimizer": None},
        optional={"seq_id": None},
        tag="load_weights",
    ),
    "POST /api/v1/create_sampling_session": Obj(
        required={"session_id": None, "sampling_session_seq_id": None},
        optional={"base_model": None, "model_path": None},
        tag="create_sampling_session",
    ),
    "POST /api/v1/asample": Obj(
        required={"prompt": _MODEL_INPUT, "sampling_params": _SAMPLING},
        optional=dict.fromkeys(
            (
                "num_samples",
                "base_model",
                "model_path",
                "sampling_session_id",
                "seq_id",
                "prompt_logprobs",
                "topk_prompt_logprobs",
            )
        ),
        tag="sample",
    ),
    "POST /api/v1/retrieve_future": Obj(
        required={"request_id": None}, optional={"allow_metadata_only": None}
    ),
    "POST /api/v1/weights_info": Obj(required={"tinker_path": None}),
    "POST /api/v1/telemetry": Obj(
        required={"events": None, "platform": None, "sdk_version": None, "session_id": None}
    ),
    "PUT ttl": Obj(required={"ttl_seconds": None}, nullable=frozenset({"ttl_seconds"})),
}
_TTL = re.compile(r"/api/v1/training_runs/[^/]+/checkpoints/.+/ttl\Z")


def check_json_era_request(method: str, path: str, headers: Mapping[str, str], body: bytes) -> None:
    """Refuse a request a JSON-era server would refuse (routes that era did not have pass).

    Raises:
        HttpError: 415 for a protobuf body; 422 for a missing, unknown or mistagged field.
    """
    key = "PUT ttl" if method == "PUT" and _TTL.match(path) else f"{method} {path}"
    shape = _REQUESTS.get(key)
    if shape is None:
        return
    if _PROTOBUF in headers.get("content-type", ""):
        raise HttpError(415, f"{path}: this server (JSON era) reads JSON bodies only")
    _check(decode_json(body), shape, "body")


def _check(value: object, shape: Shape, where: str) -> None:
    if shape is None or value is None:
        return
    if isinstance(shape, ListOf):
        if isinstance(value, list):
            for index, item in enumerate(value):
                _check(item, shape.item, f"{where}[{index}]")
        return
    if not isinstance(value, dict):
        return  # the handler names the wrong type
    if isinstance(shape, MapOf):
        for key, item in value.items():
            _check(item, shape.value, f"{where}.{key}")
        return
    if isinstance(shape, Chunk):
        _check(value, _chunk_shape(value, where), where)
        return
    _check_object(value, shape, where)


def _chunk_shape(chunk: dict[str, object], where: str) -> Obj:
    kind = chunk.get("type")
    if kind is None:  # untagged, as 0.16.1 sends it: the keys say which
        kind = "encoded_text" if "tokens" in chunk else "image" if "data" in chunk else None
        kind = kind or ("image_asset_pointer" if "location" in chunk else None)
    shape = _CHUNKS.get(kind) if isinstance(kind, str) else None
    if shape is None:
        raise HttpError(422, f"{where}: not a chunk of this server (JSON era): {kind!r}")
    return shape


def _check_object(value: dict[str, object], shape: Obj, where: str) -> None:
    for key in shape.required:
        if key not in value or (value[key] is None and key not in shape.nullable):
            raise HttpError(422, f"{where}.{key}: field required")
    for key in value:
        if key == "type" and shape.tag is not None:
            if value[key] != shape.tag:
                raise HttpError(422, f"{where}.type: expected {shape.tag!r}")
        elif key not in shape.required and key not in shape.optional:
            raise HttpError(
                422, f"{where}.{key}: extra field not permitted (not known to the JSON era)"
            )
    for key, inner in {**shape.required, **shape.optional}.items():
        if key in value:
            _check(value[key], inner, f"{where}.{key}")
