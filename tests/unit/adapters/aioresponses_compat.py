"""Make aioresponses 0.7 build responses on aiohttp 3.14+.

aiohttp 3.14 added a required ``stream_writer`` argument to `ClientResponse`; aioresponses
does not pass it. Registering mocks with ``response_class=CompatResponse`` supplies a writer
that reports nothing sent, which is all a canned response needs.
"""

from __future__ import annotations

from typing import Any

import aiohttp

__all__ = ["CompatResponse"]


class _NothingSent:
    output_size = 0


class CompatResponse(aiohttp.ClientResponse):
    """A `ClientResponse` that aioresponses can construct on current aiohttp."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _NothingSent())
        super().__init__(method, url, **kwargs)
