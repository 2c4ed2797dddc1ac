# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``rest`` group."""

from datetime import datetime
from typing import Any, Literal, TypeAlias

from tinkex.domain.types._base import Wire, always
from tinkex.domain.types.common import Cursor

__all__ = [
    "AuditLogEntry",
    "AuditLogResponse",
    "BillingEventInfo",
    "BillingUsageEvent",
    "BillingUsageResponse",
    "BillingUsageSession",
    "Checkpoint",
    "CheckpointArchiveUrlResponse",
    "CheckpointBillingEvent",
    "CheckpointType",
    "CheckpointsListResponse",
    "CurrentCheckpointStorageUsageItem",
    "CurrentCheckpointStorageUsageResponse",
    "ExternalWeightsUrlsResponse",
    "SamplingPrefillBillingEvent",
    "SamplingSampleBillingEvent",
    "SetCheckpointTtlRequest",
    "StorageBillingEvent",
    "TrainingBillingEvent",
    "TrainingRun",
    "TrainingRunsResponse",
]


CheckpointType: TypeAlias = Literal["training", "sampler", "external"]
"""Kind of checkpoint."""


class Checkpoint(Wire, frozen=True, kw_only=True):
    """One checkpoint."""

    checkpoint_id: str
    checkpoint_type: CheckpointType
    time: datetime
    tinker_path: str
    size_bytes: int | None = None
    public: bool = always(False)
    user_metadata: dict[str, str] | None = None
    expires_at: datetime | None = None


class CheckpointsListResponse(Wire, frozen=True, kw_only=True):
    """Checkpoints, with a cursor for user-wide listings."""

    checkpoints: list[Checkpoint]
    cursor: Cursor | None = None


class TrainingRun(Wire, frozen=True, kw_only=True):
    """One training run."""

    training_run_id: str
    base_model: str
    model_owner: str
    is_lora: bool
    corrupted: bool = always(False)
    lora_rank: int | None = None
    last_request_time: datetime
    last_checkpoint: Checkpoint | None = None
    last_sampler_checkpoint: Checkpoint | None = None
    user_metadata: dict[str, str] | None = None


class TrainingRunsResponse(Wire, frozen=True, kw_only=True):
    """A page of training runs."""

    training_runs: list[TrainingRun]
    cursor: Cursor


class SetCheckpointTtlRequest(Wire, frozen=True, kw_only=True):
    """New expiry in seconds; null removes it (always sent)."""

    ttl_seconds: int | None


class ExternalWeightsUrlsResponse(Wire, frozen=True, kw_only=True):
    """Signed URL per file, relative to the checkpoint root."""

    urls: dict[str, str]
    expires: datetime


class CheckpointArchiveUrlResponse(Wire, frozen=True, kw_only=True):
    """JSON-era signed archive URL, built from the 302's Location and Expires headers."""

    url: str
    expires: datetime | None = None


class AuditLogEntry(Wire, frozen=True, kw_only=True):
    """One audit event."""

    timestamp: datetime
    event: str
    event_details: dict[str, Any] = always({})
    model_id: str | None = None
    tinker_path: str | None = None
    purpose: str | None = None


class AuditLogResponse(Wire, frozen=True, kw_only=True):
    """Audit entries."""

    entries: list[AuditLogEntry]


class TrainingBillingEvent(Wire, frozen=True, kw_only=True, tag_field="type", tag="training"):
    """Training tokens."""

    token_count: int


class SamplingPrefillBillingEvent(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="sampling_prefill",
):
    """Prompt tokens (cached or not)."""

    cached: bool
    token_count: int


class SamplingSampleBillingEvent(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="sampling_sample",
):
    """Generated tokens."""

    token_count: int


class CheckpointBillingEvent(Wire, frozen=True, kw_only=True, tag_field="type", tag="checkpoint"):
    """Checkpoint operations."""

    count: int


class StorageBillingEvent(Wire, frozen=True, kw_only=True, tag_field="type", tag="storage"):
    """Checkpoint storage."""

    free: bool = always(False)
    gigabyte_hours: float


BillingEventInfo: TypeAlias = (
    TrainingBillingEvent
    | SamplingPrefillBillingEvent
    | SamplingSampleBillingEvent
    | CheckpointBillingEvent
    | StorageBillingEvent
)
"""What a billing bucket counts."""


class BillingUsageEvent(Wire, frozen=True, kw_only=True):
    """One hourly billing bucket."""

    bucket_start: datetime
    bucket_end: datetime
    base_model: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    session_id: str | None = None
    project_id: str | None = None
    estimated_cost_usd: float | None = None
    effective_rate_usd_per_million_tokens: float | None = None
    effective_rate_usd_per_gigabyte_month: float | None = None
    event_info: BillingEventInfo


class BillingUsageSession(Wire, frozen=True, kw_only=True):
    """Per-session facts in a billing response."""

    user_metadata: dict[str, str] | None = None


class BillingUsageResponse(Wire, frozen=True, kw_only=True):
    """Billing buckets."""

    data: list[BillingUsageEvent]
    sessions: dict[str, BillingUsageSession] = always({})
    cost_data_through: datetime | None = None


class CurrentCheckpointStorageUsageItem(Wire, frozen=True, kw_only=True):
    """Storage of one project/owner."""

    project_id: str | None = None
    org_user_urn: str | None = None
    user_email: str | None = None
    user_name: str | None = None
    checkpoint_count: int
    size_bytes: int
    size_gigabytes: float
    estimated_monthly_cost_usd: float | None = None


class CurrentCheckpointStorageUsageResponse(Wire, frozen=True, kw_only=True):
    """Current checkpoint storage."""

    effective_rate_usd_per_gigabyte_month: float | None = None
    data: list[CurrentCheckpointStorageUsageItem]
