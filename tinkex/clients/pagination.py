"""Walk offset-paginated REST listings as async iterators.

The Tinker listings (training runs, user checkpoints, sessions) page with ``limit``/``offset``
and report ``cursor.total_count``. `iter_offset_pages` turns one page-fetching coroutine into
an ``async for`` over the items, stopping at the reported total, at an empty page (or a short
one when no total is reported), or after `max_pages`, so that a server that keeps answering
never makes it spin forever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import msgspec

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

__all__ = [
    "DEFAULT_MAX_PAGES",
    "Page",
    "iter_offset_pages",
    "require_count",
    "validate_page_args",
]

T = TypeVar("T")

DEFAULT_MAX_PAGES = 10_000
"""Upper bound on pages fetched by one iteration (a guard against a runaway server)."""


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    """One page of a listing.

    Attributes:
        items: The page's items.
        total_count: The listing's total size as the server reports it, or None if unknown.
    """

    items: list[T]
    total_count: int | None = None


def require_count(value: object, field: str, *, minimum: int) -> None:
    """Check that `value` is an int (not a bool) of at least `minimum`.

    Raises:
        ValidationError: Naming `field`.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"must be an int, got {type(value).__name__}", field=field)
    if value < minimum:
        raise ValidationError(f"must be >= {minimum}, got {value}", field=field)


def validate_page_args(limit: int, offset: int, *, max_limit: int | None = None) -> None:
    """Check `limit`/`offset` before a listing request is sent.

    Args:
        limit: Page size; must be a positive int (at most `max_limit` when given).
        offset: Items to skip; must be a non-negative int.
        max_limit: The largest page the caller allows, or None for no cap.

    Raises:
        ValidationError: Either value is not an int (bool included) or out of range.
    """
    require_count(limit, "limit", minimum=1)
    require_count(offset, "offset", minimum=0)
    if max_limit is not None and limit > max_limit:
        raise ValidationError(f"must be <= {max_limit}, got {limit}", field="limit")


async def iter_offset_pages(
    fetch: Callable[[int, int], Awaitable[Page[T]]],
    *,
    page_size: int,
    start: int = 0,
    max_items: int | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncIterator[T]:
    """Yield every item of an offset-paginated listing.

    Args:
        fetch: Fetches one page given ``(limit, offset)``.
        page_size: Items asked for per page.
        start: Offset of the first item.
        max_items: Stop after this many items (None: the whole listing).
        max_pages: Stop after this many pages whatever the server says.

    Yields:
        The items, in server order.

    Raises:
        ValidationError: `page_size`, `start`, `max_items` or `max_pages` is out of range.
    """
    require_count(page_size, "page_size", minimum=1)
    require_count(start, "start", minimum=0)
    if max_items is not None:
        require_count(max_items, "max_items", minimum=0)
    require_count(max_pages, "max_pages", minimum=1)
    offset, yielded = start, 0
    for _ in range(max_pages):
        if max_items is not None and yielded >= max_items:
            return
        page = await fetch(page_size, offset)
        for item in page.items:
            if max_items is not None and yielded >= max_items:
                return
            yield item
            yielded += 1
        offset += len(page.items)
        if not page.items:
            return
        if page.total_count is not None:
            if offset >= page.total_count:
                return
        elif len(page.items) < page_size:
            # Without a count, a short page is the only end marker (a server that caps the
            # page size below ours still reports its count, so this cannot end early).
            return
