"""A client stack belongs to the event loop that started it; `LoopBinding` enforces that."""

from __future__ import annotations

import asyncio

from tinkex.errors import ClosedError

__all__ = ["WRONG_LOOP_MESSAGE", "LoopBinding"]

WRONG_LOOP_MESSAGE = (
    "this client was started on another event loop, and its connections belong to that "
    "loop; create a new ServiceClient on this loop (one per asyncio.run), or use the client "
    "only on the loop that started it"
)


class LoopBinding:
    """Remembers the loop a runtime started on and refuses every other one.

    An aiohttp session belongs to the loop it was created on: used from another one it fails
    half-way and leaves sockets open, so the check runs before anything is sent.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self) -> None:
        """Bind to the running loop (called when the runtime starts)."""
        self._loop = asyncio.get_running_loop()

    def check(self) -> None:
        """Raise unless unbound, outside any loop, or on the bound loop.

        Raises:
            ClosedError: A different loop is running.
        """
        bound = self._loop
        if bound is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            return  # sync access (a repr, `pending()`): nothing is sent from here
        if running is not bound:
            raise ClosedError(WRONG_LOOP_MESSAGE)
