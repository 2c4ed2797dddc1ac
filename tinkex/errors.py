"""The one error tree of tinkex.

```text
TinkexError
├── ConfigError (also ValueError)             bad configuration, caught before anything is sent
├── ValidationError (also ValueError)         bad input to a client method, caught before sending
├── ManifestError (also ValueError)           the manifest is invalid (names key path and line)
├── APIError                                  something happened on the wire
│   ├── APIConnectionError                    no HTTP response arrived
│   │   └── APITimeoutError (also TimeoutError)
│   ├── APIStatusError(status, request_id, body)
│   │   ├── BadRequestError 400, AuthenticationError 401, BillingError 402,
│   │   ├── PermissionDeniedError 403, NotFoundError 404, RequestTimeoutError 408,
│   │   ├── ConflictError 409, GoneError 410, UnprocessableEntityError 422,
│   │   ├── RateLimitError 429
│   │   └── InternalServerError 5xx
│   └── DecodeError(path)                      a response did not match its schema
├── RequestFailedError(request_id, category)  the server finished the request as failed
├── FutureTimeoutError (also TimeoutError)    a future's deadline passed; names what it waited for
├── ClosedError (also RuntimeError)           the client or session was already closed
└── UnsupportedByServerError                  the server lacks a feature the call needs
```

Errors carry data, not retry policy: whether to retry is decided by the pure classifier in
`tinkex.domain.retry`. Every error pickles round-trip, and none ever holds a credential:
messages are built from status, path and server bodies only, header values are never copied
in, and every message, status error body and request id is passed through
`tinkex.redaction` as the error is built, so a credential a server echoes back (or anything
shaped like an API key or a JWT) is masked before the error holds it.
"""

from __future__ import annotations

import builtins
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tinkex.domain.error_table import DEFAULT_ERROR, SERVER_ERROR, STATUS_ERRORS
from tinkex.redaction import redact_text, redact_value

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "ClosedError",
    "ConfigError",
    "ConflictError",
    "DecodeError",
    "FutureTimeoutError",
    "GoneError",
    "InternalServerError",
    "ManifestError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestErrorCategory",
    "RequestFailedError",
    "RequestTimeoutError",
    "TinkexError",
    "UnprocessableEntityError",
    "UnsupportedByServerError",
    "ValidationError",
    "status_error_for",
]


class RequestErrorCategory(StrEnum):
    """Who the server blames for a failed request."""

    UNKNOWN = "unknown"
    SERVER = "server"
    USER = "user"

    @classmethod
    def parse(cls, value: object) -> RequestErrorCategory:
        """Map a wire value to a category; anything unrecognised is UNKNOWN."""
        try:
            return cls(str(value).lower())
        except ValueError:
            return cls.UNKNOWN


def _rebuild(cls: type[TinkexError], message: str, state: dict[str, Any]) -> TinkexError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class TinkexError(Exception):
    """Base class of every error tinkex raises; its message never holds a credential."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_text(message))

    @property
    def message(self) -> str:
        """The human-readable message."""
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword data in __init__; rebuild from the message and the attribute
        # dict so that every subclass pickles without its own __reduce__.
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


class ConfigError(TinkexError, ValueError):
    """Configuration is missing or malformed (API key, base URL, environment variable...)."""


class ValidationError(TinkexError, ValueError):
    """A client method was given bad input; raised before anything is sent.

    Attributes:
        field: Dotted name of the offending argument or field, e.g. ``data[3].loss_fn_inputs``.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class ManifestError(TinkexError, ValueError):
    """The manifest is invalid.

    Attributes:
        key_path: Dotted path of the offending key, e.g. ``endpoints.training.forward.method``.
        line: 1-based line in the manifest file, when known.
        source: File name or label of the manifest.
    """

    def __init__(
        self, message: str, *, key_path: str, line: int | None, source: str = "<manifest>"
    ) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {key_path}: {message}")
        self.key_path = key_path
        self.line = line
        self.source = source


class APIError(TinkexError):
    """Something went wrong talking to the service.

    Attributes:
        method: HTTP method of the request, when known.
        url_path: Path of the request (never the query, which may carry identifiers only).
    """

    def __init__(self, message: str, *, method: str | None = None, url_path: str | None = None):
        super().__init__(message)
        self.method = method
        self.url_path = url_path


class APIConnectionError(APIError):
    """No HTTP response arrived (connection refused, reset, DNS, TLS...)."""


class APITimeoutError(APIConnectionError, builtins.TimeoutError):
    """The request timed out before a response arrived."""


class APIStatusError(APIError):
    """The service answered with an error status.

    Attributes:
        status: The HTTP status code.
        request_id: The server's request id header, or the future id the call concerned.
        body: The decoded JSON body (or the text) of the response, if any, with credentials
            masked.
        should_retry: The server's ``x-should-retry`` answer (True/False), or None if it
            gave none.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: object = None,
        request_id: str | None = None,
        method: str | None = None,
        url_path: str | None = None,
        should_retry: bool | None = None,
    ) -> None:
        super().__init__(message, method=method, url_path=url_path)
        self.status = status
        self.body = redact_value(body)
        self.request_id = None if request_id is None else redact_text(request_id)
        self.should_retry = should_retry


class BadRequestError(APIStatusError):
    """400: the server rejected the request as malformed."""


class AuthenticationError(APIStatusError):
    """401: the credential was missing, malformed or rejected."""


class BillingError(APIStatusError):
    """402: the account cannot be billed."""


class PermissionDeniedError(APIStatusError):
    """403: the credential may not do this."""


class NotFoundError(APIStatusError):
    """404: no such resource (or the server predates the endpoint)."""


class RequestTimeoutError(APIStatusError):
    """408: the server gave up waiting (for futures: still queued)."""


class ConflictError(APIStatusError):
    """409: the resource is in a conflicting state (e.g. already published)."""


class GoneError(APIStatusError):
    """410: the resource expired (a promise or a finished session)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but semantically invalid."""


class RateLimitError(APIStatusError):
    """429: too many requests; back off."""


class InternalServerError(APIStatusError):
    """5xx: the service failed."""


def _status_error_class(name: str) -> type[APIStatusError]:
    # The manifest's `errors:` table names classes of this module (checked when it is loaded).
    found: type[APIStatusError] = globals()[name]
    return found


# Generated from the manifest's `errors:` section (tinkex/domain/error_table.py).
_STATUS_ERRORS: Mapping[int, type[APIStatusError]] = {
    status: _status_error_class(name) for status, name in STATUS_ERRORS.items()
}
_SERVER_ERROR = _status_error_class(SERVER_ERROR)
_DEFAULT_ERROR = _status_error_class(DEFAULT_ERROR)


def status_error_for(status: int) -> type[APIStatusError]:
    """Return the error class for an HTTP status (as the manifest's `errors:` table says).

    Shipped: the 4xx listed in the tree above, InternalServerError for every 5xx, and
    APIStatusError for the rest.
    """
    found = _STATUS_ERRORS.get(status)
    if found is not None:
        return found
    return _SERVER_ERROR if status >= 500 else _DEFAULT_ERROR


class DecodeError(APIError):
    """A response body did not match the expected schema.

    Attributes:
        path: The JSON path of the first mismatch, e.g. ``$.sequences[0].tokens``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        method: str | None = None,
        url_path: str | None = None,
    ):
        super().__init__(message, method=method, url_path=url_path)
        self.path = path


class RequestFailedError(TinkexError):
    """The server finished an asynchronous request in a failed state.

    Attributes:
        request_id: The future's request id.
        category: Whether the server blames the user, itself, or does not say.
        request_type: The kind of request (``ForwardBackward``, ``Sample``...), when known.
    """

    def __init__(
        self,
        message: str,
        *,
        request_id: str,
        category: RequestErrorCategory = RequestErrorCategory.UNKNOWN,
        request_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.category = category
        self.request_type = request_type


class FutureTimeoutError(TinkexError, builtins.TimeoutError):
    """A future's deadline passed before the server finished it.

    Attributes:
        request_id: The future's request id.
        request_type: The kind of request.
        last_queue_state: The last queue state the server reported (``active``,
            ``paused_capacity``...), or None if it never said.
        seconds_since_last_response: How long since the server last answered a poll.
    """

    def __init__(
        self,
        *,
        request_id: str,
        request_type: str | None,
        timeout_s: float,
        last_queue_state: str | None,
        seconds_since_last_response: float | None,
    ) -> None:
        since = (
            "never answered"
            if seconds_since_last_response is None
            else f"last answered {seconds_since_last_response:.1f}s ago"
        )
        super().__init__(
            f"{request_type or 'request'} {request_id} not finished after {timeout_s:g}s "
            f"(last queue state: {last_queue_state or 'unknown'}; server {since}); the request "
            "may still finish on the server: wait longer with "
            "tinkex.clients.futures.future_deadline(seconds) or the call's timeout"
        )
        self.request_id = request_id
        self.request_type = request_type
        self.timeout_s = timeout_s
        self.last_queue_state = last_queue_state
        self.seconds_since_last_response = seconds_since_last_response


class ClosedError(TinkexError, RuntimeError):
    """The client, session or resource was already closed."""


class UnsupportedByServerError(TinkexError):
    """The server does not offer a feature this call needs (e.g. streaming sampling)."""
