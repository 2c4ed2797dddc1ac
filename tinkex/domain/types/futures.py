# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``futures`` group."""

from typing import Literal, TypeAlias

from tinkex.domain.types._base import Wire, always

__all__ = [
    "CancelFutureRequest",
    "FutureCompletion",
    "FutureFailed",
    "FutureFinished",
    "FutureMetadataResponse",
    "FutureRetrieveRequest",
    "FuturesRetrieveRequest",
    "FuturesRetrieveResponse",
    "RequestFailedResponse",
    "SamplingSessionTarget",
    "TryAgainResponse",
    "UntypedAPIFuture",
]


class UntypedAPIFuture(Wire, frozen=True, kw_only=True):
    """The quick answer of a future endpoint."""

    request_id: str
    model_id: str | None = None
    sample_sequence_ids: list[str] | None = None


class FutureRetrieveRequest(Wire, frozen=True, kw_only=True):
    """Poll one future."""

    request_id: str
    allow_metadata_only: bool = always(False)


class TryAgainResponse(Wire, frozen=True, kw_only=True, tag_field="type", tag="try_again"):
    """Not finished yet; poll again immediately."""

    request_id: str | None = None
    queue_state: str | None = None
    queue_state_reason: str | None = None


class FutureMetadataResponse(Wire, frozen=True, kw_only=True):
    """Finished; the next poll (allow_metadata_only false) returns this many bytes."""

    status: Literal["complete_metadata"]
    response_payload_size: int


class RequestFailedResponse(Wire, frozen=True, kw_only=True):
    """The request finished as failed."""

    error: str
    category: str = always("unknown")


class SamplingSessionTarget(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="sampling_session",
):
    """Which sampler's completions to long-poll."""

    sampling_session_id: str
    cloned_sampler_id: int = always(0)


class FuturesRetrieveRequest(Wire, frozen=True, kw_only=True):
    """Long-poll completions; timeout 0 returns at once, without one the server long-polls."""

    target: SamplingSessionTarget
    prev_cursor: int = always(0)
    timeout: float | None = None
    retrieved_request_ids: list[str] = always([])


class FutureFinished(Wire, frozen=True, kw_only=True, tag_field="state", tag="finished"):
    """A finished future."""

    request_id: str
    response_payload_uncompressed_size: int | None = None


class FutureFailed(Wire, frozen=True, kw_only=True, tag_field="state", tag="failed"):
    """A failed future."""

    request_id: str


FutureCompletion: TypeAlias = FutureFinished | FutureFailed
"""A completion event."""


class FuturesRetrieveResponse(Wire, frozen=True, kw_only=True):
    """Completions since prev_cursor."""

    completions: list[FutureCompletion]
    cursor: int


class CancelFutureRequest(Wire, frozen=True, kw_only=True):
    """Cancel a future."""

    request_id: str
