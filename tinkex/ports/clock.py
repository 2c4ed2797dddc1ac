"""The Clock port: every timing in tinkex goes through it, so tests run in virtual time."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Clock"]


class Clock(Protocol):
    """Monotonic time and sleeping.

    `sleep` is cancellable and raises `asyncio.CancelledError` when cancelled.
    """

    def monotonic(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def time(self) -> float:
        """Seconds since the Unix epoch (wall clock), for timestamps only."""
        ...

    async def sleep(self, seconds: float, /) -> None:
        """Wait `seconds` (zero or negative yields once)."""
        ...
