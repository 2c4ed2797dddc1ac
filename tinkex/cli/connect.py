"""What CLI commands talk to: a REST client, a file fetcher, and a ServiceClient on demand.

With ``--base-url local`` (or ``TINKER_BASE_URL=local``) the embedded backend runs in-process
on a data directory that persists between invocations (``--local-data-dir``, else
``TINKEX_LOCAL_DIR``, else the user cache), so a checkpoint saved by one process is listed by
the next. Its signed download URLs name a host without a socket, so downloads then go
through the in-process transport too.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkex.adapters.http_download import AiohttpFileFetcher
from tinkex.bootstrap.adapters import LOCAL_BASE_URL, local_adapters
from tinkex.bootstrap.compose import compose
from tinkex.clients.rest import RestClient
from tinkex.clients.service import ServiceClient
from tinkex.clients.transport_fetcher import TransportFileFetcher
from tinkex.config import load_config
from tinkex.ports.sessions import SessionEndReason

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from tinkex.local import LocalBackend
    from tinkex.ports.download import FileFetcher

__all__ = ["Connection", "ConnectionOptions", "connect"]

LOCAL_DIR_ENV = "TINKEX_LOCAL_DIR"


class ConnectionOptions:
    """The global CLI options that say where to connect.

    Args:
        base_url: ``--base-url`` (None: ``TINKER_BASE_URL``, then the public service).
        api_key: ``--api-key`` (None: ``TINKER_API_KEY``); never printed.
        local_data_dir: ``--local-data-dir`` for the embedded backend.
        env: The environment to read.
        log_level: The library's log level (``-v``: ``info``, ``-vv``: ``debug``); None reads
            ``TINKER_LOG``.
    """

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        local_data_dir: Path | None,
        env: Mapping[str, str],
        log_level: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.log_level = log_level
        self._api_key = api_key
        self.local_data_dir = local_data_dir
        self.env = env

    def __repr__(self) -> str:
        return f"ConnectionOptions(base_url={self.base_url!r})"

    @property
    def api_key(self) -> str | None:
        """The key given on the command line, if any."""
        return self._api_key

    def data_dir(self) -> Path | None:
        """The embedded backend's data directory (None: the backend's default)."""
        if self.local_data_dir is not None:
            return self.local_data_dir
        configured = self.env.get(LOCAL_DIR_ENV)
        return Path(configured) if configured else None


class Connection:
    """The clients one CLI command uses; `connect` builds and closes it."""

    def __init__(
        self,
        options: ConnectionOptions,
        rest: RestClient,
        fetcher: FileFetcher,
        backend: LocalBackend | None,
    ) -> None:
        self.rest = rest
        self.fetcher = fetcher
        self._options = options
        self._backend = backend
        self._service: ServiceClient | None = None

    async def service(self, **session: Any) -> ServiceClient:
        """A started ServiceClient (a session) on the same service; created once."""
        if self._service is None:
            options = self._options
            self._service = ServiceClient(
                api_key=options.api_key,
                base_url=None if self._backend is not None else options.base_url,
                backend=self._backend,
                env=options.env,
                log_level=options.log_level,
                **session,
            )
            await self._service.start()
        return self._service

    async def close_service(self, failed: bool) -> None:
        """Finish the session (if one was opened) as succeeded or errored."""
        if self._service is not None:
            reason = SessionEndReason.ERRORED if failed else SessionEndReason.SUCCESS
            await self._service.close(reason)


@contextlib.asynccontextmanager
async def connect(options: ConnectionOptions) -> AsyncIterator[Connection]:
    """Connect as the options say; everything opened is closed on exit.

    Raises:
        ConfigError: Missing or malformed API key or base URL.
    """
    config = load_config(
        api_key=options.api_key,
        base_url=options.base_url,
        log_level=options.log_level,
        env=options.env,
    )
    backend: LocalBackend | None = None
    fetcher: FileFetcher
    if config.is_local:
        from tinkex.local import InProcessTransport, LocalBackend

        backend = LocalBackend(options.data_dir())
        adapters = local_adapters(backend, owns_backend=False)
        fetcher = TransportFileFetcher(InProcessTransport(backend, LOCAL_BASE_URL))
    else:
        adapters = None
        fetcher = AiohttpFileFetcher()
    runtime = compose(config, adapters=adapters)
    failed = True
    try:
        await runtime.start(create_session=False)
        rest = RestClient(runtime.invoker, clock=runtime.clock, env=options.env)
        connection = Connection(options, rest, fetcher, backend)
        try:
            yield connection
            failed = False
        finally:
            await connection.close_service(failed)
    finally:
        await runtime.aclose()
        await fetcher.aclose()
        if backend is not None:
            await backend.aclose()
