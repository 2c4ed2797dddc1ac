"""The JSON-era checkpoint archive URL: a 302 whose ``Location`` is a signed tar URL.

Servers of the 0.16 era answer ``GET …/checkpoints/{id}/archive`` with a redirect that must not
be followed; the signed URL and its expiry are read from the ``Location`` and ``Expires``
headers (default expiry: 15 minutes). While the archive is still being built they answer 503;
the official client then waits 30 s and asks again, up to 6 times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Final

from tinkex.api.rest import GET_CHECKPOINT_ARCHIVE_URL
from tinkex.domain.types import CheckpointArchiveUrlResponse
from tinkex.errors import APIStatusError, InternalServerError, UnsupportedByServerError
from tinkex.ports.transport import HttpResponse

if TYPE_CHECKING:
    from tinkex.domain.paths import CheckpointPath
    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import Invoker

__all__ = [
    "ARCHIVE_ATTEMPTS",
    "ARCHIVE_RETRY_SLEEP_S",
    "DEFAULT_ARCHIVE_EXPIRY",
    "archive_url_from_redirect",
    "fetch_archive_url",
]

ARCHIVE_ATTEMPTS: Final = 6
"""Requests made while the server answers 503 (archive still being generated)."""
ARCHIVE_RETRY_SLEEP_S: Final = 30.0
"""Seconds waited between two of those requests."""
DEFAULT_ARCHIVE_EXPIRY: Final = timedelta(minutes=15)
"""Validity assumed when the redirect carries no ``Expires`` header."""


def archive_url_from_redirect(
    response: HttpResponse, *, now: float
) -> CheckpointArchiveUrlResponse:
    """Read the signed archive URL out of a redirect response.

    Args:
        response: The raw response of the archive endpoint.
        now: The current wall-clock time (epoch seconds), for the default expiry.

    Returns:
        The URL and when it expires.

    Raises:
        APIStatusError: The response is not a redirect carrying a ``Location`` header.
    """
    location = response.headers.get("location")
    if not 300 <= response.status < 400 or not location:
        raise APIStatusError(
            f"expected a redirect with a Location header, got status {response.status}",
            status=response.status,
            url_path=GET_CHECKPOINT_ARCHIVE_URL.path,
        )
    expires = _parse_expires(response.headers.get("expires"))
    if expires is None:
        expires = datetime.fromtimestamp(now, UTC) + DEFAULT_ARCHIVE_EXPIRY
    return CheckpointArchiveUrlResponse(url=location, expires=expires)


def _parse_expires(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


async def fetch_archive_url(
    invoker: Invoker, path: CheckpointPath, *, clock: Clock
) -> CheckpointArchiveUrlResponse:
    """Ask for a checkpoint's archive URL, waiting while the archive is being generated.

    Raises:
        InternalServerError: Still 503 after `ARCHIVE_ATTEMPTS` requests.
        UnsupportedByServerError: The request pipeline followed the redirect, or surfaced it
            as an error without its headers, so the URL cannot be read.
        APIStatusError: Any other failure status.
    """
    for attempt in range(1, ARCHIVE_ATTEMPTS + 1):
        try:
            response = await invoker.invoke(
                GET_CHECKPOINT_ARCHIVE_URL,
                None,
                response_type=HttpResponse,
                path_params={"run_id": path.training_run_id, "checkpoint_id": path.checkpoint_id},
            )
        except InternalServerError as exc:
            if exc.status != 503 or attempt == ARCHIVE_ATTEMPTS:
                raise
            await clock.sleep(ARCHIVE_RETRY_SLEEP_S)
            continue
        except APIStatusError as exc:
            if 300 <= exc.status < 400:
                raise UnsupportedByServerError(
                    "the archive endpoint answered with a redirect, but the request pipeline "
                    "does not expose redirect headers; use external weights instead"
                ) from exc
            raise
        if 200 <= response.status < 300:
            raise UnsupportedByServerError(
                "the request pipeline followed the archive redirect instead of returning it, "
                "so the signed URL cannot be read; use external weights instead"
            )
        return archive_url_from_redirect(response, now=clock.time())
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
