"""s.weibo.com keyword search: URL building, pagination and time/region slicing past the 50-page cap.

A window whose first page reports >= `SLICE_THRESHOLD` pages is saturated: it is split by day, then by
hour, then an hour by province (weibo.md §2.3). Windows overlap by design across runs; posts are
deduplicated by id within a run and counted as duplicates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Unpack
from urllib.parse import urlencode

import requests

from pipeline.config import Settings, WeiboSettings
from pipeline.models import SHANGHAI, Post
from pipeline.sources.base import RawPage, SourceOptions
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.tally import SourceTally
from pipeline.sources.weibo_search_parse import SearchPage, parse_search_page

logger = logging.getLogger(__name__)

SLICE_THRESHOLD = 46  # weibo-search's FURTHER_THRESHOLD: saturated queries show "40-something" pages
PAGE_CAP = 50
PROVINCE_CODES: tuple[int, ...] = (
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 400, 100,
)  # fmt: skip
TYPE_FILTERS = {"all": "typeall=1", "original": "scope=ori", "hot": "xsort=hot", "verified": "vip=1"}
CONTAINS_FILTERS = {"all": "suball=1", "pictures": "haspic=1", "video": "hasvideo=1", "links": "haslink=1"}


@dataclass(frozen=True, slots=True)
class SearchWindow:
    """A publish-time window [start, end) on whole hours (Shanghai), optionally one province."""

    start: datetime
    end: datetime
    province: int | None = None

    @property
    def timescope(self) -> str:
        return f"custom:{_hour_stamp(self.start)}:{_hour_stamp(self.end)}"

    def split(self) -> list[SearchWindow]:
        """Smaller windows covering this one: days, then hours, then provinces; [] when it cannot split."""
        span = self.end - self.start
        if self.province is None and span > timedelta(days=1):
            return self._steps(timedelta(days=1))
        if self.province is None and span > timedelta(hours=1):
            return self._steps(timedelta(hours=1))
        if self.province is None:
            return [SearchWindow(self.start, self.end, code) for code in PROVINCE_CODES]
        return []

    def _steps(self, step: timedelta) -> list[SearchWindow]:
        windows, cursor = [], self.start
        while cursor < self.end:
            windows.append(SearchWindow(cursor, min(cursor + step, self.end)))
            cursor += step
        return windows


def hour_window(since: datetime, until: datetime) -> SearchWindow:
    """The whole-hour window covering [since, until): the search filter has hour resolution."""
    start = since.astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    end = until.astimezone(SHANGHAI)
    if end.replace(minute=0, second=0, microsecond=0) != end:
        end = end.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return SearchWindow(start, max(end, start + timedelta(hours=1)))


def build_search_url(
    base_url: str,
    keyword: str,
    window: SearchWindow | None = None,
    page: int = 1,
    type_filter: str = "all",
    contains: str = "all",
) -> str:
    """`<base>/weibo?q=..&typeall=1&suball=1&timescope=custom:..[&region=custom:P:1000]&page=N`."""
    query = urlencode({"q": keyword})
    parts = [query, TYPE_FILTERS[type_filter], CONTAINS_FILTERS[contains]]
    if window is not None:
        parts.append(f"timescope={window.timescope}")
        if window.province is not None:
            parts.append(f"region=custom:{window.province}:1000")
    parts.append("Refer=g")
    if page > 1:
        parts.append(f"page={page}")
    return f"{base_url.rstrip('/')}/weibo?{'&'.join(parts)}"


class WeiboSearchSource:
    """Keyword search on s.weibo.com (HTML), with slicing, pagination and in-run dedup by id."""

    name = "weibo-search"

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http: requests.Session, **options: Unpack[SourceOptions]
    ) -> WeiboSearchSource:
        """The source as the settings configure it (`pipeline.plugins`), optionally at another host."""
        weibo = settings.weibo_effective
        base_url = options.get("base_url") or weibo.search_base_url
        return cls(http, weibo, options.get("sleep", time.sleep), base_url, on_page=options.get("on_page"))

    def __init__(
        self,
        http: requests.Session,
        settings: WeiboSettings,
        sleep: Callable[[float], None] = time.sleep,
        base_url: str = "https://s.weibo.com",
        *,
        fetcher: PoliteFetcher | None = None,
        on_page: Callable[[RawPage], None] | None = None,
        type_filter: str = "all",
    ) -> None:
        self._settings = settings
        self._base_url = base_url
        self._fetcher = fetcher or PoliteFetcher.for_weibo(http, settings, sleep)
        self._type_filter = type_filter
        self._tally = SourceTally(on_page)
        self.summary = self._tally.summary
        self.saturated_windows: list[SearchWindow] = []

    def search(self, keyword: str, since: datetime, until: datetime, max_pages: int = PAGE_CAP) -> Iterator[Post]:
        """Every post for `keyword` published in [since, until) (widened to whole hours)."""
        yield from self._search_window(keyword, hour_window(since, until), max_pages)

    def _search_window(self, keyword: str, window: SearchWindow, max_pages: int) -> Iterator[Post]:
        first = self._fetch_page(keyword, window, 1)
        if first.page_count >= SLICE_THRESHOLD and window.split():
            self.saturated_windows.append(window)
            logger.info("window %s reports %d pages: slicing", window.timescope, first.page_count)
            for part in window.split():
                yield from self._search_window(keyword, part, max_pages)
            return
        if first.page_count >= SLICE_THRESHOLD:
            self.saturated_windows.append(window)
        yield from self._emit(first)
        page, page_number = first, 1
        # An empty page can sit mid-pagination (weibo-search#545): follow the pager, not the first gap.
        while page_number < min(max_pages, PAGE_CAP) and (page_number < first.page_count or page.next_href):
            page_number += 1
            page = self._fetch_page(keyword, window, page_number)
            yield from self._emit(page)

    def _fetch_page(self, keyword: str, window: SearchWindow, page_number: int) -> SearchPage:
        url = build_search_url(self._base_url, keyword, window, page_number, self._type_filter)
        raw = self._tally.page(self._fetcher.fetch(url, surface="html", headers={"Referer": "https://s.weibo.com/"}))
        page = parse_search_page(raw.text, raw.fetched_at, keyword)
        logger.info(
            "s.weibo.com %s page %d/%d: %d cards", window.timescope, page_number, max(page.page_count, 1), page.cards
        )
        for error in page.errors:
            logger.warning("s.weibo.com page %d of %s: skipped %s", page_number, window.timescope, error)
            self._tally.unreadable()
        return page

    def _emit(self, page: SearchPage) -> Iterator[Post]:
        yield from filter(self._tally.first_time, page.posts)


def _hour_stamp(moment: datetime) -> str:
    local = moment.astimezone(SHANGHAI)
    return f"{local:%Y-%m-%d}-{local.hour}"
