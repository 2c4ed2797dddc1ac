"""The error tree: status mapping, pickling with attributes, and no credentials inside."""

from __future__ import annotations

import ast
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

import tinkex.errors as errors
from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.domain import error_table
from tinkex.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BillingError,
    ConflictError,
    DecodeError,
    FutureTimeoutError,
    GoneError,
    InternalServerError,
    ManifestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestErrorCategory,
    RequestFailedError,
    RequestTimeoutError,
    TinkexError,
    UnprocessableEntityError,
    ValidationError,
    status_error_for,
)
from tinkex.flows.retrying import status_error
from tinkex.ports.transport import HttpResponse

API_KEY = "tml-Zx9SuperSecretKeyValue000111"
CF_SECRET = "cf-secret-value-998877"

ERROR_CLASSES = sorted(
    (
        obj
        for name in errors.__all__
        if isinstance(obj := getattr(errors, name), type) and issubclass(obj, BaseException)
    ),
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, BillingError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (408, RequestTimeoutError),
        (409, ConflictError),
        (410, GoneError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (599, InternalServerError),
        (418, APIStatusError),
        (451, APIStatusError),
    ],
)
def test_status_maps_to_its_error_class(status: int, expected: type[APIStatusError]) -> None:
    """Each status of the spec's table gets its class; others get the generic one."""
    assert status_error_for(status) is expected
    assert issubclass(status_error_for(status), APIStatusError)


def test_status_table_is_the_generated_one_from_the_manifest() -> None:
    """`status_error_for` follows `domain/error_table.py` (generated from `errors:`)."""
    for status, name in error_table.STATUS_ERRORS.items():
        assert status_error_for(status).__name__ == name
    assert status_error_for(504).__name__ == error_table.SERVER_ERROR
    assert status_error_for(499).__name__ == error_table.DEFAULT_ERROR


def _tinkex_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] == "tinkex"}


def test_errors_stay_a_leaf_module() -> None:
    """errors.py imports only its generated table and the redaction leaf (no manifest load)."""
    assert _tinkex_imports(Path(errors.__file__)) == {
        "tinkex.domain.error_table",
        "tinkex.redaction",
    }
    redaction = Path(errors.__file__).with_name("redaction.py")
    assert _tinkex_imports(redaction) == set()
    table = ast.parse(Path(error_table.__file__).read_text(encoding="utf-8"))
    assert not [n for n in table.body if isinstance(n, ast.Import | ast.ImportFrom)]


def _build(cls: type[BaseException]) -> BaseException:
    """Build an instance with every attribute set to a distinctive value."""
    if issubclass(cls, APIStatusError):
        return cls(
            "Error code: 409 - {'detail': 'busy'}",
            status=409,
            body={"detail": "busy", "n": [1, 2]},
            request_id="req-42",
            method="POST",
            url_path="/api/v1/forward",
        )
    if issubclass(cls, DecodeError):
        return cls("bad shape", path="$.sequences[0].tokens", url_path="/api/v1/sample")
    if issubclass(cls, APIError):
        return cls("connection reset", method="GET", url_path="/api/v1/healthz")
    if issubclass(cls, ValidationError):
        return cls("must be positive", field="data[3].weights")
    if issubclass(cls, ManifestError):
        return cls("unknown key", key_path="endpoints.x.method", line=12, source="tinker.yaml")
    if issubclass(cls, RequestFailedError):
        return cls(
            "boom",
            request_id="fut-1",
            category=RequestErrorCategory.USER,
            request_type="ForwardBackward",
        )
    if issubclass(cls, FutureTimeoutError):
        return cls(
            request_id="fut-2",
            request_type="Sample",
            timeout_s=30.0,
            last_queue_state="paused_capacity",
            seconds_since_last_response=2.5,
        )
    assert issubclass(cls, TinkexError), cls
    return cls(f"{cls.__name__} happened")


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_error_pickles_round_trip_with_its_attributes(cls: type[BaseException]) -> None:
    """Type, message and every attribute survive pickling."""
    original = _build(cls)
    restored = pickle.loads(pickle.dumps(original))
    assert type(restored) is cls
    assert str(restored) == str(original)
    assert vars(restored) == vars(original)
    assert restored.args == original.args


def test_every_error_class_is_exercised() -> None:
    """The parametrization above covers the whole exported tree."""
    names = {cls.__name__ for cls in ERROR_CLASSES}
    assert {"TinkexError", "APIStatusError", "FutureTimeoutError", "ClosedError"} <= names
    assert len(names) >= 24


def test_timeouts_are_builtin_timeouts_and_connection_errors() -> None:
    """APITimeoutError is caught both as a connection error and as TimeoutError."""
    error = APITimeoutError("slow", method="GET", url_path="/x")
    assert isinstance(error, APIConnectionError)
    assert isinstance(error, TimeoutError)


def _echoing_response(status: int) -> HttpResponse:
    """A response whose headers echo the credentials back, as a misbehaving proxy might."""
    return HttpResponse(
        status=status,
        headers={
            "content-type": "application/json",
            "x-api-key": API_KEY,
            "cf-access-client-secret": CF_SECRET,
            "x-request-id": "req-7",
        },
        body=json.dumps({"detail": "rejected"}).encode(),
    )


def _error_from(response: HttpResponse) -> APIStatusError:
    """Build a status error the way the wire layer does: from status, body and request id."""
    body: Any = json.loads(response.body)
    return status_error_for(response.status)(
        f"Error code: {response.status} - {body!r}",
        status=response.status,
        body=body,
        request_id=response.headers.get("x-request-id"),
        method="POST",
        url_path="/api/v1/sample",
    )


@pytest.mark.parametrize("status", [400, 401, 403, 429, 500])
@pytest.mark.parametrize("build", ["local", "flows"])
def test_status_errors_never_carry_echoed_credentials(status: int, build: str) -> None:
    """Headers are not copied into errors, so an echoed key never reaches str, repr or pickle."""
    response = _echoing_response(status)
    if build == "flows":
        error = status_error(
            response, method="POST", path="/api/v1/sample", json_codec=MsgspecJsonCodec()
        )
    else:
        error = _error_from(response)
    assert isinstance(error, status_error_for(status))
    assert error.body == {"detail": "rejected"}
    rendered = [str(error), repr(error), repr(vars(error)), pickle.dumps(error).decode("latin-1")]
    for text in rendered:
        assert API_KEY not in text
        assert CF_SECRET not in text
    assert error.request_id == "req-7"
