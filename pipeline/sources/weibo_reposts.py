"""The repost timeline of one root post (m.weibo.cn `api/statuses/repostTimeline`): who reposted, when,
and with how many followers: what cascade detection needs for the posts it tracks. An `ok:1` answer
without its list of reposts is a format change (`ParseError`), never an empty timeline."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from pipeline.config import WeiboSettings
from pipeline.models import Post
from pipeline.sources.base import CollectSummary, PageStatus, RawPage
from pipeline.sources.blocking import format_change
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.tally import SourceTally
from pipeline.sources.weibo_ids import mid_of, post_id
from pipeline.sources.weibo_mblog import mblog_to_post
from pipeline.sources.weibo_mobile import MOBILE_HEADERS

logger = logging.getLogger(__name__)
_PARSE_FAILURES = (ValueError, AttributeError, KeyError, TypeError, IndexError)


def parse_repost_timeline(payload: object) -> tuple[list[dict[str, Any]], int | None]:
    """(repost mblogs, last page number if the response states it) from one timeline page."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return [], None
    items = data.get("data")
    mblogs = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    last = data.get("max")
    return mblogs, last if isinstance(last, int) and not isinstance(last, bool) else None


class WeiboRepostTimelineSource:
    """Individual reposts of a root post, each a Post with `repost_of` = the root's id."""

    name = "weibo-reposts"

    def __init__(
        self,
        http: requests.Session,
        settings: WeiboSettings,
        sleep: Callable[[float], None] = time.sleep,
        base_url: str = "https://m.weibo.cn",
        *,
        fetcher: PoliteFetcher | None = None,
        on_page: Callable[[RawPage], None] | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._fetcher = fetcher or PoliteFetcher.for_weibo(http, settings, sleep)
        self._on_page = on_page
        self.summary = CollectSummary()

    def fetch(self, root_id: str, max_pages: int = 5) -> Iterator[Post]:
        """Reposts of `root_id` ("weibo:<mid>"), newest first as Weibo lists them; blocks raise."""
        mid = mid_of(root_id)
        root = post_id(mid)
        tally = SourceTally(self._on_page, self.summary)  # de-duplicated per timeline, counted for the source
        for page_number in range(1, max_pages + 1):
            raw = tally.page(
                self._fetcher.fetch(
                    f"{self._base_url}/api/statuses/repostTimeline",
                    {"id": mid, "page": page_number},
                    surface="json",
                    headers={**MOBILE_HEADERS, "Referer": f"{self._base_url}/detail/{mid}"},
                )
            )
            if raw.status is PageStatus.END:
                return
            payload = json.loads(raw.text)
            if not isinstance(payload.get("data", {}).get("data"), list):
                raise format_change(raw, "repostTimeline data without a data list")
            mblogs, last_page = parse_repost_timeline(payload)
            for mblog in mblogs:
                try:
                    post = mblog_to_post(mblog, raw.fetched_at, repost_of=root)
                except _PARSE_FAILURES as exc:
                    logger.warning("repost of %s skipped: %s", root, exc)
                    tally.unreadable()
                    continue
                if post.id == root:
                    tally.summary.duplicates += 1
                elif tally.first_time(post):
                    yield post
            if not mblogs or (last_page is not None and page_number >= last_page):
                return
