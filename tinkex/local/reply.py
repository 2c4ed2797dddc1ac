"""What a backend handler answers: a status, headers and bytes, plus the error it may raise."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

__all__ = [
    "JSON",
    "PROTOBUF",
    "HttpError",
    "Reply",
    "UserError",
    "empty_reply",
    "encode_json",
    "json_reply",
]

JSON = "application/json"
PROTOBUF = "application/x-protobuf"

_ENCODER = msgspec.json.Encoder()


def encode_json(obj: object) -> bytes:
    """Encode plain Python data (dicts, lists, numbers, strings, None) as JSON bytes."""
    return _ENCODER.encode(obj)


@dataclass(frozen=True)
class Reply:
    """One HTTP answer of the backend.

    Attributes:
        status: HTTP status code.
        headers: Response headers (names lower-case).
        body: Raw body bytes.
        drop: When true the front end closes the connection instead of answering (a fault).
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop: bool = False


def json_reply(obj: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """Build a JSON reply from plain Python data."""
    merged = {"content-type": JSON, **(headers or {})}
    return Reply(status=status, headers=merged, body=encode_json(obj))


def empty_reply(status: int = 204) -> Reply:
    """A reply without a body (for endpoints whose answer clients ignore)."""
    return Reply(status=status)


class HttpError(Exception):
    """Raised by a handler to answer with an error status and a JSON ``detail``.

    Attributes:
        status: HTTP status code.
        detail: Human-readable reason, sent as ``{"detail": ...}``.
        extra: More top-level JSON fields (e.g. ``queue_state`` on a 408).
        headers: Extra response headers.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        extra: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def to_reply(self) -> Reply:
        """Render the error as a JSON reply."""
        return json_reply({"detail": self.detail, **self.extra}, self.status, self.headers)


class UserError(ValueError):
    """The caller asked for something impossible (bad path, missing checkpoint, bad input).

    Synchronous endpoints answer it with `status`; futures fail with category ``user``.

    Attributes:
        status: HTTP status for synchronous endpoints (400 unless said otherwise).
    """

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status

    def to_http(self) -> HttpError:
        """The equivalent `HttpError`.

        A conflict caused by the caller's request (already public, name taken) will not go
        away on retry, so it says ``x-should-retry: false``, as a Stainless-style server does;
        without it clients retry 409s for minutes.
        """
        headers = {"x-should-retry": "false"} if self.status == 409 else None
        return HttpError(self.status, str(self), headers=headers)
