"""`local_service`: a ServiceClient over the embedded backend, in virtual time, in one call."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tinkex.errors import ConfigError
from tinkex.testing.clock import VirtualClock
from tinkex.testing.transport import ScriptedTransport

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tinkex.clients.service import ServiceClient
    from tinkex.local import BackendConfig, FaultPlan
    from tinkex.ports.telemetry import TelemetrySink
    from tinkex.ports.transport import HttpRequest, HttpResponse, Transport

__all__ = ["local_service"]

_BASE_URL = "http://local"


@contextlib.asynccontextmanager
async def local_service(
    *,
    fault_plan: FaultPlan | None = None,
    clock: VirtualClock | None = None,
    transport: ScriptedTransport | None = None,
    telemetry: bool | TelemetrySink = False,
    data_dir: Path | None = None,
    legacy: bool = False,
    seed: int = 0,
    backend_config: BackendConfig | None = None,
) -> AsyncIterator[ServiceClient]:
    """A `ServiceClient` talking in-process to a fresh embedded backend, in virtual time.

    The client's clock is virtual: retry backoffs, billing pauses, poll intervals and
    heartbeats cost no real time. The backend's model work runs for real, and virtual time
    does not jump while a request is being answered (else it would race through heartbeats
    and timeouts while the backend computes). The backend keeps its own real clock: injected
    ``latency_ms`` and ``paused_408`` holds take real time, and, since the two clocks disagree,
    its sessions never expire unless `backend_config` says otherwise.

    ```python
    async with local_service(fault_plan=FaultPlan(error_5xx=0.3, seed=1)) as service:
        losses = await my_trainer(service)  # retried through every injected 503
    ```

    Args:
        fault_plan: Faults the backend injects (5xx, dropped connections, 429, 408...).
        clock: The client's virtual clock (default: a new one); read ``elapsed`` after.
        transport: A `ScriptedTransport` without a fallback: its routes answer first and the
            backend answers the rest; it records every exchange.
        telemetry: A sink for the client's telemetry events, or False (off).
        data_dir: Where the backend keeps checkpoints (default: a temporary directory,
            removed on exit).
        legacy: Run the backend as a JSON-era server (no client config, no protobuf).
        seed: The backend's model seed.
        backend_config: Backend tunables (default: sessions never expire).

    Yields:
        The client (not started; it starts on first use). It and the backend are closed on
        exit.

    Raises:
        ConfigError: `transport` already has a fallback.
    """
    from tinkex.clients.service import ServiceClient  # loaded only when a test asks for one
    from tinkex.local import BackendConfig, InProcessTransport, LocalBackend

    if transport is not None and transport.fallback is not None:
        raise ConfigError("local_service: the transport must not have a fallback (the backend is)")
    clock = clock if clock is not None else VirtualClock()
    router = transport if transport is not None else ScriptedTransport()
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tinkex-")))
        backend = LocalBackend(
            data_dir,
            fault_plan=fault_plan,
            legacy=legacy,
            seed=seed,
            config=BackendConfig(session_ttl_s=None) if backend_config is None else backend_config,
        )
        in_process = InProcessTransport(backend, _BASE_URL, close_backend=True)
        router.fallback = _RealTimeTransport(in_process, clock)
        try:
            service = ServiceClient(
                base_url="local", transport=router, clock=clock, telemetry=telemetry
            )
        except BaseException:
            await router.aclose()
            raise
        try:
            yield service
        finally:
            await service.close()  # closes the router, and with it the backend


class _RealTimeTransport:
    """Holds the virtual clock while the backend answers: its model work takes real time."""

    def __init__(self, inner: Transport, clock: VirtualClock) -> None:
        self._inner = inner
        self._clock = clock

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        with self._clock.hold():
            return await self._inner.send(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
