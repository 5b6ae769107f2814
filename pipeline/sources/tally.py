"""The bookkeeping every source shares: each answer is counted, handed to `on_page` (the raw-page archive) and
checked for a block before it is parsed; each post is yielded once per source, a repeat counted as a duplicate.

This is the only de-duplication on the way in: `collect()` relies on it (a keyword's hits overlap the next
keyword's, and a search window's overlap with the last cycle is dropped here too, within a run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pipeline.sources.base import CollectSummary, RawPage
from pipeline.sources.blocking import raise_for_page


class Identified(Protocol):
    @property
    def id(self) -> str: ...


class SourceTally:
    def __init__(self, on_page: Callable[[RawPage], None] | None = None, summary: CollectSummary | None = None) -> None:
        self.summary = summary if summary is not None else CollectSummary()
        self._on_page = on_page
        self._seen: set[str] = set()

    def page(self, raw: RawPage, *, check: bool = True) -> RawPage:
        """Count the answer, archive it, and (with `check`) raise when it is a block or an error page; a source
        that reads some error pages as "try elsewhere" checks them itself."""
        self.summary.pages += 1
        if self._on_page is not None:
            self._on_page(raw)
        if check:
            raise_for_page(raw)
        return raw

    def first_time(self, item: Identified) -> bool:
        """Whether this source yields `item` (a post, a comment) for the first time (and then counts it)."""
        if item.id in self._seen:
            self.summary.duplicates += 1
            return False
        self._seen.add(item.id)
        self.summary.posts += 1
        return True

    def unreadable(self, count: int = 1, kind: str = "card_unreadable") -> None:
        """Cards or items that could not be read (named in the log by the caller) and were skipped."""
        self.summary.failed[kind] += count
