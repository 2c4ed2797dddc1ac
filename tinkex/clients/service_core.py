"""The hand-written core of `ServiceClient` (generated on it): configuration, start, close.

```python
async with tinkex.ServiceClient() as service:          # config + session on enter
    training = await service.create_lora_training_client("Qwen/Qwen3-8B", rank=32)
    ...
                                                         # session finished on exit
```
Everything runs on the caller's event loop. Configuration comes from the arguments, then the
environment (`TINKER_API_KEY`, `TINKER_BASE_URL`...); ``base_url="local"`` selects the
embedded backend, which is never chosen otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Self

from tinkex._compose import compose_client, split_telemetry
from tinkex.clients.futures import FutureState, PendingRequest
from tinkex.config import load_config
from tinkex.domain.headers import current_sdk_method
from tinkex.errors import ClosedError, ConfigError
from tinkex.ports.client import SessionOptions
from tinkex.ports.sessions import SessionEndReason

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from types import TracebackType

    from opentelemetry.metrics import Meter
    from opentelemetry.trace import Tracer

    from tinkex._compose import Adapters
    from tinkex.config import HeartbeatMode
    from tinkex.local import LocalBackend
    from tinkex.manifest.schema import Manifest
    from tinkex.metrics import Metrics
    from tinkex.ports.client import ClientContext
    from tinkex.ports.clock import Clock
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.telemetry import TelemetrySink
    from tinkex.ports.transport import Transport
    from tinkex.telemetry import TelemetryReporter

__all__ = ["ServiceClientCore"]


class ServiceClientCore:
    """A session with the Tinker service, and the factory of every other client.

    Every request goes through one connection pool and every timing through one clock; pass
    your own as with ``httpx.AsyncClient(transport=...)``, e.g. the doubles of
    `tinkex.testing`:

    ```python
    from tinkex.testing import RecordingTelemetrySink, ScriptedTransport, VirtualClock

    transport = ScriptedTransport()  # answers from routes; records every request
    service = ServiceClient(
        base_url="local", transport=transport, clock=VirtualClock(),
        telemetry=RecordingTelemetrySink(),
    )
    ```

    Session heartbeats: with ``heartbeat="thread"`` (the default for an HTTP service reached
    through tinkex's own connections) a daemon thread with its own event loop and connection
    sends them, so the session survives code that blocks the event loop for longer than the
    server's session timeout. With ``heartbeat="loop"`` (the default, and the only choice,
    for the in-process backend and for a transport you pass) they are a task on your loop
    and no thread is started.

    Args:
        api_key: The API key (``tml-…``); defaults to ``TINKER_API_KEY``.
        base_url: The service URL; defaults to ``TINKER_BASE_URL``, then the public service.
            ``"local"`` runs the embedded backend in-process.
        user_metadata: Stored with the session.
        project_id: The project new runs belong to; defaults to ``TINKER_PROJECT_ID``.
        display_name: A human-readable session name.
        tags: Session tags; default ``TINKER_TAGS``.
        telemetry: Send SDK telemetry; default ``TINKER_TELEMETRY`` (on). A `TelemetrySink`
            instead receives every event (and nothing is uploaded).
        log_level: ``debug``/``info``/...; default ``TINKER_LOG``.
        default_headers: Extra headers on every request.
        backend: An embedded backend instance to talk to in-process (tests, notebooks).
        local_data_dir: Where ``base_url="local"`` keeps checkpoints (default: user cache).
        manifest: Another manifest than the shipped one.
        transport: A `Transport`, or a `ConnectionPool` (one transport per traffic class),
            that carries every request, addressed to `base_url` (``http://local`` for
            ``"local"``); closed with the client.
        clock: The time source of every backoff, poll, deadline and heartbeat the client
            keeps (a request's own timeout is the transport's).
        heartbeat: ``"thread"`` or ``"loop"``; default ``TINKEX_HEARTBEAT``, then as above.
        adapters: Fully custom adapters (internal; excludes `transport`, `clock`,
            `heartbeat` and a telemetry sink).
        env: The environment to read (default `os.environ`).
        tracer: OpenTelemetry tracer for the SDK's spans (default: the global provider's).
        metrics: A `tinkex.metrics.Metrics` registry that every HTTP attempt reports to.
        first_contact_timeout_s: How long the first requests to `base_url` may go without
            any response before the start fails with `APIConnectionError` naming the host;
            default ``TINKER_FIRST_CONTACT_TIMEOUT``, then 10 s. A server that has answered
            once has its restarts waited out as usual.
        meter: OpenTelemetry meter for the SDK's metric instruments (default: the global
            provider's; see ``docs/guides/observability.md``).

    A client belongs to the event loop that started it (its connections do): using it from
    another loop raises `ClosedError`. A start that fails or is cancelled closes the client
    and its connections; create a new one to try again.
    """

    _started = False
    _start_failure: str | None = None

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        project_id: str | None = None,
        display_name: str | None = None,
        tags: list[str] | None = None,
        telemetry: bool | TelemetrySink | None = None,
        log_level: str | None = None,
        default_headers: Mapping[str, str] | None = None,
        backend: LocalBackend | None = None,
        local_data_dir: Path | None = None,
        manifest: Manifest | None = None,
        adapters: Adapters | None = None,
        env: Mapping[str, str] | None = None,
        tracer: Tracer | None = None,
        metrics: Metrics | None = None,
        meter: Meter | None = None,
        transport: Transport | ConnectionPool | None = None,
        clock: Clock | None = None,
        heartbeat: HeartbeatMode | None = None,
        first_contact_timeout_s: float | None = None,
    ) -> None:
        if backend is not None and base_url is None:
            base_url = "local"
        telemetry_on, sink = split_telemetry(telemetry)
        if adapters is not None and any(x is not None for x in (transport, clock, sink, heartbeat)):
            raise ConfigError("adapters= replaces transport=, clock=, heartbeat= and a sink")
        self._config = load_config(
            api_key=api_key,
            base_url=base_url,
            project_id=project_id,
            tags=tags,
            telemetry=telemetry_on,
            log_level=log_level,
            default_headers=default_headers,
            env=env,
            heartbeat=heartbeat,
            first_contact_timeout_s=first_contact_timeout_s,
        )
        self._runtime: ClientContext = compose_client(
            self._config,
            adapters=adapters,
            backend=backend,
            local_data_dir=local_data_dir,
            transport=transport,
            clock=clock,
            telemetry=sink,
            manifest=manifest,
            session=SessionOptions(
                user_metadata=dict(user_metadata or {}),
                project_id=project_id,
                display_name=display_name,
            ),
            tracer=tracer,
            metrics=metrics,
            meter=meter,
        )
        self._start_lock = asyncio.Lock()

    def __repr__(self) -> str:
        # Also called on a half-built client (its constructor raised): read defensively.
        config = getattr(self, "_config", None)
        if config is None:
            return "<ServiceClient (not configured)>"
        return f"<ServiceClient base_url={config.base_url!r} started={self._started}>"

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            reason = SessionEndReason.SUCCESS
        elif isinstance(exc, Exception):
            reason = SessionEndReason.ERRORED
        else:
            reason = SessionEndReason.INTERRUPTED
        await self._finish(reason, None if exc is None else type(exc).__name__)

    async def start(self) -> None:
        """Negotiate the server config and create the session (done once; safe to repeat).

        Called by every method that needs the session, so ``async with`` is optional. A
        start that fails or is cancelled closes the client (and every connection it opened)
        before the error propagates.

        Raises:
            ClosedError: The client was closed, or was started on another event loop.
            APIConnectionError: The base URL never answered within `first_contact_timeout_s`.
        """
        async with self._start_lock:
            self._check_open()
            if self._started:
                self._runtime.check_loop()
                return
            # The heartbeat and other background tasks started here copy this context:
            # they must not claim to be the public method that happened to start the session.
            token = current_sdk_method.set(None)
            try:
                await self._runtime.start()
            except BaseException as exc:
                await self._abandon_start(exc)
                raise
            finally:
                current_sdk_method.reset(token)
            self._started = True

    async def _abandon_start(self, error: BaseException) -> None:
        """Release what a failed or cancelled start opened; the client stays closed."""
        self._start_failure = type(error).__name__
        reason = (
            SessionEndReason.ERRORED
            if isinstance(error, Exception)
            else SessionEndReason.INTERRUPTED
        )
        # The start's own error is what the caller must see, not a failure to clean up.
        with contextlib.suppress(Exception):
            await self._runtime.aclose(reason, self._start_failure)

    async def _finish(self, status: SessionEndReason | str, detail: str | None) -> None:
        """Finish the session with `status` and release every connection (safe to repeat)."""
        reason = SessionEndReason(status)
        async with self._start_lock:  # never close half-way through a start
            await self._runtime.aclose(reason, detail)

    @property
    def closed(self) -> bool:
        """True once `close` was called."""
        return self._runtime.closed

    def _check_open(self) -> None:
        if self._runtime.closed:
            if self._start_failure is not None:
                raise ClosedError(
                    f"ServiceClient is closed: its start failed ({self._start_failure}); "
                    "create a new ServiceClient to try again"
                )
            raise ClosedError("ServiceClient is closed")

    @property
    def runtime(self) -> ClientContext:
        """The wired client stack (for advanced use and tests)."""
        return self._runtime

    def pending(self) -> list[PendingRequest]:
        """Every request of this client and the clients it made that is still outstanding.

        Oldest first: requests still being submitted (sent, or waiting out retries, but not
        yet accepted by the server: ``state`` is ``submitting`` and there is no request id
        yet) and accepted ones whose result is being polled for (``pending``). For
        debugging a hang: a request that stays here names its type, age and what the server
        last said about it.
        """
        if not self._started or self._runtime.closed:
            return []
        submitting = [
            PendingRequest(
                state=FutureState.SUBMITTING,
                request_type=s.request_type,
                age_s=s.age_s,
                endpoint=s.endpoint,
                sdk_method=s.sdk_method,
            )
            for s in self._runtime.submissions()
        ]
        polling = [
            PendingRequest(
                state=FutureState.PENDING,
                request_type=p.request_type,
                age_s=p.age_s,
                request_id=p.request_id,
                poll_iterations=p.iterations,
                last_status=p.last_status,
                last_queue_state=p.last_queue_state,
                seconds_since_last_response=p.seconds_since_last_response,
            )
            for p in self._runtime.pending_futures()
        ]
        return sorted([*submitting, *polling], key=lambda r: r.age_s, reverse=True)

    async def session_id(self) -> str:
        """The server's id of this session."""
        await self.start()
        return await self._runtime.session.ensure_session()

    async def telemetry_reporter(self) -> TelemetryReporter | None:
        """The reporter of this session's telemetry, or None when telemetry is off."""
        from tinkex.telemetry import telemetry_reporter

        return await telemetry_reporter(self)
