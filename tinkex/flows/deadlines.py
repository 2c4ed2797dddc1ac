"""Per-call future deadlines: `future_deadline` and the resolver that honours it.

Every accepted request's future waits at most the manifest's ``futures.default_deadline_s``
for its result. A call made inside ``with future_deadline(seconds):`` gets that deadline
instead (None: no deadline).
The choice travels in a context variable: asyncio copies the context into the tasks a call
starts, so the futures created inside the block keep the deadline even when awaited after it.
"""

from __future__ import annotations

import contextlib
import math
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final, TypeVar

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterator

    from tinkex.flows.polling import PollingFutureResolver
    from tinkex.flows.polling_state import PendingInfo
    from tinkex.ports.futures import QueueStateObserver

__all__ = ["DeadlineResolver", "future_deadline"]

T = TypeVar("T")


class _Default:
    """Marks "no per-call choice": the manifest's default deadline applies."""

    def __repr__(self) -> str:
        return "<manifest default>"


_DEFAULT: Final = _Default()
_deadline: ContextVar[float | _Default | None] = ContextVar(
    "tinkex_future_deadline", default=_DEFAULT
)


@contextlib.contextmanager
def future_deadline(seconds: float | None) -> Iterator[None]:
    """Give the futures of the calls made inside the block their own deadline.

    ```python
    with future_deadline(7200):  # this step may queue for up to two hours
        future = training.forward_backward(data, "cross_entropy")
    result = await future        # FutureTimeoutError after 7200 s, not the default
    ```

    Args:
        seconds: How long each future may wait for its result once the server accepted its
            request, or None for no deadline (wait as long as the server keeps answering).

    Raises:
        ValidationError: `seconds` is not a positive finite number or None.
    """
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValidationError(
                f"must be a number of seconds or None, got {type(seconds).__name__}",
                field="seconds",
            )
        if not (math.isfinite(seconds) and seconds > 0):
            raise ValidationError(
                f"must be positive and finite (None: no deadline), got {seconds!r}",
                field="seconds",
            )
    token = _deadline.set(None if seconds is None else float(seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


class DeadlineResolver:
    """The runtime's future resolver: the polling resolver, with per-call deadlines applied.

    A `resolve` without an explicit `timeout_s` takes the deadline chosen by the caller's
    `future_deadline` block, else the resolver's configured default.
    """

    def __init__(self, inner: PollingFutureResolver) -> None:
        """Wrap `inner`, which polls and applies the manifest's default deadline."""
        self._inner = inner

    def pending(self) -> list[PendingInfo]:
        """Every future being polled right now, oldest first."""
        return self._inner.pending()

    def resolve(
        self,
        request_id: str,
        /,
        *,
        result_type: type[T],
        request_type: str,
        timeout_s: float | None = None,
        observer: QueueStateObserver | None = None,
        created_roundtrip_s: float | None = None,
        accept_protobuf: bool | None = None,
    ) -> Coroutine[Any, Any, T]:
        """Poll until the future finishes (see `PollingFutureResolver.resolve`).

        Not a coroutine itself: it returns the inner one, so every wake-up of a long poll
        passes through one frame fewer.
        """
        if timeout_s is None:
            chosen = _deadline.get()
            if not isinstance(chosen, _Default):
                # None means no deadline; the inner resolver reads None as "the default".
                timeout_s = math.inf if chosen is None else chosen
        return self._inner.resolve(
            request_id,
            result_type=result_type,
            request_type=request_type,
            timeout_s=timeout_s,
            observer=observer,
            created_roundtrip_s=created_roundtrip_s,
            accept_protobuf=accept_protobuf,
        )
