# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``training`` group."""

from typing import TYPE_CHECKING, Any, Literal, NewType, TypeAlias

from tinkex.domain.mixins.datum import DatumMixin, LossFnInput
from tinkex.domain.types._base import Wire, always
from tinkex.domain.types.model_input import ModelInput, ProvenanceSpan, TensorData

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "AdamOptimizerConfig",
    "AdamParams",
    "CreateCustomLossRequest",
    "CreateCustomLossResponse",
    "CreateModelRequest",
    "CreateModelResponse",
    "CustomLossGraph",
    "CustomLossInput",
    "CustomLossNode",
    "Datum",
    "DimuonOptimizerConfig",
    "DimuonParams",
    "ForwardBackwardInput",
    "ForwardBackwardOutput",
    "ForwardBackwardRequest",
    "ForwardBackwardRequestLegacy",
    "ForwardRequestLegacy",
    "GetInfoRequest",
    "GetInfoResponse",
    "LoraConfig",
    "LossFn",
    "LossFnInput",
    "LossFnName",
    "LossFnType",
    "ModelData",
    "OptimStepRequest",
    "OptimStepResponse",
    "OptimizerConfig",
    "UnloadModelRequest",
    "UnloadModelResponse",
]


class LoraConfig(Wire, frozen=True, kw_only=True):
    """LoRA adapter settings."""

    rank: int
    seed: int | None = None
    train_unembed: bool = always(True)
    train_mlp: bool = always(True)
    train_attn: bool = always(True)


class AdamOptimizerConfig(Wire, frozen=True, kw_only=True, tag_field="type", tag="adamw"):
    """AdamW optimizer family."""


class DimuonOptimizerConfig(Wire, frozen=True, kw_only=True, tag_field="type", tag="dimuon"):
    """Dimuon optimizer family."""

    version: int = always(1)


OptimizerConfig: TypeAlias = AdamOptimizerConfig | DimuonOptimizerConfig
"""Optimizer family of a training run."""


class CreateModelRequest(Wire, frozen=True, kw_only=True, tag_field="type", tag="create_model"):
    """Create a training run."""

    session_id: str
    model_seq_id: int
    base_model: str
    user_metadata: dict[str, Any] | None = None
    lora_config: LoraConfig | None = None
    optimizer_config: OptimizerConfig = always(AdamOptimizerConfig())


class CreateModelResponse(Wire, frozen=True, kw_only=True, tag_field="type", tag="create_model"):
    """The new training run."""

    model_id: str


class GetInfoRequest(Wire, frozen=True, kw_only=True, tag_field="type", tag="get_info"):
    """Ask about a training run."""

    model_id: str


class ModelData(Wire, frozen=True, kw_only=True):
    """Architecture facts of a model."""

    arch: str | None = None
    model_name: str | None = None
    tokenizer_id: str | None = None


class GetInfoResponse(Wire, frozen=True, kw_only=True):
    """Facts about a training run."""

    type: str | None = None
    model_data: ModelData
    model_id: str
    optimizer_config: OptimizerConfig = always(AdamOptimizerConfig())
    is_lora: bool | None = None
    lora_rank: int | None = None
    model_name: str | None = None


class UnloadModelRequest(Wire, frozen=True, kw_only=True, tag_field="type", tag="unload_model"):
    """Unload a model (JSON era)."""

    model_id: str


class UnloadModelResponse(Wire, frozen=True, kw_only=True, tag_field="type", tag="unload_model"):
    """The unloaded model."""

    model_id: str


LossFnType: TypeAlias = Literal[
    "cross_entropy",
    "importance_sampling",
    "ppo",
    "cispo",
    "dro",
    "gspo",
    "stable_reinforce",
    "custom",
]
"""Built-in loss functions."""


LossFnName = NewType("LossFnName", str)
"""A loss the server offers beyond LossFnType (names are open), e.g. LossFnName("my_loss")."""


LossFn: TypeAlias = LossFnType | LossFnName
"""The loss_fn of forward and forward_backward, a built-in name or a LossFnName."""


class Datum(DatumMixin, Wire, frozen=True, kw_only=True):
    """One training example (JSON key order follows the JSON-era SDK)."""

    if TYPE_CHECKING:
        loss_fn_inputs: dict[str, TensorData] = always({})
    else:
        loss_fn_inputs: dict[str, TensorData | Any] = always({})
    """TensorData per key; lists, numpy arrays and torch tensors are converted on construction."""
    model_input: ModelInput
    model_input_spans: list[ProvenanceSpan] | None = None
    loss_fn_input_spans: list[ProvenanceSpan] | None = None

    if TYPE_CHECKING:

        def __init__(
            self,
            *,
            loss_fn_inputs: Mapping[str, LossFnInput] = ...,
            model_input: ModelInput,
            model_input_spans: list[ProvenanceSpan] | None = ...,
            loss_fn_input_spans: list[ProvenanceSpan] | None = ...,
        ) -> None: ...


class ForwardBackwardRequest(Wire, frozen=True, kw_only=True):
    """One forward/forward_backward chunk; sent as protobuf tinker_public.ForwardBackwardRequest."""

    model_id: str
    seq_id: int
    data: list[Datum]
    loss_fn: str
    loss_fn_config: dict[str, float | str] | None = None
    forward_only: bool = always(False)


class ForwardBackwardInput(Wire, frozen=True, kw_only=True):
    """JSON-era forward/forward_backward payload; loss_fn_config is always sent (null ok)."""

    data: list[Datum]
    loss_fn: str
    loss_fn_config: dict[str, float] | None = always(None)


class ForwardRequestLegacy(Wire, frozen=True, kw_only=True):
    """JSON-era POST /api/v1/forward body."""

    forward_input: ForwardBackwardInput
    model_id: str
    seq_id: int


class ForwardBackwardRequestLegacy(Wire, frozen=True, kw_only=True):
    """JSON-era POST /api/v1/forward_backward body."""

    forward_backward_input: ForwardBackwardInput
    model_id: str
    seq_id: int


class ForwardBackwardOutput(Wire, frozen=True, kw_only=True):
    """Result of forward/forward_backward (JSON era and our JSON fallback; protobuf in 0.38)."""

    loss_fn_output_type: str
    loss_fn_outputs: list[dict[str, TensorData]]
    metrics: dict[str, float]


class AdamParams(Wire, frozen=True, kw_only=True):
    """AdamW step parameters (sent under adam_params, untagged)."""

    learning_rate: float = always(0.0001)
    beta1: float = always(0.9)
    beta2: float = always(0.95)
    eps: float = always(1e-12)
    weight_decay: float = always(0.0)
    grad_clip_norm: float = always(0.0)


class DimuonParams(Wire, frozen=True, kw_only=True, tag_field="type", tag="dimuon"):
    """Dimuon step parameters (sent under optimizer_params)."""

    learning_rate: float
    grad_clip_norm: float = always(0.0)
    beta1: float = always(0.9)


class OptimStepRequest(Wire, frozen=True, kw_only=True, tag_field="type", tag="optim_step"):
    """One optimizer step; adam_params for AdamW, optimizer_params for other families."""

    model_id: str
    seq_id: int | None = None
    adam_params: AdamParams | None = None
    optimizer_params: DimuonParams | None = None


class OptimStepResponse(Wire, frozen=True, kw_only=True):
    """Result of an optimizer step."""

    metrics: dict[str, float] | None = None


class CustomLossInput(Wire, frozen=True, kw_only=True):
    """A named input of a custom loss graph."""

    name: str
    rank: Literal[0, 1, 2]


class CustomLossNode(Wire, frozen=True, kw_only=True):
    """One traced operation."""

    op: str
    name: str
    target: Any
    args: list[Any] = always([])
    kwargs: dict[str, Any] = always({})


class CustomLossGraph(Wire, frozen=True, kw_only=True):
    """A traced custom loss."""

    format: int = always(1)
    nodes: list[CustomLossNode]


class CreateCustomLossRequest(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="create_custom_loss",
):
    """Upload a custom loss."""

    session_id: str
    custom_loss_seq_id: int
    name: str
    inputs: list[CustomLossInput]
    graph: CustomLossGraph


class CreateCustomLossResponse(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="create_custom_loss",
):
    """The uploaded loss."""

    loss_id: str
