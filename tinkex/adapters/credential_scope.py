"""Where credential headers may go: the configured service's origin, and nowhere else.

An origin is a scheme, a host and a port (``https://tinker.example`` and
``https://tinker.example:443`` are one origin; ``http://`` or another port is another). The
credential headers are those of `tinkex.redaction.CREDENTIAL_HEADER_NAMES`: the API key,
Cloudflare Access, ``Authorization``, cookies and weights access tokens.

`CredentialScope` answers, for one transport, which origin a request chain may show its
credentials to, and `next_hop` says where a redirect leads and with which method and body, so
that the aiohttp transport follows redirects itself and drops the credentials the moment a
hop leaves that origin (as browsers and httpx do for ``Authorization``).
"""

from __future__ import annotations

from typing import Final, NamedTuple
from urllib.parse import urljoin, urlsplit

from tinkex.errors import ConfigError
from tinkex.redaction import CREDENTIAL_HEADER_NAMES

__all__ = [
    "REDIRECT_STATUSES",
    "CredentialScope",
    "Hop",
    "Origin",
    "body_less",
    "next_hop",
    "origin_of",
    "without_credentials",
]

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
"""The statuses a following transport treats as redirects (with a ``Location``)."""

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# Headers describing a body; dropped with the body when a redirect turns the request into a GET.
_BODY_HEADERS: Final = frozenset({"content-type", "content-length", "content-encoding"})


class Origin(NamedTuple):
    """A URL's scheme, host and port (the default port filled in), all lower case."""

    scheme: str
    host: str
    port: int


def origin_of(url: str) -> Origin | None:
    """The origin of an absolute http(s) URL, or None for anything else (or a malformed one)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    default = _DEFAULT_PORTS.get(scheme)
    if default is None or not host:
        return None
    return Origin(scheme, host, default if port is None else port)


def without_credentials(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The header pairs minus every credential header."""
    return tuple(pair for pair in headers if pair[0].lower() not in CREDENTIAL_HEADER_NAMES)


class CredentialScope:
    """The origin a transport may send credential headers to.

    Args:
        base_url: The configured service URL: credentials go to its origin only, whatever
            URL a request names. None trusts each request's own URL for that request (the
            credentials are still dropped as soon as a redirect leaves its origin).

    Raises:
        ConfigError: `base_url` is not an absolute http(s) URL.
    """

    __slots__ = ("_origin", "_prefix")

    def __init__(self, base_url: str | None = None) -> None:
        self._origin: Origin | None = None
        self._prefix: str | None = None
        if base_url is not None:
            origin = origin_of(base_url)
            if origin is None:
                raise ConfigError("credential_origin must be an absolute http(s) URL")
            self._origin = origin
            # Requests are built by appending to the base URL, so its scheme://host:port text
            # is checked with one startswith before any parsing.
            parts = urlsplit(base_url)
            self._prefix = f"{parts.scheme}://{parts.netloc}"

    @property
    def origin(self) -> Origin | None:
        """The configured origin, or None when each request trusts its own."""
        return self._origin

    def trusted_origin(self, url: str) -> Origin | None:
        """The origin a request chain starting at `url` may show its credentials to."""
        return self._origin if self._origin is not None else origin_of(url)

    def admits(self, url: str) -> bool:
        """Whether the first request of a chain, to `url`, may carry credentials."""
        prefix = self._prefix
        if prefix is None:
            return True
        if url.startswith(prefix) and url[len(prefix) : len(prefix) + 1] in ("", "/", "?", "#"):
            return True
        return origin_of(url) == self._origin

    def headers_for(
        self, url: str, headers: tuple[tuple[str, str], ...]
    ) -> tuple[tuple[str, str], ...]:
        """`headers` for the first request of a chain to `url`: unchanged, or uncredentialed."""
        return headers if self.admits(url) else without_credentials(headers)


class Hop(NamedTuple):
    """Where a redirect leads.

    Attributes:
        url: The absolute target URL.
        method: The method to use there.
        keeps_body: Whether the body (and its headers) go along.
    """

    url: str
    method: str
    keeps_body: bool


def next_hop(url: str, method: str, status: int, location: str) -> Hop | None:
    """Resolve a redirect answered to `method url` with `status` and a ``Location``.

    303 turns any method but HEAD into a body-less GET, and so do 301 and 302 a POST (as
    browsers do); 307 and 308 keep the method and body.

    Returns:
        The next hop, or None when the location is not an http(s) URL.
    """
    target = urljoin(url, location.strip())
    if origin_of(target) is None:
        return None
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        return Hop(target, "GET", keeps_body=False)
    return Hop(target, method, keeps_body=True)


def body_less(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The header pairs minus those that describe a body."""
    return tuple(pair for pair in headers if pair[0].lower() not in _BODY_HEADERS)
