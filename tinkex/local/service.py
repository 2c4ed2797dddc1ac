"""`LocalBackend`: the transport-agnostic core of the embedded Tinker-compatible service.

It receives one request as plain values and answers with ``(status, headers, body)``. On the
way it checks the API key and the body's size, undoes its content encoding (bounded), applies
the fault plan, replays answers of retried requests (``X-Idempotency-Key``) and routes to the
handlers of each area. Front ends that read bodies from a socket call `admit` first, so a
request without a key, or announcing a body over the limit, is refused before it is read.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING

from tinkex.adapters.clock import SystemClock
from tinkex.local.bodies import IDENTITY_ENCODINGS, check_declared_length, decode_content, too_large
from tinkex.local.checkpoints import CheckpointHandlers
from tinkex.local.engine import NullModelFactory, TinyModelFactory
from tinkex.local.faults import FaultInjector
from tinkex.local.futures import FutureStore
from tinkex.local.json_era import check_json_era_request
from tinkex.local.meta import MetaHandlers
from tinkex.local.promises import PromiseHandlers
from tinkex.local.reply import HttpError, Reply, UserError, json_reply
from tinkex.local.rest import RestHandlers
from tinkex.local.router import Router
from tinkex.local.sampling import SamplingHandlers
from tinkex.local.sessions import SessionHandlers
from tinkex.local.signing import SIGNED_PREFIX, UrlSigner
from tinkex.local.state import BackendConfig, Call, ServiceState
from tinkex.local.store import CheckpointStore, default_data_dir
from tinkex.local.training import TrainingHandlers

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from tinkex.local.faults import FaultPlan
    from tinkex.local.jwt_auth import TokenIssuer
    from tinkex.ports.clock import Clock

__all__ = ["ConnectionDropped", "LocalBackend"]

# Endpoints whose answers are not replayed for a repeated idempotency key: polls and
# keep-alives must always reflect the current state.
_NOT_REPLAYED = (
    "/api/v1/retrieve_future",
    "/api/v1/retrieve_futures",
    "/api/v1/cancel_future",
    "/api/v1/session_heartbeat",
    "/api/v1/telemetry",
    "/api/v1/client/config",
    "/api/v1/client/dynamic_config",
)
_API_KEY_PREFIXES = ("tml-", "eyJ")


def _api_path(path: str) -> str:
    # A base URL may carry a prefix before /api/v1/ (e.g. /services/tinker-prod/api/v1/...).
    marker = path.find("/api/v1/")
    return path[marker:] if marker > 0 else path


class ConnectionDropped(Exception):  # noqa: N818  # names the event, like ConnectionReset
    """Raised by `LocalBackend.handle` when the fault plan drops the connection.

    The request was processed; the front end must close the connection without answering.
    """


class LocalBackend:
    """The embedded Tinker-compatible service.

    Args:
        data_dir: Where checkpoints and metadata live (default: the user cache directory,
            ``$XDG_CACHE_HOME/tinkex/local`` or ``~/.cache/tinkex/local``).
        fault_plan: Faults to inject (None: none).
        legacy: Behave like a JSON-era server (no client config, JSON results, forward paths).
        seed: Seeds unseeded sampling requests (per sampler and request order), so a whole
            program reruns identically; fault streams use the plan's own seed.
        clock: Time source (tests pass a `FakeClock`).
        config: Tunables (TTLs, long-poll budget, thresholds).
        null_model: Use the near-free null model instead of the numpy model (benchmarks).
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        fault_plan: FaultPlan | None = None,
        legacy: bool = False,
        seed: int = 0,
        clock: Clock | None = None,
        config: BackendConfig | None = None,
        null_model: bool = False,
    ) -> None:
        clock = clock if clock is not None else SystemClock()
        config = config if config is not None else BackendConfig()
        store = CheckpointStore(
            data_dir if data_dir is not None else default_data_dir(),
            clock,
            short_sampler_paths=config.short_sampler_paths,
        )
        self.state = ServiceState(
            clock=clock,
            config=config,
            legacy=legacy,
            store=store,
            futures=FutureStore(clock, result_ttl_s=config.result_ttl_s),
            faults=FaultInjector(fault_plan),
            factory=NullModelFactory() if null_model else TinyModelFactory(),
            signer=UrlSigner(store.secret),
            seed=seed,
        )
        routes = []
        for area in (
            MetaHandlers(self.state),
            SessionHandlers(self.state),
            TrainingHandlers(self.state),
            CheckpointHandlers(self.state),
            SamplingHandlers(self.state),
            PromiseHandlers(self.state),
            RestHandlers(self.state),
        ):
            routes.extend(area.routes())
        self._router = Router(routes)
        self._replies: OrderedDict[tuple[str, str], asyncio.Future[Reply]] = OrderedDict()

    @property
    def seed(self) -> int:
        """The backend seed."""
        return self.state.seed

    @property
    def legacy(self) -> bool:
        """True when behaving like a JSON-era server."""
        return self.state.legacy

    @property
    def data_dir(self) -> Path:
        """The data directory."""
        return self.state.store.root

    @property
    def telemetry_events(self) -> list[dict[str, object]]:
        """The latest telemetry events received (oldest first)."""
        return list(self.state.telemetry)

    @property
    def max_body_bytes(self) -> int:
        """Largest request body accepted as sent (a front end reads no more than this)."""
        return self.state.config.max_request_body_bytes

    def watch_sessions(self) -> None:
        """Expire silent sessions in the background, not counting the loop's own stalls.

        Called by the front ends (HTTP and in-process) from the running loop.
        """
        self.state.liveness.watch(self.state.expire_if_silent)

    def admit(
        self, method: str, path: str, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        """Judge a request by its head alone, before its body is read.

        Returns:
            The answer refusing it (401 without a valid API key, 413 when ``Content-Length``
            passes `max_body_bytes`), or None to go on and read the body.
        """
        lowered = {k.lower(): v for k, v in headers.items()}
        refused = self._refusal(_api_path(path), lowered)
        return None if refused is None else (refused.status, dict(refused.headers), refused.body)

    @property
    def tokens(self) -> TokenIssuer | None:
        """The JWT issuer in JWT mode (revoke tokens or credentials through it), else None."""
        return self.state.tokens

    def _refusal(self, path: str, headers: Mapping[str, str]) -> Reply | None:
        needs_key = path.startswith("/api/v1/") and path != "/api/v1/healthz"
        tokens = self.state.tokens
        if needs_key and tokens is not None:
            refused = tokens.refusal(path, headers)
            if refused is not None:
                return refused
        key_shaped = headers.get("x-api-key", "").startswith(_API_KEY_PREFIXES)
        if tokens is not None and tokens.credential_source == "credential_cmd":
            key_shaped = bool(headers.get("x-api-key"))  # a command may print any credential
        if needs_key and not key_shaped:
            detail = "missing or invalid X-API-Key (expected a tml- key or a JWT)"
            return json_reply({"detail": detail}, 401)
        try:
            check_declared_length(headers, self.max_body_bytes)
        except HttpError as exc:
            return exc.to_reply()
        return None

    async def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request.

        Args:
            method: HTTP method.
            path: URL path; anything before ``/api/v1/`` (a base URL prefix) is ignored.
            query: Query parameters.
            headers: Request headers (any case).
            body: Raw body, as sent (``Content-Encoding`` zstd, gzip or deflate is undone
                here, within ``max_decompressed_body_bytes``).

        Returns:
            ``(status, headers, body)``.

        Raises:
            ConnectionDropped: The fault plan drops this connection (after processing).
        """
        lowered = {k.lower(): v for k, v in headers.items()}
        path = _api_path(path)
        refused = self._refusal(path, lowered)
        if refused is None and len(body) > self.max_body_bytes:
            refused = too_large(f"a body of {len(body)} bytes", self.max_body_bytes).to_reply()
        if refused is None:
            try:
                body = await self._decoded(body, lowered)
            except HttpError as exc:
                refused = exc.to_reply()
        if refused is not None:
            return refused.status, dict(refused.headers), refused.body
        call = Call(method.upper(), path, {}, query, lowered, body)
        reply, drop = await self._answer(call)
        if drop:
            raise ConnectionDropped(path)
        return reply.status, dict(reply.headers), reply.body

    async def _decoded(self, body: bytes, headers: dict[str, str]) -> bytes:
        encoding = headers.pop("content-encoding", None)
        if (encoding or "").strip().lower() in IDENTITY_ENCODINGS:
            return body
        # Decoding up to the limit is CPU work: keep it off the loop.
        limit = self.state.config.max_decompressed_body_bytes
        return await asyncio.to_thread(decode_content, body, encoding, limit)

    async def _answer(self, call: Call) -> tuple[Reply, bool]:
        if call.path.startswith(SIGNED_PREFIX):
            return await self._dispatch(call), False
        if not call.path.startswith("/api/v1/"):
            return json_reply({"detail": "Not Found"}, 404), False
        backpressure = call.headers.get("x-tinker-sampling-backpressure") == "1"
        fault = self.state.faults.decide(call.path, backpressure_header=backpressure)
        self.state.journal.fault(call.path, fault)
        if fault.latency_s > 0:
            await self.state.clock.sleep(fault.latency_s)
        if fault.error_5xx:
            return json_reply({"detail": "injected server error"}, 503), False
        if fault.backpressure:
            refused = {"detail": "sampling backpressure"}
            return json_reply(refused, 429, {"retry-after": "1"}), False
        if fault.paused:
            # A real server answers 408 when its long-poll runs out; answering at once would
            # turn a client's immediate re-poll into a busy loop. A short hold is enough.
            await self.state.clock.sleep(min(self.state.config.poll_timeout_s, 0.25))
            paused = {
                "detail": "queue paused",
                "queue_state": "paused_capacity",
                "queue_state_reason": "Tinker backend is running short on capacity",
            }
            return json_reply(paused, 408), False
        return await self._replayable(call), fault.drop

    async def _replayable(self, call: Call) -> Reply:
        idem = call.headers.get("x-idempotency-key")
        if call.method == "GET" or idem is None or call.path in _NOT_REPLAYED:
            return await self._dispatch(call)
        cache_key = (call.path, idem)
        known = self._replies.get(cache_key)
        if known is not None:
            try:
                return await asyncio.shield(known)
            except asyncio.CancelledError:
                if not known.cancelled():
                    raise  # this request itself was cancelled
                # The first attempt was abandoned before answering: process this one afresh.
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._replies[cache_key] = future
        while len(self._replies) > self.state.config.idempotency_cache_size:
            self._replies.popitem(last=False)
        try:
            reply = await self._dispatch(call)
        except BaseException:
            self._replies.pop(cache_key, None)
            future.cancel()
            raise
        if reply.status >= 500:
            # Not applied: a retry must be processed afresh.
            self._replies.pop(cache_key, None)
        future.set_result(reply)
        return reply

    async def _dispatch(self, call: Call) -> Reply:
        found = self._router.match(call.method, call.path)
        if found is None:
            return json_reply({"detail": "Not Found"}, 404)
        if found is False:
            return json_reply({"detail": "Method Not Allowed"}, 405)
        assert not isinstance(found, bool)
        handler, call.params = found
        try:
            if self.state.legacy:
                check_json_era_request(call.method, call.path, call.headers, call.body)
            return await handler(call)
        except HttpError as exc:
            return exc.to_reply()
        except UserError as exc:
            return exc.to_http().to_reply()

    async def aclose(self) -> None:
        """Cancel background work and stop worker threads."""
        await self.state.aclose()
