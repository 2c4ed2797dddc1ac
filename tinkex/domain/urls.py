"""Request URLs: base URL + endpoint path with `{param}`s filled in + query string."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.ports.endpoint import QueryValue

__all__ = ["LOCAL_BASE_URL", "build_url"]

LOCAL_BASE_URL = "http://local"
"""The base URL requests carry when they go to the in-process embedded backend."""

# RFC 3986 path characters besides the unreserved ones `quote` always keeps. "/" stays so that
# identifiers like `weights/ckpt-1` land in the path verbatim.
_PATH_SAFE = "/:@!$&'()*+,;="


def build_url(
    base_url: str,
    path: str,
    path_params: Mapping[str, str] | None,
    query: Mapping[str, QueryValue] | None,
) -> str:
    """Join the base URL and an endpoint path, filling `{param}`s and adding the query.

    Args:
        base_url: Service root, with or without a trailing slash (may have a path prefix).
        path: Endpoint path with ``{param}`` placeholders.
        path_params: Values for the placeholders (percent-encoded, slashes kept).
        query: Query parameters; None values are skipped, booleans become true/false.

    Raises:
        ValidationError: A placeholder has no value, or a value is text UTF-8 cannot encode
            (a lone surrogate), which no URL can carry; ``field`` names the parameter.
    """
    params = path_params or {}
    pieces = path.lstrip("/").split("{")
    out = [pieces[0]]
    for piece in pieces[1:]:
        name, _, rest = piece.partition("}")
        if name not in params:
            raise ValidationError(f"missing path parameter {name!r}", field=name)
        out.append(quote(_url_text(params[name], name), safe=_PATH_SAFE) + rest)
    url = base_url.rstrip("/") + "/" + "".join(out)
    pairs = [
        (key, ("true" if value else "false") if isinstance(value, bool) else _url_text(value, key))
        for key, value in (query or {}).items()
        if value is not None
    ]
    return f"{url}?{urlencode(pairs)}" if pairs else url


def _url_text(value: object, name: str) -> str:
    text = str(value)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(
                "cannot go in a URL: it holds a lone surrogate, which is not valid Unicode text",
                field=name,
            ) from None
    return text
