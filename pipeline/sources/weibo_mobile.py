"""m.weibo.cn keyword search (getIndex JSON): type 61 (real-time) or 1, cards of type 9 (also inside 11).

`ok:0` ends the results, `ok:-100` means login required (never "no results"), 432/418 are rate limits;
an `ok:1` answer without a `data` object or without a `cards` list is a format change (`ParseError`).
Long posts (`isLongText`) get their full text from `/statuses/extend`; a repost's `retweeted_status`
becomes `repost_of`, and the original is emitted as its own Post when its author is still there.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Unpack

import requests

from pipeline.config import Settings, WeiboSettings
from pipeline.models import Post
from pipeline.sources.base import PageStatus, RawPage, SourceOptions
from pipeline.sources.blocking import format_change
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.tally import SourceTally
from pipeline.sources.weibo_mblog import mblog_mid, mblog_to_post

logger = logging.getLogger(__name__)

SEARCH_TYPES = {"realtime": 61, "all": 1, "hot": 60}
_PARSE_FAILURES = (ValueError, AttributeError, KeyError, TypeError, IndexError)
MOBILE_HEADERS = {
    "MWeibo-Pwa": "1",
    "X-Requested-With": "XMLHttpRequest",
    "Accept": "application/json, text/plain, */*",
}


@dataclass
class MobilePage:
    """The mblogs of one getIndex page (posts still to map), the next page number, and skipped cards."""

    mblogs: list[dict[str, Any]] = field(default_factory=list)
    next_page: int | None = None
    errors: list[str] = field(default_factory=list)


def parse_getindex(payload: object) -> MobilePage:
    """Pull the post cards (card_type 9, top level or inside a card_type 11 group) out of a response."""
    page = MobilePage()
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return page
    info = data.get("cardlistInfo")
    if isinstance(info, dict) and isinstance(info.get("page"), int | str) and str(info["page"]).isdigit():
        page.next_page = int(info["page"])
    cards = data.get("cards")
    for card in cards if isinstance(cards, list) else []:
        if not isinstance(card, dict):
            continue
        group = card.get("card_group") if card.get("card_type") == 11 else [card]
        for item in group if isinstance(group, list) else []:
            if isinstance(item, dict) and item.get("card_type") == 9:
                mblog = item.get("mblog")
                if isinstance(mblog, dict):
                    page.mblogs.append(mblog)
                else:
                    page.errors.append("card_type 9 without an mblog")
    return page


def posts_from_mblogs(
    mblogs: list[dict[str, Any]],
    fetched_at: datetime,
    keyword: str | None = None,
    long_texts: dict[str, str] | None = None,
) -> tuple[list[Post], list[str]]:
    """Map mblogs to Posts (reposts followed by their originals); unreadable ones are reported."""
    posts: list[Post] = []
    errors: list[str] = []
    for mblog in mblogs:
        try:
            mid = mblog_mid(mblog)
            posts.append(mblog_to_post(mblog, fetched_at, long_text=(long_texts or {}).get(mid), keyword=keyword))
        except _PARSE_FAILURES as exc:
            errors.append(str(exc))
            continue
        original = mblog.get("retweeted_status")
        if isinstance(original, dict) and isinstance(original.get("user"), dict):
            try:
                quoted = mblog_to_post(original, fetched_at, keyword=keyword)
                posts.append(quoted.with_changes(extra={**quoted.extra, "from_repost_card": True}))
            except _PARSE_FAILURES as exc:
                errors.append(f"original of {mid}: {exc}")
    return posts, errors


class WeiboMobileSource:
    """Keyword search on m.weibo.cn's getIndex JSON, paging until `ok:0` or the page limit."""

    name = "weibo-mobile"

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http: requests.Session, **options: Unpack[SourceOptions]
    ) -> WeiboMobileSource:
        """The source as the settings configure it (`pipeline.plugins`), optionally at another host."""
        weibo = settings.weibo_effective
        base_url = options.get("base_url") or weibo.mobile_base_url
        return cls(http, weibo, options.get("sleep", time.sleep), base_url, on_page=options.get("on_page"))

    def __init__(
        self,
        http: requests.Session,
        settings: WeiboSettings,
        sleep: Callable[[float], None] = time.sleep,
        base_url: str = "https://m.weibo.cn",
        *,
        fetcher: PoliteFetcher | None = None,
        on_page: Callable[[RawPage], None] | None = None,
        search_type: str = "realtime",
        fetch_long_text: bool = True,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._fetcher = fetcher or PoliteFetcher.for_weibo(http, settings, sleep)
        self._type = SEARCH_TYPES[search_type]
        self._fetch_long_text = fetch_long_text
        self._tally = SourceTally(on_page)
        self.summary = self._tally.summary

    def search(self, keyword: str, since: datetime, until: datetime, max_pages: int = 50) -> Iterator[Post]:
        """Posts for `keyword` created in [since, until); the real-time feed is newest first."""
        container = f"100103type={self._type}&q={keyword}"
        page_number: int | None = 1
        fetched = 0
        while page_number is not None and fetched < max_pages:
            params: dict[str, str | int] = {"containerid": container, "page_type": "searchall"}
            if page_number > 1:
                params["page"] = page_number
            raw = self._get("/api/container/getIndex", params, referer=f"{self._base_url}/search")
            fetched += 1
            if raw.status is PageStatus.END:
                return
            payload = json.loads(raw.text)
            if not isinstance(payload.get("data", {}).get("cards"), list):
                raise format_change(raw, "getIndex data without a cards list")
            page = parse_getindex(payload)
            long_texts = self._long_texts(page.mblogs)
            posts, errors = posts_from_mblogs(page.mblogs, raw.fetched_at, keyword, long_texts)
            logger.info("m.weibo.cn getIndex page %d: %d cards", page_number, len(page.mblogs))
            for error in [*page.errors, *errors]:
                logger.warning("m.weibo.cn page %d: skipped %s", page_number, error)
                self._tally.unreadable()
            in_window = older = 0
            keep = False
            for post in posts:
                # A quoted original follows its repost and goes with it, whatever its own age.
                if not post.extra.get("from_repost_card"):
                    older += post.created_at < since
                    keep = since <= post.created_at < until
                    in_window += keep
                if keep and self._tally.first_time(post):
                    yield post
            # The real-time feed is newest first: a page entirely older than the window ends the search.
            if not page.mblogs or (self._type == SEARCH_TYPES["realtime"] and older and not in_window):
                return
            page_number = page.next_page if page.next_page and page.next_page > page_number else None

    def _long_texts(self, mblogs: list[dict[str, Any]]) -> dict[str, str]:
        texts: dict[str, str] = {}
        if not self._fetch_long_text:
            return texts
        for mblog in mblogs:
            if not mblog.get("isLongText"):
                continue
            try:
                mid = mblog_mid(mblog)
            except ValueError:
                continue
            raw = self._get("/statuses/extend", {"id": mid}, referer=f"{self._base_url}/detail/{mid}")
            try:
                content = json.loads(raw.text)["data"]["longTextContent"]
            except (ValueError, KeyError, TypeError):
                logger.warning("long text of %s unreadable; keeping the truncated text", mid)
                continue
            if isinstance(content, str) and content:
                texts[mid] = content
        return texts

    def _get(self, path: str, params: dict[str, str | int], referer: str) -> RawPage:
        return self._tally.page(
            self._fetcher.fetch(
                f"{self._base_url}{path}", params, surface="json", headers={**MOBILE_HEADERS, "Referer": referer}
            )
        )
