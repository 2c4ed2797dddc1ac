# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``weights`` group."""

from typing import Any, Literal

from tinkex.domain.types._base import Wire, always
from tinkex.domain.types.training import AdamOptimizerConfig, OptimizerConfig

__all__ = [
    "CopyWeightsRequest",
    "CopyWeightsResponse",
    "LoadWeightsRequest",
    "LoadWeightsResponse",
    "SaveWeightsExternalRequest",
    "SaveWeightsExternalResponse",
    "SaveWeightsForSamplerRequest",
    "SaveWeightsForSamplerResponse",
    "SaveWeightsRequest",
    "SaveWeightsResponse",
    "WeightsInfoRequest",
    "WeightsInfoResponse",
]


class SaveWeightsRequest(Wire, frozen=True, kw_only=True, tag_field="type", tag="save_weights"):
    """Save training state; path is the checkpoint name."""

    model_id: str
    path: str | None = None
    seq_id: int | None = None
    ttl_seconds: int | None = None
    overwrite: bool = always(False)
    user_metadata: dict[str, str] | None = None


class SaveWeightsResponse(Wire, frozen=True, kw_only=True, tag_field="type", tag="save_weights"):
    """Where the state was saved (tinker://<run>/weights/<name>)."""

    path: str


class SaveWeightsForSamplerRequest(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="save_weights_for_sampler",
):
    """Save sampler weights; named (path) or ephemeral (sampling_session_seq_id)."""

    model_id: str
    path: str | None = None
    sampling_session_seq_id: int | None = None
    kind: Literal["snapshot", "inflight"] = always("snapshot")
    seq_id: int | None = None
    ttl_seconds: int | None = None
    user_metadata: dict[str, str] | None = None


class SaveWeightsForSamplerResponse(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="save_weights_for_sampler",
):
    """Named saves return path; ephemeral saves return sampling_session_id."""

    path: str | None = None
    sampling_session_id: str | None = None


class SaveWeightsExternalRequest(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="save_weights_external",
):
    """Export weights for download."""

    model_id: str
    path: str
    seq_id: int | None = None
    ttl_seconds: int | None = None
    age_encryption_recipients: list[str] | None = None


class SaveWeightsExternalResponse(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="save_weights_external",
):
    """The exported checkpoint."""

    path: str | None = None
    size_bytes: int | None = None


class LoadWeightsRequest(Wire, frozen=True, kw_only=True, tag_field="type", tag="load_weights"):
    """In-place load (model_id + seq_id) or create-via-load (session_id + model_seq_id)."""

    model_id: str | None = None
    seq_id: int | None = None
    session_id: str | None = None
    model_seq_id: int | None = None
    base_model: str | None = None
    user_metadata: dict[str, Any] | None = None
    path: str
    optimizer: bool
    optimizer_config: OptimizerConfig | None = None
    weights_access_token: str | None = None


class LoadWeightsResponse(Wire, frozen=True, kw_only=True, tag_field="type", tag="load_weights"):
    """The loaded checkpoint."""

    path: str | None = None
    model_id: str | None = None


class WeightsInfoRequest(Wire, frozen=True, kw_only=True):
    """Ask about a tinker:// path."""

    tinker_path: str


class WeightsInfoResponse(Wire, frozen=True, kw_only=True):
    """What a checkpoint holds."""

    base_model: str
    optimizer_config: OptimizerConfig = always(AdamOptimizerConfig())
    is_lora: bool
    lora_rank: int | None = None
    train_unembed: bool | None = None
    train_mlp: bool | None = None
    train_attn: bool | None = None


class CopyWeightsRequest(Wire, frozen=True, kw_only=True):
    """Copy weights into a project (the access token travels in a header)."""

    session_id: str | None = None
    model_seq_id: int | None = None
    destination_project_id: str | None = None
    source_path: str
    ttl_seconds: int | None = None
    weights_access_token: str | None = None


class CopyWeightsResponse(Wire, frozen=True, kw_only=True):
    """The copy's path."""

    tinker_path: str
