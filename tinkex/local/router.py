"""A tiny route table: method + anchored regular expression → handler."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.local.reply import Reply
    from tinkex.local.state import Call

__all__ = ["Handler", "Route", "Router", "route"]

Handler = Callable[["Call"], Awaitable["Reply"]]


@dataclass(frozen=True)
class Route:
    """One route.

    Attributes:
        method: Upper-case HTTP method.
        pattern: Compiled, fully anchored path pattern with named groups.
        handler: The coroutine answering it.
    """

    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, path: str, handler: Handler) -> Route:
    """Build a route; ``{name}`` matches one segment, ``{name:path}`` the rest of the path."""
    regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", path)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return Route(method.upper(), re.compile(regex + r"\Z"), handler)


class Router:
    """Finds the handler of a request.

    Args:
        routes: Routes in priority order.
    """

    def __init__(self, routes: list[Route]) -> None:
        self._routes = routes

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | bool | None:
        """The handler and path parameters; False if the path exists for another method.

        Returns:
            ``(handler, params)``, ``False`` (405: path known, method not), or None (404).
        """
        path_known = False
        for candidate in self._routes:
            found = candidate.pattern.match(path)
            if found is None:
                continue
            if candidate.method == method:
                return candidate.handler, found.groupdict()
            path_known = True
        return False if path_known else None
