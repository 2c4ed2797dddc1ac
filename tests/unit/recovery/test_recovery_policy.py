"""RecoveryPolicy defaults, validation and backoff."""

from __future__ import annotations

import pickle

import pytest

from tinkex.domain.backoff import Backoff
from tinkex.errors import ConfigError, TinkexError
from tinkex.recovery import RecoveryExhaustedError, RecoveryPolicy


def test_defaults_match_tinkex_and_recovery_is_off() -> None:
    """The default policy is disabled, with the Tinkex numbers."""
    policy = RecoveryPolicy()
    assert policy.enabled is False
    assert (policy.max_attempts, policy.backoff_s, policy.max_backoff_s) == (3, 5.0, 60.0)
    assert policy.poll_interval_s == 30.0
    assert policy.checkpoint_strategy == "latest"
    assert policy.restore_optimizer is True
    assert policy.on_recovery is None
    assert policy.on_failure is None


def test_backoff_doubles_and_is_capped() -> None:
    """Attempt n waits backoff * 2**(n-1), never more than the cap."""
    policy = RecoveryPolicy(backoff_s=5.0, max_backoff_s=60.0)
    assert [policy.backoff_for(n) for n in range(1, 7)] == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0]
    assert policy.backoff_for(10_000) == 60.0
    assert policy.backoff == Backoff(base_s=5.0, max_s=60.0)  # the one shared formula


def test_a_cap_below_the_first_delay_caps_every_delay() -> None:
    """max_backoff_s under backoff_s means every wait is the cap (no bad Backoff)."""
    policy = RecoveryPolicy(backoff_s=10.0, max_backoff_s=3.0)
    assert [policy.backoff_for(n) for n in (1, 2, 9)] == [3.0, 3.0, 3.0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"backoff_s": -1.0},
        {"max_backoff_s": float("nan")},
        {"poll_interval_s": 0.0},
        {"checkpoint_strategy": "specific"},
        {"checkpoint_strategy": "best"},
        {"checkpoint_strategy": "newest"},
    ],
)
def test_bad_values_are_config_errors(kwargs: dict[str, object]) -> None:
    """Out-of-range values and unsupported strategies are refused, not defaulted."""
    with pytest.raises(ConfigError):
        RecoveryPolicy.from_mapping(kwargs)


def test_from_mapping_refuses_unknown_keys_and_builds_known_ones() -> None:
    """A mapping with the attribute names builds a policy; a typo is named."""
    policy = RecoveryPolicy.from_mapping(
        {
            "enabled": True,
            "checkpoint_strategy": "specific",
            "checkpoint_path": "tinker://r/weights/a",
        }
    )
    assert policy.enabled
    assert policy.checkpoint_path == "tinker://r/weights/a"
    with pytest.raises(ConfigError, match="max_attempt"):
        RecoveryPolicy.from_mapping({"max_attempt": 2})


def test_recovery_errors_pickle_with_their_data() -> None:
    """Errors keep run id and attempts across pickling, and are TinkexErrors."""
    error = RecoveryExhaustedError("gave up", run_id="run-1", attempts=3)
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, RecoveryExhaustedError)
    assert isinstance(copy, TinkexError)
    assert (copy.run_id, copy.attempts, str(copy)) == ("run-1", 3, "gave up")
