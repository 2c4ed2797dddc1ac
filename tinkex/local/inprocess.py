"""`InProcessTransport`: the tinkex `Transport` port answered by a `LocalBackend`, no sockets."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from tinkex.errors import APIConnectionError, APITimeoutError, ClosedError
from tinkex.local.service import ConnectionDropped
from tinkex.ports.transport import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from tinkex.local.service import LocalBackend

__all__ = ["InProcessTransport"]


class InProcessTransport:
    """Send requests straight to a backend's `handle` coroutine.

    Args:
        backend: The backend to call.
        base_url: The base URL clients use; its path prefix is stripped (signed
            ``/local/signed/...`` URLs outside the prefix pass through unchanged).
        close_backend: Also close the backend in `aclose`.

    Raises tinkex `APITimeoutError` when `HttpRequest.timeout_s` passes and
    `APIConnectionError` when the fault plan drops the connection; 4xx/5xx are returned.
    """

    def __init__(
        self, backend: LocalBackend, base_url: str = "http://local", *, close_backend: bool = False
    ) -> None:
        self.backend = backend
        split = urlsplit(base_url)
        self._host = split.netloc or "local"
        self._prefix = split.path.rstrip("/")
        self._close_backend = close_backend
        self._closed = False
        self._watching = False

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        """Answer the request in-process."""
        if self._closed:
            raise ClosedError("transport is closed")
        if not self._watching:
            # The backend shares the caller's loop: let it tell the loop's stalls (user code
            # blocking it) from sessions whose heartbeats really stopped.
            self.backend.watch_sessions()
            self._watching = True
        split = urlsplit(request.url)
        path = unquote(split.path)
        if self._prefix and path.startswith(self._prefix + "/"):
            path = path[len(self._prefix) :]
        headers = {"host": split.netloc or self._host}
        headers.update({k.lower(): v for k, v in request.headers})
        call = self.backend.handle(
            request.method, path, dict(parse_qsl(split.query)), headers, request.body or b""
        )
        try:
            if request.timeout_s is None:
                status, reply_headers, body = await call
            else:
                status, reply_headers, body = await asyncio.wait_for(call, request.timeout_s)
        except TimeoutError as exc:
            message = f"request timed out after {request.timeout_s}s"
            raise APITimeoutError(message, method=request.method, url_path=path) from exc
        except ConnectionDropped as exc:
            raise APIConnectionError(
                "connection dropped by the server", method=request.method, url_path=path
            ) from exc
        lowered = {k.lower(): v for k, v in reply_headers.items()}
        return HttpResponse(status=status, headers=lowered, body=body)

    async def aclose(self) -> None:
        """Refuse further sends (and close the backend if asked to)."""
        if self._closed:
            return
        self._closed = True
        if self._close_backend:
            await self.backend.aclose()
