"""The pieces `tinkex.clients.official_names` (generated from the manifest) is built from.

The official SDK names the awaitable form of most methods ``<name>_async``; the manifest lists
those names under each method's ``aliases:`` and the generator writes one mixin per client
class, whose attributes are these descriptors. An alias looks its target up on the instance
at call time, so it is the target (validation, ``x-sdk-method`` header and all) with another
name; `inspect.signature` and ``help()`` show the target's signature.

Under ``TYPE_CHECKING`` the mixins use `result_alias` and `future_alias` instead, which give
the aliases the target's parameters and the awaited type.
"""

from __future__ import annotations

import functools
import inspect
import types
import warnings
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

__all__ = ["AcceptsDeprecated", "Alias", "future_alias", "result_alias", "with_deprecated"]

P = ParamSpec("P")
S = TypeVar("S")
T = TypeVar("T")
F = TypeVar("F", bound="Callable[..., Any]")


def result_alias(
    method: Callable[Concatenate[S, P], Awaitable[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """An ``async`` twin of `method` that awaits it (or the future it returns)."""

    async def alias(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await method(self, *args, **kwargs)

    return alias


def future_alias(
    method: Callable[Concatenate[S, P], T],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """An ``async`` twin of `method` whose awaiting gives what `method` returns (its future)."""

    async def alias(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return method(self, *args, **kwargs)

    return alias


class Alias:
    """Another name of the method `target`: an ``async`` method giving its result or future.

    Args:
        target: The method's tinkex name.
        gives: ``result``: awaiting the alias awaits the target (a coroutine or an
            `APIFuture`); ``future``: awaiting it gives what the target returns.
    """

    def __init__(self, target: str, gives: Literal["result", "future"]) -> None:
        self._target = target
        self._gives = gives
        self._name = target
        self._built: dict[type, Callable[..., Any]] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        cls = owner if owner is not None else type(obj)
        function = self._built.get(cls)
        if function is None:
            function = self._built[cls] = self._build(cls)
        return function if obj is None else types.MethodType(function, obj)

    def _build(self, cls: type) -> Callable[..., Any]:
        target, awaits = self._target, self._gives == "result"

        async def alias(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            answer = getattr(self, target)(*args, **kwargs)
            return await answer if awaits else answer

        functools.update_wrapper(alias, getattr(cls, target))
        alias.__name__ = self._name
        alias.__qualname__ = f"{cls.__qualname__}.{self._name}"
        what = "its result" if awaits else "its future"
        alias.__doc__ = f"The official SDK's name of `{target}` (awaiting it gives {what})."
        return alias


class AcceptsDeprecated:
    """Give the next class's method of this name the official SDK's deprecated parameters.

    Each parameter comes first, positional or keyword, defaults to None, and is ignored; a
    value other than None warns (`DeprecationWarning`, saying why it is ignored). The
    descriptor sits in a mixin listed before the class that defines the method.

    Args:
        **ignored: Parameter name = why it is ignored, in the official order.
    """

    def __init__(self, **ignored: str) -> None:
        self._ignored = ignored
        self._owner: type = object
        self._name = ""
        self._built: dict[type, Callable[..., Any]] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self._owner, self._name = owner, name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        cls = owner if owner is not None else type(obj)
        function = self._built.get(cls)
        if function is None:
            function = self._built[cls] = self._build(cls)
        return function if obj is None else types.MethodType(function, obj)

    def _implementation(self, cls: type) -> Callable[..., Any]:
        mro = cls.__mro__
        for klass in mro[mro.index(self._owner) + 1 :]:
            if self._name in vars(klass):
                found: Callable[..., Any] = vars(klass)[self._name]
                return found
        raise AttributeError(f"no {self._name} after {self._owner.__name__} in {cls.__name__}")

    def wrap(self, inner: Callable[..., Any]) -> Callable[..., Any]:
        """`inner` with this descriptor's deprecated parameters, named as the public method.

        For a client that defines the method in its own body (and so shadows the mixin's
        descriptor): ``name = vars(Mixin)["name"].wrap(_name)``.
        """
        wrapper = self._wrap(inner)
        wrapper.__name__ = self._name
        wrapper.__qualname__ = f"{inner.__qualname__.rpartition('.')[0]}.{self._name}".lstrip(".")
        return wrapper

    def _build(self, cls: type) -> Callable[..., Any]:
        return self._wrap(self._implementation(cls))

    def _wrap(self, inner: Callable[..., Any]) -> Callable[..., Any]:
        signature, positional = self._signature(inner)
        strip = functools.partial(self._strip, positional=positional)
        if inspect.iscoroutinefunction(inner):

            async def accepting_async(self: Any, /, *args: Any, **kwargs: Any) -> Any:
                return await inner(self, *strip(args, kwargs), **kwargs)

            wrapper: Callable[..., Any] = accepting_async
        else:

            def accepting(self: Any, /, *args: Any, **kwargs: Any) -> Any:
                return inner(self, *strip(args, kwargs), **kwargs)

            wrapper = accepting
        functools.update_wrapper(wrapper, inner)
        del wrapper.__wrapped__  # type: ignore[attr-defined]  # the signature is ours, below
        wrapper.__signature__ = signature  # type: ignore[attr-defined]  # read by inspect
        return wrapper

    def _strip(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], *, positional: bool
    ) -> tuple[Any, ...]:
        """Drop the deprecated arguments from `args` and `kwargs`; return the other args."""
        names = list(self._ignored)
        taken = min(len(names), len(args)) if positional else 0
        given = dict(zip(names[:taken], args[:taken], strict=True))
        for name in names:
            if name in kwargs:
                if name in given:
                    raise TypeError(f"{self._name}() got multiple values for argument {name!r}")
                given[name] = kwargs.pop(name)
        for name, value in given.items():
            if value is not None:
                warnings.warn(
                    f"{self._name}({name}=...) is ignored: {self._ignored[name]}",
                    DeprecationWarning,
                    stacklevel=3,
                )
        return args[taken:]

    def _signature(self, inner: Callable[..., Any]) -> tuple[inspect.Signature, bool]:
        """The signature with the deprecated parameters, and whether they come by position."""
        original = inspect.signature(inner)
        params = list(original.parameters.values())
        extra = [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
            for name in self._ignored
        ]
        try:
            return original.replace(parameters=[params[0], *extra, *params[1:]]), True
        except ValueError:  # a required positional parameter follows: take ours by keyword
            keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in extra]
            return original.replace(parameters=[*params, *keyword]), False


def with_deprecated(mixin: type, method: F) -> F:
    """`method` accepting the deprecated parameters `mixin` declares for its name.

    For a class that defines the method itself (so shadows the mixin's `AcceptsDeprecated`):
    ``name = with_deprecated(Mixin, name)`` in its body, after the method.
    """
    descriptor = vars(mixin)[method.__name__]
    if not isinstance(descriptor, AcceptsDeprecated):
        raise TypeError(f"{mixin.__name__}.{method.__name__} declares no deprecated parameters")
    wrapped: F = descriptor.wrap(method)  # type: ignore[assignment]  # same call shape
    return wrapped
