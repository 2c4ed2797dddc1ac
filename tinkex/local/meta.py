"""Client configuration, auth, telemetry, and the endpoints the local backend lacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.local import batch_futures
from tinkex.local.codec import Fields, decode_json
from tinkex.local.reply import HttpError, Reply, empty_reply, json_reply
from tinkex.local.router import Route, route

if TYPE_CHECKING:
    from tinkex.local.state import Call, ServiceState

__all__ = ["CLIENT_CONFIG", "DYNAMIC_CONFIG", "MetaHandlers"]

CLIENT_CONFIG: dict[str, object] = {
    "pjwt_auth_enabled": False,
    "credential_default_source": "api_key",
    "sample_dispatch_bytes_semaphore_size": 10 * 1024 * 1024,
    "inflight_response_bytes_semaphore_size": 50 * 1024 * 1024,
    "parallel_fwdbwd_chunks": True,
    "proto_compress_fwdbwd": False,
    "fwdbwd_max_chunk_len": 1024,
    "fwdbwd_max_chunk_bytes_count": 5_000_000,
    "fwdbwd_dispatch_bytes_semaphore_size": 50_000_000,
    "billing_exception_max_pause_duration_sec": 3600,
    "sample_no_retries": False,
    "sample_enable_stuck_detection": True,
    "sample_max_concurrent_requests": 2000,
    # A plain-HTTP loopback server gains nothing from the pyqwest transport; httpx is enough.
    "use_pyqwest_transport": False,
    "sample_use_retrieve_futures": False,
    "custom_loss_server_side": False,
    "sample_join_sampling_session": False,
}
DYNAMIC_CONFIG: dict[str, object] = {
    "refresh_interval_sec": 300,
    "sample_cancel_enabled": False,
    "sample_cancel_max_batch_size": 64,
}


class MetaHandlers:
    """Handlers of configuration, auth and telemetry.

    Args:
        state: The backend's shared state.
    """

    def __init__(self, state: ServiceState) -> None:
        self._s = state

    def routes(self) -> list[Route]:
        """This area's routes."""
        return [
            route("POST", "/api/v1/client/config", self.client_config),
            route("POST", "/api/v1/client/dynamic_config", self.dynamic_config),
            route("POST", "/api/v1/auth/token", self.auth_token),
            route("GET", "/api/v1/auth/apikey/me", self.whoami),
            route("DELETE", "/api/v1/auth/apikey/me", self.forget_key),
            route("POST", "/api/v1/telemetry", self.telemetry),
            route("GET", "/api/v1/audit", self.absent),
            route("GET", "/api/v1/billing/{rest:path}", self.absent),
        ]

    def _modern_only(self) -> None:
        if self._s.legacy:
            raise HttpError(404, "Not Found")

    async def client_config(self, call: Call) -> Reply:
        """``client/config``: every flag at its default (404 in legacy mode)."""
        self._modern_only()
        auth: dict[str, object] = {}
        if self._s.tokens is not None:
            auth = {
                "pjwt_auth_enabled": True,
                "credential_default_source": self._s.tokens.credential_source,
            }
        return json_reply(
            {
                **CLIENT_CONFIG,
                **auth,
                **batch_futures.client_flags(self._s.config),
            }
        )

    async def dynamic_config(self, call: Call) -> Reply:
        """``client/dynamic_config``: defaults (404 in legacy mode)."""
        self._modern_only()
        return json_reply({**DYNAMIC_CONFIG, **batch_futures.dynamic_flags(self._s.config)})

    async def auth_token(self, call: Call) -> Reply:
        """``auth/token``: a JWT for the credential in JWT mode; 404 when the mode is off."""
        if self._s.tokens is None:
            raise HttpError(404, "JWT exchange is not enabled on this server")
        return self._s.tokens.exchange(call.headers)

    async def whoami(self, call: Call) -> Reply:
        """``auth/apikey/me``: a fixed description of the local key."""
        return json_reply({"key_id": 0, "name": "local", "note": None, "details": None})

    async def forget_key(self, call: Call) -> Reply:
        """``DELETE auth/apikey/me``: nothing to revoke locally."""
        return empty_reply()

    async def telemetry(self, call: Call) -> Reply:
        """``telemetry``: keep the latest events (see `LocalBackend.telemetry_events`)."""
        body = Fields(decode_json(call.body))
        session_id = body.opt_str("session_id")
        for event in body.items("events"):
            if isinstance(event, dict):
                self._s.telemetry.append({**event, "session_id": session_id})
        return json_reply({"status": "accepted"})

    async def absent(self, call: Call) -> Reply:
        """Billing and audit: this server has no accounts, so 404 with a detail."""
        raise HttpError(404, f"{call.path} is not available on the local backend")
