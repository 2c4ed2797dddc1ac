"""Fetch a listing page by page (``--limit 0`` = everything), reporting pages on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tinkex.cli.progress import PageProgress

__all__ = ["collect_pages"]

T = TypeVar("T")


async def collect_pages(
    fetch: Callable[[int, int], Awaitable[tuple[list[T], int]]],
    *,
    limit: int,
    page_size: int,
    progress: PageProgress,
) -> tuple[list[T], int]:
    """Fetch up to `limit` items (0: all) in pages of `page_size`.

    Args:
        fetch: ``fetch(limit, offset)`` returns one page and the listing's total count.
        limit: Items wanted; 0 means every item.
        page_size: The largest page to ask for.
        progress: Told after every page; closed at the end.

    Returns:
        The items and the listing's total count (which may exceed what was fetched).
    """
    try:
        items, total = await fetch(min(limit or page_size, page_size), 0)
        wanted = total if limit == 0 else min(limit, total)
        progress.update(len(items), wanted)
        while len(items) < wanted:
            page, _ = await fetch(min(page_size, wanted - len(items)), len(items))
            if not page:  # the listing shrank while we read it
                break
            items += page
            progress.update(len(items), wanted)
    finally:
        progress.close()
    return items, total
