"""Table-driven tests of the pure retry policy in tinkex.domain.retry."""

from __future__ import annotations

import email.utils
import random

import pytest

from tinkex.domain.retry import (
    RetryDecision,
    backoff_delay,
    classify,
    classify_outer,
    retry_after_s,
)
from tinkex.errors import (
    APIConnectionError,
    APITimeoutError,
    ConflictError,
    InternalServerError,
    RateLimitError,
    status_error_for,
)
from tinkex.flows.features import RetryConfig
from tinkex.ports.transport import HttpResponse

NOW = 1_700_000_000.0
SETTINGS = RetryConfig()


class FixedRandom(random.Random):
    """A Random whose `random()` always returns the same value."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def decide(
    outcome: HttpResponse | BaseException,
    *,
    attempt: int = 0,
    max_retries: int = 10,
    u: float = 0.0,
) -> RetryDecision:
    return classify(
        outcome,
        attempt=attempt,
        max_retries=max_retries,
        settings=SETTINGS,
        rng=FixedRandom(u),
        now=NOW,
    )


def response(code: int, **headers: str) -> HttpResponse:
    return HttpResponse(status=code, headers=headers)


@pytest.mark.parametrize(
    ("code", "retried"),
    [
        (400, False),
        (401, False),
        (402, False),
        (403, False),
        (404, False),
        (408, True),
        (409, True),
        (410, False),
        (422, False),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (599, True),
    ],
)
def test_status_codes_are_retried_exactly_on_408_409_429_and_5xx(code: int, retried: bool) -> None:
    """Only 408, 409, 429 and 5xx are retried by default."""
    decision = decide(response(code))
    assert decision.retry is retried
    assert str(code) in decision.reason
    assert decision.delay_s == (0.5 if retried else 0.0)


@pytest.mark.parametrize(
    ("code", "header", "retried"),
    [
        (400, "true", True),
        (404, "true", True),
        (500, "false", False),
        (429, "false", False),
        (500, "maybe", True),
        (400, "maybe", False),
    ],
)
def test_x_should_retry_overrides_the_status(code: int, header: str, retried: bool) -> None:
    """x-should-retry true/false wins over the status; other values are ignored."""
    decision = decide(HttpResponse(status=code, headers={"x-should-retry": header}))
    assert decision.retry is retried


def _in(seconds: float) -> str:
    return email.utils.formatdate(NOW + seconds, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "delay"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after": "60"}, 60.0),
        ({"retry-after": _in(10)}, 10.0),
        ({"retry-after": "0"}, 0.5),
        ({"retry-after": "61"}, 0.5),
        ({"retry-after": "-3"}, 0.5),
        ({"retry-after-ms": "60001"}, 0.5),
        ({"retry-after": _in(-30)}, 0.5),
        ({"retry-after": _in(3600)}, 0.5),
        ({"retry-after": "next tuesday"}, 0.5),
    ],
)
def test_retry_after_is_honoured_only_within_zero_to_sixty_seconds(
    headers: dict[str, str], delay: float
) -> None:
    """retry-after(-ms) in (0, 60] sets the delay; otherwise backoff applies."""
    decision = decide(HttpResponse(status=503, headers=headers))
    assert decision.retry
    assert decision.delay_s == pytest.approx(delay)


def test_retry_after_parses_an_http_date_relative_to_now() -> None:
    """An HTTP-date retry-after becomes seconds from now."""
    assert retry_after_s({"retry-after": _in(42)}, now=NOW) == pytest.approx(42.0)
    assert retry_after_s({}, now=NOW) is None
    assert retry_after_s({"retry-after": "garbage"}, now=NOW) is None


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (APIConnectionError("Connection error."), "connection error"),
        (APITimeoutError("Request timed out."), "timeout"),
    ],
)
def test_no_response_errors_are_retried_with_their_reason(
    error: BaseException, reason: str
) -> None:
    """Connection errors and timeouts are retried, each with its reason."""
    decision = decide(error, attempt=1)
    assert decision == RetryDecision(True, 1.0, reason)


def test_other_exceptions_are_not_retried() -> None:
    """Unknown exceptions are not retried; status errors follow their status."""
    assert not decide(ValueError("bug")).retry
    assert decide(status_error_for(503)("x", status=503)).retry
    assert not decide(status_error_for(400)("x", status=400)).retry


@pytest.mark.parametrize(
    ("attempt", "max_retries", "retried"),
    [(0, 0, False), (0, 1, True), (1, 1, False), (9, 10, True), (10, 10, False)],
)
def test_attempts_are_exhausted_after_max_retries(
    attempt: int, max_retries: int, retried: bool
) -> None:
    """No retry once attempt reaches max_retries."""
    decision = decide(response(500), attempt=attempt, max_retries=max_retries)
    assert decision.retry is retried
    if not retried:
        assert "retries exhausted" in decision.reason


def test_exhaustion_does_not_mask_a_non_retryable_reason() -> None:
    """A non-retryable status reports why, not exhaustion."""
    decision = decide(response(400), attempt=10, max_retries=10)
    assert decision.reason == "status 400 is not retryable"


@pytest.mark.parametrize(
    ("attempt", "u", "delay"),
    [
        (0, 0.0, 0.5),
        (1, 0.0, 1.0),
        (2, 0.0, 2.0),
        (3, 0.0, 4.0),
        (4, 0.0, 8.0),
        (5, 0.0, 10.0),
        (50, 0.0, 10.0),
        (5000, 0.0, 10.0),
        (2, 0.5, 1.75),
        (4, 1.0, 6.0),
    ],
)
def test_backoff_doubles_caps_and_removes_up_to_a_quarter(
    attempt: int, u: float, delay: float
) -> None:
    """Backoff doubles from 0.5 s, caps at 10 s, jitter removes up to 25 %."""
    assert backoff_delay(attempt, SETTINGS, FixedRandom(u)) == pytest.approx(delay)


def test_backoff_jitter_comes_from_the_injected_random() -> None:
    """The same seed gives the same delays."""
    first = [backoff_delay(3, SETTINGS, random.Random(5)) for _ in range(3)]
    again = [backoff_delay(3, SETTINGS, random.Random(5)) for _ in range(3)]
    assert first == again
    assert all(3.0 < d <= 4.0 for d in first)


@pytest.mark.parametrize(
    ("attempt", "elapsed", "delay"),
    [
        (0, 0.0, 1.0),
        (1, 0.0, 2.0),
        (2, 10.0, 4.0),
        (3, 10.0, 8.0),
        (4, 10.0, 16.0),
        (5, 10.0, 30.0),
        (9, 10.0, 30.0),
        (8, 295.0, 5.0),
        (0, 299.5, 0.5),
    ],
)
def test_outer_backoff_is_capped_and_trimmed_to_the_budget(
    attempt: int, elapsed: float, delay: float
) -> None:
    """Outer delays are 2**attempt capped at 30 s and trimmed to the budget."""
    error = InternalServerError("boom", status=500)
    decision = classify_outer(error, attempt=attempt, elapsed_s=elapsed)
    assert decision.retry
    assert decision.delay_s == pytest.approx(delay)


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (RateLimitError("x", status=429), True),
        (status_error_for(408)("x", status=408), True),
        (status_error_for(409)("x", status=409), True),
        (status_error_for(400)("x", status=400), False),
        (status_error_for(402)("x", status=402), False),
        (APIConnectionError("x"), True),
        (APITimeoutError("x"), True),
        (TimeoutError(), True),
        (ValueError("x"), False),
    ],
)
def test_outer_layer_retries_connection_errors_and_retryable_statuses(
    error: BaseException, retried: bool
) -> None:
    """The outer layer retries no-response errors and 408/409/429/5xx only."""
    assert classify_outer(error, attempt=0, elapsed_s=0.0).retry is retried


def test_outer_layer_gives_up_once_the_budget_is_spent() -> None:
    """Nothing is retried once 300 s have passed."""
    decision = classify_outer(APIConnectionError("x"), attempt=2, elapsed_s=300.0)
    assert not decision.retry
    assert "budget" in decision.reason


@pytest.mark.parametrize(("should_retry", "retried"), [(False, False), (True, True), (None, True)])
def test_outer_layer_honours_the_servers_should_retry_answer(
    should_retry: bool | None, retried: bool
) -> None:
    """A 409 the server marked x-should-retry: false is not re-run by the outer layer."""
    error = ConflictError("conflict", status=409, should_retry=should_retry)
    assert classify_outer(error, attempt=0, elapsed_s=0.0).retry is retried
