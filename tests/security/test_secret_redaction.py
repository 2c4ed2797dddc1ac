"""Credentials a server echoes back are masked before an error or a log line holds them."""

from __future__ import annotations

import io
import pickle
import traceback

import pytest

from tinkex.config import Secret, load_config
from tinkex.errors import (
    APIConnectionError,
    APIStatusError,
    RequestFailedError,
    status_error_for,
)
from tinkex.flows.logging import configure_logging, redact_value
from tinkex.redaction import MASK, redact_text, remember_secret

API_KEY = "tml-EchoedKey0123456789abcdef"
CF_SECRET = "cf-echoed-secret-0123456789"  # no recognisable shape: only remembering finds it
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlY2hvIn0.ZWNob2VkLXNpZ25hdHVyZQ"
BEARER_TOKEN = "opaque-bearer-token-0123456789"


@pytest.fixture(autouse=True)
def configured() -> None:
    """A configuration holding every kind of credential, as a client would."""
    load_config(
        api_key=API_KEY,
        base_url="https://svc.example",
        default_headers={"Authorization": f"Bearer {BEARER_TOKEN}"},
        env={"CLOUDFLARE_ACCESS_CLIENT_SECRET": CF_SECRET},
    )


def _renderings(error: BaseException) -> list[str]:
    return [
        str(error),
        repr(error),
        repr(vars(error)),
        pickle.dumps(error).decode("latin-1"),
        "".join(traceback.format_exception(error)),
    ]


def _assert_clean(texts: list[str]) -> None:
    for text in texts:
        for secret in (API_KEY, CF_SECRET, JWT, BEARER_TOKEN):
            assert secret not in text, text


@pytest.mark.parametrize("status", [400, 401, 403, 422, 500])
def test_a_status_error_masks_credentials_echoed_in_its_message_and_body(status: int) -> None:
    """str, repr, vars, pickle and traceback of the error hold none of the echoed secrets."""
    echoed = f"bad key {API_KEY}; cf {CF_SECRET}; jwt {JWT}; bearer {BEARER_TOKEN}"
    body = {"detail": echoed, "nested": [{"key": API_KEY}], API_KEY: "as a key"}
    with pytest.raises(APIStatusError) as caught:
        raise status_error_for(status)(
            f"Error code: {status} - {echoed}",
            status=status,
            body=body,
            request_id=f"req-{CF_SECRET}",
        )
    error = caught.value
    _assert_clean(_renderings(error))
    assert isinstance(error, status_error_for(status))
    assert error.body == {
        "detail": f"bad key {MASK}; cf {MASK}; jwt {MASK}; bearer {MASK}",
        "nested": [{"key": MASK}],
        MASK: "as a key",
    }
    assert error.request_id == f"req-{MASK}"
    restored = pickle.loads(pickle.dumps(error))
    assert restored.body == error.body
    assert str(restored) == str(error)


def test_every_error_message_is_masked() -> None:
    """Failed futures and connection errors mask what the server said, too."""
    failed = RequestFailedError(f"model load failed for {CF_SECRET}", request_id="r-1")
    broken = APIConnectionError(f"proxy said {JWT}")
    _assert_clean(_renderings(failed) + _renderings(broken))
    assert str(failed) == f"model load failed for {MASK}"


def test_jwt_and_key_shapes_are_masked_without_being_remembered() -> None:
    """A token nobody configured is still masked when it looks like a key or a JWT."""
    stranger_jwt = "eyJ0eXAiOiJKV1QifQ.eyJ4Ijoic3RyYW5nZXIifQ.c3RyYW5nZXI"
    assert redact_text(f"a {stranger_jwt} and tml-stranger_Key-1 here") == (
        f"a {MASK} and {MASK} here"
    )


def test_short_values_are_not_searched_for() -> None:
    """A 7-character secret would mangle ordinary text, so it is only masked by header name."""
    Secret("abc1234")
    assert redact_text("abc1234 stays") == "abc1234 stays"


def test_the_remembered_set_is_bounded_and_forgets_the_oldest_first() -> None:
    """After many fresh credentials the earliest is forgotten; the latest is still masked."""
    first = "first-remembered-0000"
    remember_secret(first)
    for index in range(300):
        remember_secret(f"rotating-token-{index:05d}")
    assert redact_text(first) == first
    assert redact_text("rotating-token-00299") == MASK


def test_secrets_are_remembered_again_in_a_process_that_unpickles_them() -> None:
    """Unpickling a Secret (a worker rebuilding a client) remembers its value there too."""
    fresh = "worker-secret-0123456789"
    pickle.loads(pickle.dumps(Secret(fresh)))
    assert redact_text(fresh) == MASK


def test_log_lines_mask_remembered_values_and_exception_tracebacks() -> None:
    """The rendered line, tracebacks passed as exc_info included, holds no credential."""
    stream = io.StringIO()
    logger = configure_logging("debug", stream=stream)
    logger.info("echo", detail=f"server said {CF_SECRET}", body={"k": [BEARER_TOKEN]})
    try:
        raise KeyError(f"lookup of {CF_SECRET} failed")  # not a tinkex error: unmasked itself
    except KeyError:
        logger.exception("failed")
    output = stream.getvalue()
    _assert_clean([output])
    assert "lookup of *** failed" in output
    assert redact_value({"x-api-key": "short"}) == {"x-api-key": MASK}


def test_a_printed_http_request_shows_header_names_not_credentials() -> None:
    from tinkex.ports.transport import HttpRequest

    request = HttpRequest(
        method="POST",
        url="http://127.0.0.1:1/api/v1/forward",
        headers=(("X-API-Key", "tml-printed-secret"), ("Content-Type", "application/json")),
        body=b"{}",
    )
    shown = repr(request) + str(request)
    assert "tml-printed-secret" not in shown
    assert "X-API-Key" in shown
    assert "2 bytes" in shown
