"""Structured logging of the pipeline: events per attempt and retry, and no secrets anywhere."""

from __future__ import annotations

import pytest
import structlog
from pipeline_fakes import (
    API_KEY,
    CF_HEADERS,
    CF_SECRET,
    CREATE_MODEL,
    Created,
    make_invoker,
    ok,
    scripted,
    status,
)
from structlog.testing import capture_logs

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport
from tinkex.errors import BadRequestError
from tinkex.flows.logging import MASK, redact_headers, redact_secrets

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
WEIGHTS_TOKEN = "weights-token-shh"


async def test_a_retried_call_logs_attempts_and_retries_without_secrets() -> None:
    """Two attempts, one retry, and neither the API key nor the CF secret in any event."""
    transport = InMemoryTransport()
    transport.route("POST", ".*/create_model", scripted(status(500), ok()))
    clock = FakeClock()
    invoker = make_invoker(
        transport, clock, default_headers=CF_HEADERS, logger=structlog.get_logger()
    )
    with capture_logs() as logs:
        await invoker.invoke(
            CREATE_MODEL,
            {},
            response_type=Created,
            headers={"X-Tinker-Weights-Access-Token": WEIGHTS_TOKEN},
        )
    events = [e["event"] for e in logs]
    assert events == ["http.attempt", "http.retry", "http.attempt"]
    retry = logs[1]
    assert retry["delay_s"] == pytest.approx(clock.sleeps[0], abs=1e-3)
    assert retry["reason"] == "status 500"
    logged_headers = dict(logs[0]["headers"])
    assert logged_headers["X-API-Key"] == MASK
    assert logged_headers["CF-Access-Client-Secret"] == MASK
    assert logged_headers["X-Tinker-Weights-Access-Token"] == MASK
    text = repr(logs)
    for secret in (API_KEY, CF_SECRET, WEIGHTS_TOKEN):
        assert secret not in text
    # The request itself still carries the real credential.
    assert transport.sent[1].header("X-API-Key") == API_KEY


async def test_a_final_error_is_logged_once_with_status_and_endpoint() -> None:
    """The final failure is one `http.error` warning naming status and endpoint."""
    transport = InMemoryTransport()
    transport.route("POST", ".*/create_model", scripted(status(400, x_request_id="r-1")))
    invoker = make_invoker(transport, FakeClock(), logger=structlog.get_logger())
    with capture_logs() as logs, pytest.raises(BadRequestError):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    (error,) = [e for e in logs if e["event"] == "http.error"]
    assert error["log_level"] == "warning"
    assert error["status"] == 400
    assert error["endpoint"] == "service.create_model"
    assert error["request_id"] == "r-1"


def test_redaction_masks_secret_keys_and_secret_looking_values() -> None:
    """Header names, API keys and JWTs are masked wherever they appear in an event."""
    event = {
        "event": f"sending with {API_KEY}",
        "x-api-key": "anything",
        "Authorization": "Bearer x",
        "nested": {"token": JWT, "list": [API_KEY, "plain"]},
        "headers": [("CF-Access-Client-Secret", CF_SECRET), ("Accept", "application/json")],
        "count": 3,
    }
    out = redact_secrets(None, "info", dict(event))
    assert out["event"] == f"sending with {MASK}"
    assert out["x-api-key"] == MASK
    assert out["Authorization"] == MASK
    assert out["nested"] == {"token": MASK, "list": [MASK, "plain"]}
    assert out["headers"] == [("CF-Access-Client-Secret", MASK), ("Accept", "application/json")]
    assert out["count"] == 3


def test_redact_headers_masks_by_name_and_by_value() -> None:
    """Secret header names are masked, and so are API keys under other names."""
    assert redact_headers([("X-Api-Key", "k"), ("X-Other", API_KEY), ("Accept", "a")]) == [
        ("X-Api-Key", MASK),
        ("X-Other", MASK),
        ("Accept", "a"),
    ]
