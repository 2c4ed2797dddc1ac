"""`VirtualClock`: virtual time for tests, so backoffs, polls and heartbeats take no real time."""

from __future__ import annotations

from tinkex.adapters.clock import FakeClock

__all__ = ["VirtualClock"]


class VirtualClock(FakeClock):
    """A `Clock` whose time moves only when the code under test waits on it.

    ``sleep`` parks the caller until virtual time reaches its deadline. By default time jumps
    straight to the earliest deadline as soon as nothing else can run, so a retry loop with
    30 s of backoff finishes at once, in the order real time would give; with
    ``auto_advance=False`` only `advance` moves it. Work that takes real time (a request
    answered by a server thread) runs inside `hold` so that time does not jump meanwhile.

    ```python
    clock = VirtualClock()
    service = ServiceClient(base_url="local", transport=transport, clock=clock)
    ...
    assert clock.elapsed >= 0.5  # the client backed off, in virtual time
    ```

    Args:
        start: The initial `monotonic` value.
        auto_advance: Jump to the next deadline whenever only sleepers are left.

    Attributes:
        sleeps: Every delay requested, in order.
    """

    def __init__(self, start: float = 1_000.0, *, auto_advance: bool = True) -> None:
        super().__init__(start, auto_advance=auto_advance)
        self._start = start

    @property
    def elapsed(self) -> float:
        """Virtual seconds since the clock was created."""
        return self.monotonic() - self._start
