"""`RecoveryPolicy`: whether and how a corrupted training run is restored from a checkpoint.

Recovery is opt-in: the default policy is disabled, and nothing in tinkex restores a run on its
own. The defaults follow Tinkex (3 attempts; 5 s backoff doubling up to 60 s; a poll every
30 s; the run's latest checkpoint; optimizer state restored). Unlike Tinkex, a bad value is an
error here rather than silently replaced by its default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, TypeVar

import msgspec

from tinkex.domain.backoff import Backoff
from tinkex.errors import ConfigError, TinkexError

__all__ = [
    "CheckpointStrategy",
    "RecoveryError",
    "RecoveryExhaustedError",
    "RecoveryPolicy",
    "RecoveryResult",
]

C = TypeVar("C")

CheckpointStrategy = Literal["latest", "specific"]
"""``latest``: the run's last training checkpoint; ``specific``: the policy's checkpoint_path."""


class RecoveryError(TinkexError):
    """Recovery could not start or was refused (disabled policy, duplicate, no checkpoint).

    Attributes:
        run_id: The training run concerned, when known.
    """

    def __init__(self, message: str, *, run_id: str | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id


class RecoveryExhaustedError(RecoveryError):
    """Every attempt to restore a run failed.

    Attributes:
        attempts: How many attempts were made.
    """

    def __init__(self, message: str, *, run_id: str | None = None, attempts: int = 0) -> None:
        super().__init__(message, run_id=run_id)
        self.attempts = attempts


class RecoveryResult(msgspec.Struct, Generic[C], frozen=True, kw_only=True):
    """A restored run.

    Attributes:
        run_id: The corrupted run.
        checkpoint_path: The ``tinker://…/weights/…`` checkpoint it was restored from.
        client: The new training client (a new run initialised from the checkpoint).
        attempts: Attempts it took (1 on first success).
    """

    run_id: str
    checkpoint_path: str
    client: C
    attempts: int


OnRecovery = Callable[[RecoveryResult[Any]], object]
"""Called after a successful restore (may return an awaitable, which is awaited)."""

OnFailure = Callable[[str, BaseException], object]
"""Called with the run id and the last error once every attempt failed."""


class RecoveryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """When and how to restore a corrupted training run.

    Attributes:
        enabled: Recovery only runs when True (default False: never automatic).
        max_attempts: Restore attempts before giving up.
        backoff_s: Delay before the second attempt; doubles each attempt.
        max_backoff_s: Ceiling of that delay.
        poll_interval_s: How often a `RecoveryMonitor` checks watched runs.
        checkpoint_strategy: ``latest`` or ``specific``.
        checkpoint_path: The checkpoint for ``specific`` (a ``tinker://…/weights/…`` path).
        restore_optimizer: Restore the optimizer state too
            (`create_training_client_from_state_with_optimizer`).
        on_recovery: Called with the `RecoveryResult` after a restore.
        on_failure: Called with the run id and the last error after the final attempt.

    Raises:
        ConfigError: A value is out of range, ``specific`` lacks a path, or the strategy is
            ``best`` (reserved by Tinkex, not supported).
    """

    enabled: bool = False
    max_attempts: int = 3
    backoff_s: float = 5.0
    max_backoff_s: float = 60.0
    poll_interval_s: float = 30.0
    checkpoint_strategy: CheckpointStrategy = "latest"
    checkpoint_path: str | None = None
    restore_optimizer: bool = True
    on_recovery: OnRecovery | None = None
    on_failure: OnFailure | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigError(f"max_attempts must be >= 1, got {self.max_attempts}")
        for name in ("backoff_s", "max_backoff_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"{name} must be finite and >= 0, got {value}")
        if not (math.isfinite(self.poll_interval_s) and self.poll_interval_s > 0):
            raise ConfigError(f"poll_interval_s must be > 0, got {self.poll_interval_s}")
        strategy: str = self.checkpoint_strategy
        if strategy == "best":
            raise ConfigError("checkpoint_strategy 'best' is not supported; use latest or specific")
        if strategy not in ("latest", "specific"):
            raise ConfigError(f"checkpoint_strategy must be latest or specific, got {strategy!r}")
        if strategy == "specific" and not self.checkpoint_path:
            raise ConfigError("checkpoint_strategy 'specific' needs checkpoint_path")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> RecoveryPolicy:
        """Build a policy from a mapping (e.g. parsed config); keys are the attribute names.

        Raises:
            ConfigError: An unknown key or a bad value.
        """
        known = set(cls.__struct_fields__)
        unknown = sorted(str(key) for key in values if key not in known)
        if unknown:
            raise ConfigError(f"unknown recovery policy keys {unknown}")
        return cls(**{str(key): value for key, value in values.items()})

    @property
    def backoff(self) -> Backoff:
        """The wait between attempts: `backoff_s` doubling up to `max_backoff_s`."""
        # A cap below the first delay makes every delay the cap (as min() always did).
        return Backoff(base_s=min(self.backoff_s, self.max_backoff_s), max_s=self.max_backoff_s)

    def backoff_for(self, attempt: int) -> float:
        """Delay after failed attempt `attempt` (1-based): ``backoff_s * 2**(n-1)``, capped."""
        return self.backoff.delay(attempt - 1)
