"""A loopback Tinker server that records every request it answers.

The embedded backend (`tinkex.local.LocalBackend`) answers; an aiohttp middleware writes down
each request first: method, path, query, headers and body, with the body decoded (JSON parsed,
protobuf ForwardBackwardRequest turned into a dict field by field). Two recordings of the same
scenario by two clients are then compared by ``wire_diff``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from google.protobuf.json_format import MessageToDict

from tinkex.local import BackendConfig, LocalBackend, make_app
from tinkex.proto.fwdbwd_request_decode import decompress_body
from tinkex.proto.messages import ForwardBackwardRequest

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    from aiohttp.typedefs import Handler

__all__ = ["RecordedRequest", "RecordingServer", "decode_body"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it reached the server."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    """Lower-cased names; a repeated header keeps its values joined by ``, ``."""
    body: Any
    """Parsed JSON, a dict of the protobuf message, None when empty."""


def decode_body(raw: bytes, content_type: str, content_encoding: str | None) -> Any:
    """The body as data: JSON parsed, protobuf parsed with the public schema, else None."""
    if not raw:
        return None
    if "application/x-protobuf" in content_type:
        message = ForwardBackwardRequest.FromString(decompress_body(raw, content_encoding))
        return {"protobuf": MessageToDict(message, preserving_proto_field_name=True)}
    return json.loads(raw)


@dataclass
class RecordingServer:
    """`LocalBackend` on 127.0.0.1 (a free port), recording requests in `records`.

    Use as ``async with RecordingServer(tmp_path) as server: ... server.url ...``.
    """

    data_dir: Path
    legacy: bool = False
    config: BackendConfig | None = None
    records: list[RecordedRequest] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def __aenter__(self) -> RecordingServer:
        backend = LocalBackend(self.data_dir, legacy=self.legacy, seed=0, config=self.config)
        app = make_app(backend)
        app.middlewares.append(self._record)
        self._runner = web.AppRunner(app, auto_decompress=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()  # cached by aiohttp: the backend reads the same bytes
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        self.records.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=tuple(sorted(request.query.items())),
                headers=headers,
                body=decode_body(
                    raw, headers.get("content-type", ""), headers.get("content-encoding")
                ),
            )
        )
        return await handler(request)
