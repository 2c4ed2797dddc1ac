# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``config`` group."""

from typing import Any

from tinkex.domain.types._base import Wire, always

__all__ = [
    "ApiKeyInfo",
    "AuthTokenRequest",
    "AuthTokenResponse",
    "ClientConfigRequest",
    "ClientConfigResponse",
    "ClientDynamicConfigResponse",
    "GetServerCapabilitiesResponse",
    "HealthResponse",
    "SupportedModel",
    "WhoamiResponse",
]


class ClientConfigRequest(Wire, frozen=True, kw_only=True):
    """Body of client/config and client/dynamic_config."""

    sdk_version: str


class ClientConfigResponse(Wire, frozen=True, kw_only=True):
    """Server feature flags (unknown keys ignored)."""

    pjwt_auth_enabled: bool = always(False)
    credential_default_source: str = always("api_key")
    sample_dispatch_bytes_semaphore_size: int = always(10485760)
    inflight_response_bytes_semaphore_size: int = always(52428800)
    parallel_fwdbwd_chunks: bool = always(True)
    proto_compress_fwdbwd: bool = always(False)
    fwdbwd_max_chunk_len: int = always(1024)
    fwdbwd_max_chunk_bytes_count: int = always(5000000)
    fwdbwd_dispatch_bytes_semaphore_size: int = always(50000000)
    billing_exception_max_pause_duration_sec: float = always(3600.0)
    sample_no_retries: bool = always(False)
    sample_enable_stuck_detection: bool = always(True)
    sample_max_concurrent_requests: int = always(2000)
    use_pyqwest_transport: bool = always(True)
    sample_use_retrieve_futures: bool = always(False)
    custom_loss_server_side: bool = always(False)
    sample_join_sampling_session: bool = always(False)


class ClientDynamicConfigResponse(Wire, frozen=True, kw_only=True):
    """Dynamic flags, refreshed every max(refresh_interval_sec, 10) seconds."""

    refresh_interval_sec: float = always(300.0)
    sample_cancel_enabled: bool = always(False)
    sample_cancel_max_batch_size: int = always(64)


class AuthTokenRequest(Wire, frozen=True, kw_only=True):
    """Empty body of auth/token."""


class AuthTokenResponse(Wire, frozen=True, kw_only=True):
    """A short-lived JWT."""

    jwt: str


class WhoamiResponse(Wire, frozen=True, kw_only=True):
    """The calling principal, read from the JWT's claims (sub, org_id, email)."""

    user_urn: str
    org_urn: str
    email: str | None = None


class ApiKeyInfo(Wire, frozen=True, kw_only=True):
    """The calling API key, as shown by the CLI."""

    key_id: int
    name: str | None = None
    note: str | None = None
    details: dict[str, Any] | None = None


class SupportedModel(Wire, frozen=True, kw_only=True):
    """One model the service offers."""

    model_name: str | None = None
    max_context_length: int | None = None
    trainable: bool | None = None
    sampleable: bool | None = None


class GetServerCapabilitiesResponse(Wire, frozen=True, kw_only=True):
    """The models the service offers."""

    supported_models: list[SupportedModel]


class HealthResponse(Wire, frozen=True, kw_only=True):
    """Liveness answer."""

    status: str
