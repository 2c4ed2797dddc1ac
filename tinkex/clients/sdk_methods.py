"""Name the public method a request comes from (the ``x-sdk-method`` header), per class.

Every request a public client method sends carries ``x-sdk-method: <Class>.<method>``, as the
official SDK's do; background traffic (heartbeats, telemetry, polls started elsewhere) does
not. Applied as a class decorator, so a new public method cannot forget it.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, TypeVar

from tinkex.domain.headers import sdk_method

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

__all__ = ["names_sdk_methods"]

C = TypeVar("C", bound=type)


def names_sdk_methods(cls: C) -> C:
    """Wrap every public coroutine method of `cls` (and its bases) in `sdk_method`."""
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if not name.startswith("_") and inspect.iscoroutinefunction(value):
                setattr(cls, name, _named(f"{cls.__name__}.{name}", value))
    return cls


def _named(
    label: str, method: Callable[..., Coroutine[Any, Any, Any]]
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        with sdk_method(label):
            return await method(*args, **kwargs)

    return wrapper
