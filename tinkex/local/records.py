"""Metadata the backend persists in its JSON index: runs, checkpoints, sessions, samplers."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

__all__ = [
    "SEGMENT_TYPES",
    "CheckpointRecord",
    "Index",
    "RunRecord",
    "SamplerRecord",
    "SessionRecord",
    "iso",
]

SEGMENT_TYPES = {
    "weights": "training",
    "sampler_weights": "sampler",
    "external_weights": "external",
}


def iso(epoch_s: float) -> str:
    """RFC 3339 UTC timestamp of an epoch time."""
    return datetime.fromtimestamp(epoch_s, UTC).isoformat().replace("+00:00", "Z")


class CheckpointRecord(msgspec.Struct, kw_only=True):
    """One saved checkpoint.

    Attributes:
        run_id: Training run (= model id) it belongs to.
        segment: ``weights``, ``sampler_weights`` or ``external_weights``.
        name: The checkpoint name.
        created_at: Epoch seconds.
        size_bytes: Total size of its files.
        files: File names inside the checkpoint directory.
        public: Whether it was published.
        expires_at: Epoch seconds after which it vanishes, or None for never.
        user_metadata: Free-form string metadata.
        short: Handed out as ``tinker://<run>/<name>`` (the backend's short sampler paths).
    """

    run_id: str
    segment: str
    name: str
    created_at: float
    size_bytes: int
    files: list[str]
    public: bool = False
    expires_at: float | None = None
    user_metadata: dict[str, str] | None = None
    short: bool = False

    @property
    def checkpoint_id(self) -> str:
        """``<segment>/<name>`` (``<name>`` for a short path), as used in REST paths."""
        return self.name if self.short else f"{self.segment}/{self.name}"

    @property
    def tinker_path(self) -> str:
        """The path handed out: ``tinker://<run>/<segment>/<name>`` or ``tinker://<run>/<name>``."""
        return f"tinker://{self.run_id}/{self.checkpoint_id}"

    @property
    def canonical_path(self) -> str:
        """``tinker://<run>/<segment>/<name>`` whatever the handed-out shape: the index key."""
        return f"tinker://{self.run_id}/{self.segment}/{self.name}"

    def to_wire(self, *, legacy: bool = False) -> dict[str, object]:
        """The ``Checkpoint`` JSON shape (JSON-era servers send no ``user_metadata``)."""
        body: dict[str, object] = {
            "checkpoint_id": self.checkpoint_id,
            "checkpoint_type": SEGMENT_TYPES[self.segment],
            "time": iso(self.created_at),
            "tinker_path": self.tinker_path,
            "size_bytes": self.size_bytes,
            "public": self.public,
            "expires_at": None if self.expires_at is None else iso(self.expires_at),
        }
        if not legacy:
            body["user_metadata"] = self.user_metadata
        return body


class RunRecord(msgspec.Struct, kw_only=True):
    """One training run (one model).

    Attributes:
        run_id: Equal to the model id ``<session>:train:<n>``.
        session_id: The session that created it.
        base_model: Base model name.
        lora_rank: LoRA rank.
        train_mlp: Whether MLP adapters train.
        train_attn: Whether attention adapters train.
        train_unembed: Whether the unembedding adapter trains.
        created_at: Epoch seconds.
        last_request_time: Epoch seconds of its latest request.
        user_metadata: Free-form string metadata.
    """

    run_id: str
    session_id: str
    base_model: str
    lora_rank: int
    train_mlp: bool = True
    train_attn: bool = True
    train_unembed: bool = True
    created_at: float = 0.0
    last_request_time: float = 0.0
    user_metadata: dict[str, str] | None = None


class SessionRecord(msgspec.Struct, kw_only=True):
    """One client session.

    Attributes:
        session_id: ``sess-<hex>``.
        created_at: Epoch seconds.
        tags: Tags sent at creation.
        user_metadata: Metadata sent at creation.
        sdk_version: The client's SDK version.
        project_id: Project it belongs to.
        display_name: Human-readable name.
        status: ``active``, ``finished`` or ``expired``.
        finish_reason: ``success``/``errored``/``interrupted`` once finished.
        finish_detail: Free text sent with the finish call.
        training_run_ids: Models created in it.
        sampler_ids: Samplers created in it.
    """

    session_id: str
    created_at: float
    tags: list[str] = msgspec.field(default_factory=list)
    user_metadata: dict[str, object] | None = None
    sdk_version: str | None = None
    project_id: str | None = None
    display_name: str | None = None
    status: str = "active"
    finish_reason: str | None = None
    finish_detail: str | None = None
    training_run_ids: list[str] = msgspec.field(default_factory=list)
    sampler_ids: list[str] = msgspec.field(default_factory=list)


class SamplerRecord(msgspec.Struct, kw_only=True):
    """One sampling session.

    Attributes:
        sampler_id: ``<session>:sample:<n>``.
        session_id: Owning session.
        base_model: Base model name.
        model_path: The sampler checkpoint it serves, if any.
    """

    sampler_id: str
    session_id: str
    base_model: str
    model_path: str | None = None


class Index(msgspec.Struct, kw_only=True):
    """Everything persisted, keyed by id (checkpoints by tinker path)."""

    runs: dict[str, RunRecord] = msgspec.field(default_factory=dict)
    checkpoints: dict[str, CheckpointRecord] = msgspec.field(default_factory=dict)
    sessions: dict[str, SessionRecord] = msgspec.field(default_factory=dict)
    samplers: dict[str, SamplerRecord] = msgspec.field(default_factory=dict)
