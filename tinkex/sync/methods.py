"""The decorators `tinkex/sync/clients.py` (generated from the manifest) builds methods with.

Each one takes the async client's method and returns a decorator for a stub that gives the
blocking method its name and docstring; the method is then the async one run on
`tinkex.sync`'s loop, answering as the manifest says (``sync:``, ``returns:``, ``aliases:``).
Typing follows the async method: same parameters, and the result type it awaits.

| decorator | async method | blocking method |
|---|---|---|
| `blocking` | awaitable or future | waits, returns the result |
| `blocking_client` | awaitable or future of a client | waits, returns the blocking twin |
| `as_future` | awaitable or future | returns a `tinkex.sync.APIFuture` at once |
| `direct` / `direct_client` | immediate | calls it in the caller's thread |
| `streamed` | async iterator | a blocking iterator |
| `constructor` | static constructor | a classmethod building the twin |
| `awaited` / `awaited_client` | awaitable or future | ``async``: awaits the result |
| `future_async` | future | ``async``: gives a `tinkex.sync.APIFuture` |
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from tinkex.adapters.clock import SystemClock
from tinkex.clients.futures import APIFuture as AsyncAPIFuture
from tinkex.clients.futures import FutureTracker
from tinkex.sync.future import APIFuture
from tinkex.sync.loop import LoopThread, default_loop

if TYPE_CHECKING:
    from tinkex.sync.bases import SyncClient

__all__ = [
    "as_future",
    "awaited",
    "awaited_client",
    "blocking",
    "blocking_client",
    "constructor",
    "direct",
    "direct_client",
    "future_async",
    "streamed",
]

A = TypeVar("A")
P = ParamSpec("P")
T = TypeVar("T")
C = TypeVar("C", bound="SyncClient[Any]")
F = TypeVar("F", bound=Callable[..., Any])
Stub = Callable[..., Any]


def blocking(
    method: Callable[Concatenate[A, P], Awaitable[T]],
) -> Callable[[Stub], Callable[Concatenate[Any, P], T]]:
    """Wait for the async method's result."""

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], T]:
        def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> T:
            return self._loop.run(_awaited(method, self._inner, args, kwargs))

        return _named(call, stub, method)

    return decorate


def blocking_client(
    method: Callable[Concatenate[A, P], Awaitable[Any]], client: type[C]
) -> Callable[[Stub], Callable[Concatenate[Any, P], C]]:
    """Wait for the async method's client and return its blocking twin."""

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], C]:
        def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> C:
            inner = self._loop.run(_awaited(method, self._inner, args, kwargs))
            return client.wrap(inner, self._loop)

        return _named(call, stub, method)

    return decorate


def as_future(
    method: Callable[Concatenate[A, P], Awaitable[T]],
    check: Callable[P, object] | None = None,
) -> Callable[[Stub], Callable[Concatenate[Any, P], APIFuture[T]]]:
    """Start the async method on the loop and return a blocking future of its result.

    Arguments are checked (and bad ones raised) before this returns, as the async method
    checks them when called. With `check` (the manifest's ``check:`` hook), they are checked
    in the caller's thread and the method is started without waiting for the loop thread:
    a fan-out of blocking calls then costs no thread round trip per call.
    """

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], APIFuture[T]]:
        name = stub.__name__

        def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> APIFuture[T]:
            inner, loop = self._inner, self._loop
            if check is not None:
                check(*args, **kwargs)
                return APIFuture.starting(
                    lambda: _started(method(inner, *args, **kwargs), name), loop, name
                )
            return loop.call(
                lambda: APIFuture.attach(_started(method(inner, *args, **kwargs), name), loop)
            )

        return _named(call, stub, method)

    return decorate


def direct(
    method: Callable[Concatenate[A, P], T],
) -> Callable[[Stub], Callable[Concatenate[Any, P], T]]:
    """Call the (immediate) async-client method in the caller's thread."""

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], T]:
        def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> T:
            return method(self._inner, *args, **kwargs)

        return _named(call, stub, method)

    return decorate


def direct_client(
    method: Callable[Concatenate[A, P], Any], client: type[C]
) -> Callable[[Stub], Callable[Concatenate[Any, P], C]]:
    """Call the (immediate) method on the loop's thread and return the client's twin."""

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], C]:
        def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> C:
            inner = self._inner
            made = self._loop.call(lambda: method(inner, *args, **kwargs))
            return client.wrap(made, self._loop)

        return _named(call, stub, method)

    return decorate


def streamed(
    method: Callable[Concatenate[A, P], AsyncIterator[T]],
) -> Callable[[Stub], Callable[Concatenate[Any, P], Iterator[T]]]:
    """Iterate the async iterator from blocking code, one item per round trip to the loop.

    Arguments are checked when the method is called; leaving the loop early closes the
    async iterator.
    """

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], Iterator[T]]:
        def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
            inner = self._inner
            iterator = self._loop.call(lambda: method(inner, *args, **kwargs))
            return _blocking_iteration(iterator, self._loop)

        return _named(call, stub, method)

    return decorate


def constructor(
    method: Callable[P, Any],
) -> Callable[[Stub], classmethod[Any, P, Any]]:
    """A static constructor of the async client, as a classmethod building its twin."""

    def decorate(stub: Stub) -> classmethod[Any, P, Any]:
        def call(cls: type[SyncClient[Any]], /, *args: P.args, **kwargs: P.kwargs) -> Any:
            loop = default_loop()
            return cls.wrap(loop.call(lambda: method(*args, **kwargs)), loop)

        named = _named(call, stub, method)
        del named.__wrapped__  # type: ignore[attr-defined]  # show cls, then method's parameters
        cls_parameter = inspect.Parameter("cls", inspect.Parameter.POSITIONAL_ONLY)
        signature = inspect.signature(method)
        named.__signature__ = signature.replace(  # type: ignore[attr-defined]  # read by inspect
            parameters=[cls_parameter, *signature.parameters.values()]
        )
        return classmethod(named)

    return decorate


def awaited(
    method: Callable[Concatenate[A, P], Awaitable[T]],
) -> Callable[[Stub], Callable[Concatenate[Any, P], Awaitable[T]]]:
    """An ``async`` method (on any loop) awaiting the async method's result."""

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], Awaitable[T]]:
        async def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> T:
            return await self._loop.run_async(_awaited(method, self._inner, args, kwargs))

        return _named(call, stub, method)

    return decorate


def awaited_client(
    method: Callable[Concatenate[A, P], Awaitable[Any]], client: type[C]
) -> Callable[[Stub], Callable[Concatenate[Any, P], Awaitable[C]]]:
    """An ``async`` method awaiting the async method's client; gives the blocking twin."""

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], Awaitable[C]]:
        async def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> C:
            made = await self._loop.run_async(_awaited(method, self._inner, args, kwargs))
            return client.wrap(made, self._loop)

        return _named(call, stub, method)

    return decorate


def future_async(
    method: Callable[Concatenate[A, P], Awaitable[T]],
) -> Callable[[Stub], Callable[Concatenate[Any, P], Awaitable[APIFuture[T]]]]:
    """An ``async`` method that starts the async method and gives its blocking future."""

    def decorate(stub: Stub) -> Callable[Concatenate[Any, P], Awaitable[APIFuture[T]]]:
        name = stub.__name__

        async def call(self: SyncClient[Any], /, *args: P.args, **kwargs: P.kwargs) -> APIFuture[T]:
            inner, loop = self._inner, self._loop
            return await loop.run_async(
                _call_started(lambda: method(inner, *args, **kwargs), name, loop)
            )

        return _named(call, stub, method)

    return decorate


async def _awaited(
    method: Callable[..., Awaitable[T]], inner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> T:
    return await method(inner, *args, **kwargs)


def _started(answer: Awaitable[T], name: str) -> AsyncAPIFuture[T]:
    """The async method's future, or a future of its coroutine (run as a task at once)."""
    if isinstance(answer, AsyncAPIFuture):
        return answer
    tracker = FutureTracker(name, clock=SystemClock())
    return AsyncAPIFuture.start(_awaiting(answer), tracker, name=f"tinkex-sync-{name}")


async def _awaiting(answer: Awaitable[T]) -> T:
    return await answer


async def _call_started(
    function: Callable[[], Awaitable[T]], name: str, loop: LoopThread
) -> APIFuture[T]:
    return APIFuture.attach(_started(function(), name), loop)


def _blocking_iteration(iterator: AsyncIterator[T], loop: LoopThread) -> Iterator[T]:
    try:
        while True:
            try:
                yield loop.run(_next(iterator))
            except StopAsyncIteration:
                return
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None and not loop.closed:
            loop.run(close())


async def _next(iterator: AsyncIterator[T]) -> T:
    return await anext(iterator)


def _named(call: F, stub: Stub, method: Callable[..., Any]) -> F:
    """`call`, showing `method`'s signature under `stub`'s name and docstring."""
    functools.update_wrapper(call, method)
    call.__name__ = stub.__name__
    call.__qualname__ = stub.__qualname__
    call.__module__ = stub.__module__
    call.__doc__ = stub.__doc__
    return call
