"""Table-driven tests of the pure retry policy in tinkex.domain.retry."""

from __future__ import annotations

import email.utils
import random

import pytest

from tinkex.domain.backoff import Backoff
from tinkex.domain.retry import (
    RetryDecision,
    RetryRules,
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
from tinkex.flows.features import OuterRetryConfig, RetryConfig
from tinkex.ports.transport import HttpResponse

NOW = 1_700_000_000.0
SETTINGS = RetryConfig()
OUTER = OuterRetryConfig()


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
    streak: int | None = None,
    max_retries: int = 10,
    u: float = 0.0,
    settings: RetryConfig = SETTINGS,
) -> RetryDecision:
    return classify(
        outcome,
        attempt=attempt,
        streak=attempt if streak is None else streak,
        max_retries=max_retries,
        settings=settings,
        jitter=FixedRandom(u),
        now=NOW,
    )


def decide_outer(
    error: BaseException,
    *,
    streak: int = 0,
    elapsed: float = 0.0,
    rules: RetryRules = OUTER.rules,
    requested: float | None = None,
) -> RetryDecision:
    return classify_outer(
        error,
        streak=streak,
        elapsed_s=elapsed,
        budget_s=OUTER.budget_s,
        backoff=OUTER.backoff,
        rules=rules,
        requested_s=requested,
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
    assert decision.requested is (delay != 0.5)


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
    ("streak", "u", "delay"),
    [
        (0, 0.0, 0.5),
        (1, 0.0, 1.0),
        (2, 0.0, 2.0),
        (3, 0.0, 4.0),
        (4, 0.0, 8.0),
        (5, 0.0, 10.0),
        (50, 0.0, 10.0),
        (2, 0.5, 1.75),
        (4, 1.0, 6.0),
    ],
)
def test_http_backoff_follows_the_streak_not_the_attempt(
    streak: int, u: float, delay: float
) -> None:
    """The backoff grows with the streak of backoff-answered retries, not with the attempt."""
    decision = decide(response(503), attempt=9, streak=streak, u=u)
    assert (decision.retry, decision.reason, decision.requested) == (True, "status 503", False)
    assert decision.delay_s == pytest.approx(delay)


def test_retries_after_honoured_hints_start_from_the_base_delay() -> None:
    """Nine hinted retries leave the streak at 0: the next unhinted one waits 0.5 s, not 10."""
    assert decide(response(429, **{"retry-after-ms": "1000"}), attempt=9, streak=0).delay_s == 1.0
    assert decide(response(503), attempt=9, streak=0).delay_s == 0.5


@pytest.mark.parametrize(
    ("streak", "elapsed", "delay"),
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
    streak: int, elapsed: float, delay: float
) -> None:
    """Outer delays are 1 s doubling to 30 s and trimmed to the 300 s budget."""
    error = InternalServerError("boom", status=500)
    decision = decide_outer(error, streak=streak, elapsed=elapsed)
    assert decision.retry
    assert decision.delay_s == pytest.approx(delay)


def test_outer_layer_waits_the_servers_retry_after_instead_of_its_backoff() -> None:
    """A retry-after the backoff honours replaces 2**n (and is trimmed to the budget too)."""
    error = RateLimitError("x", status=429)
    assert decide_outer(error, streak=4, requested=0.25) == RetryDecision(
        True, 0.25, "status 429", True
    )
    assert decide_outer(error, streak=4, requested=61.0).delay_s == 16.0  # beyond the cap
    assert decide_outer(error, streak=0, elapsed=299.9, requested=5.0).delay_s == pytest.approx(0.1)


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
    assert decide_outer(error).retry is retried


def test_outer_layer_gives_up_once_the_budget_is_spent() -> None:
    """Nothing is retried once 300 s have passed."""
    decision = decide_outer(APIConnectionError("x"), streak=2, elapsed=300.0)
    assert not decision.retry
    assert "budget" in decision.reason


@pytest.mark.parametrize(("should_retry", "retried"), [(False, False), (True, True), (None, True)])
def test_outer_layer_honours_the_servers_should_retry_answer(
    should_retry: bool | None, retried: bool
) -> None:
    """A 409 the server marked x-should-retry: false is not re-run by the outer layer."""
    error = ConflictError("conflict", status=409, should_retry=should_retry)
    assert decide_outer(error).retry is retried
    ignoring = RetryRules(honor_should_retry=False)
    assert decide_outer(error, rules=ignoring).retry  # 409 is retried whatever the server says


@pytest.mark.parametrize(
    ("rules", "outcome", "retried"),
    [
        (RetryRules(statuses=frozenset({408, 429})), response(409), False),
        (RetryRules(statuses=frozenset({408, 429})), response(429), True),
        (RetryRules(statuses=frozenset({404})), response(404), True),
        (RetryRules(server_errors=False), response(503), False),
        (RetryRules(server_errors=False, statuses=frozenset({503})), response(503), True),
        (RetryRules(connection_errors=False), APIConnectionError("x"), False),
        (RetryRules(connection_errors=False), APITimeoutError("x"), False),
        (RetryRules(honor_should_retry=False), response(503, **{"x-should-retry": "false"}), True),
        (RetryRules(honor_should_retry=False), response(400, **{"x-should-retry": "true"}), False),
        (RetryRules(), response(503, **{"x-should-retry": " FALSE "}), False),
    ],
)
def test_rules_decide_what_the_http_layer_retries(
    rules: RetryRules, outcome: HttpResponse | BaseException, retried: bool
) -> None:
    """Statuses, 5xx, lost connections and x-should-retry each follow their rule."""
    assert decide(outcome, settings=RetryConfig(rules=rules)).retry is retried


def test_http_backoff_comes_from_the_settings() -> None:
    """The backoff of the settings (not a constant) sets the delays."""
    settings = RetryConfig(backoff=Backoff(base_s=0.1, max_s=0.3, retry_after_max_s=2.0))
    assert [decide(response(503), attempt=n, settings=settings).delay_s for n in range(4)] == [
        pytest.approx(0.1),
        pytest.approx(0.2),
        pytest.approx(0.3),
        pytest.approx(0.3),
    ]
    hinted = decide(response(429, **{"retry-after": "3"}), settings=settings)
    assert (hinted.delay_s, hinted.requested) == (0.1, False)  # 3 s is beyond this cap
