"""Mastodon as a second real source: a public hashtag timeline and v2 status search on one instance.

Pages are followed through the `Link: <...max_id=...>; rel="next"` header (or the last id as `max_id`)
until a page is older than the window. Boosts become reposts (`repost_of` = the boosted status) and
the boosted status is emitted too. Ids are `mastodon:<instance host>:<status id>`.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Unpack
from urllib.parse import parse_qs, quote, urlsplit

import requests
from bs4 import BeautifulSoup

from pipeline.config import MastodonSettings, Settings
from pipeline.exceptions import InvalidRecord
from pipeline.models import SHANGHAI, Author, Metrics, Post, parse_time
from pipeline.sources.base import PageStatus, RawPage, SourceOptions
from pipeline.sources.blocking import classify_http_status
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.tally import SourceTally
from pipeline.sources.weibo_fields import clean_text, parse_follower_count

logger = logging.getLogger(__name__)
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_PARSE_FAILURES = (ValueError, AttributeError, KeyError, TypeError, IndexError)
PAGE_LIMIT = 40


def classify_mastodon(http_status: int, location: str, final_url: str, text: str) -> tuple[PageStatus, str]:
    """401/403: the instance wants a token; 429: rate limit; a list of status objects, bare or as
    {"statuses": [...]}, is a page; any other JSON shape is a format change."""
    if http_status in (401, 403):
        return PageStatus.LOGIN_REQUIRED, f"HTTP {http_status} (public access disabled or token refused)"
    by_status = classify_http_status(http_status)
    if by_status:
        return by_status
    if 300 <= http_status < 400 or http_status >= 400:
        return PageStatus.UNPARSEABLE, f"HTTP {http_status}"
    try:
        payload: Any = json.loads(text)
    except ValueError:
        return PageStatus.UNPARSEABLE, "response is not valid JSON"
    statuses = payload.get("statuses") if isinstance(payload, dict) else payload
    if not isinstance(statuses, list):
        return PageStatus.UNPARSEABLE, "format change: no status list in the response"
    if not all(isinstance(status, dict) for status in statuses):
        # Otherwise every entry would be skipped and the page would read as "no posts".
        return PageStatus.UNPARSEABLE, "format change: the status list holds something other than objects"
    return (PageStatus.OK, "") if statuses else (PageStatus.END, "empty page")


def content_to_text(html: str) -> str:
    """Status HTML -> plain text, one line per paragraph or <br>."""
    soup = BeautifulSoup(html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for paragraph in soup.find_all("p"):
        paragraph.append("\n")
    lines = (clean_text(line) for line in soup.get_text().split("\n"))
    return "\n".join(line for line in lines if line)


def status_to_posts(status: dict[str, Any], host: str, fetched_at: datetime, keyword: str | None) -> list[Post]:
    """A status as Posts: a boost yields the boost (a repost) and the boosted status."""
    boosted = status.get("reblog")
    posts: list[Post] = []
    if isinstance(boosted, dict):
        original = _status_to_post(boosted, host, fetched_at, keyword, repost_of=None)
        posts.append(_status_to_post(status, host, fetched_at, keyword, repost_of=original.id, text=original.text))
        posts.append(original)
    else:
        posts.append(_status_to_post(status, host, fetched_at, keyword, repost_of=None))
    return posts


def _status_to_post(
    status: dict[str, Any],
    host: str,
    fetched_at: datetime,
    keyword: str | None,
    repost_of: str | None,
    text: str | None = None,
) -> Post:
    raw_id = status.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
        raise ValueError(f"status without an id ({raw_id!r})")
    status_id = str(raw_id).strip()
    account = status.get("account")
    if not isinstance(account, dict):
        raise ValueError(f"status {status_id} has no account")
    spoiler = clean_text(str(status.get("spoiler_text") or ""))
    body = text if text is not None else content_to_text(str(status.get("content") or ""))
    extra: dict[str, Any] = {"instance": host, "surface": "mastodon"}
    for key in ("language", "visibility"):
        if status.get(key):
            extra[key] = status[key]
    tags = [tag.get("name") for tag in status.get("tags") or [] if isinstance(tag, dict)]
    if tags:
        extra["tags"] = tags
    if keyword:
        extra["keyword"] = keyword
    acct = str(account.get("acct") or account.get("username") or "")
    return Post(
        id=f"mastodon:{host}:{status_id}",
        source="mastodon",
        url=str(status.get("url") or status.get("uri") or f"https://{host}/@{acct}/{status_id}"),
        text=f"{spoiler}\n{body}".strip() if spoiler else body,
        created_at=_created_at(status, status_id).astimezone(SHANGHAI),
        fetched_at=fetched_at,
        author=Author(
            id=f"{host}:{account.get('id')}",
            name=str(account.get("display_name") or acct),
            followers=parse_follower_count(account.get("followers_count")),
        ),
        metrics=Metrics(
            reposts=max(int(status.get("reblogs_count") or 0), 0),
            comments=max(int(status.get("replies_count") or 0), 0),
            likes=max(int(status.get("favourites_count") or 0), 0),
        ),
        repost_of=repost_of,
        extra=extra,
    )


def _created_at(status: dict[str, Any], status_id: str) -> datetime:
    try:
        return parse_time(status.get("created_at"), f"status {status_id} created_at")
    except InvalidRecord as exc:
        raise ValueError(str(exc)) from exc


class MastodonSource:
    """Hashtag timeline (`/api/v1/timelines/tag/:tag`) and/or `/api/v2/search` on one instance."""

    name = "mastodon"

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http: requests.Session, **options: Unpack[SourceOptions]
    ) -> MastodonSource:
        """The source as the settings configure it (`pipeline.plugins`), optionally at another host."""
        sleep, base_url = options.get("sleep", time.sleep), options.get("base_url")
        return cls(http, settings.mastodon, sleep, base_url, on_page=options.get("on_page"))

    def __init__(
        self,
        http: requests.Session,
        settings: MastodonSettings,
        sleep: Callable[[float], None] = time.sleep,
        base_url: str | None = None,
        *,
        fetcher: PoliteFetcher | None = None,
        on_page: Callable[[RawPage], None] | None = None,
        modes: tuple[str, ...] = ("tag", "search"),
    ) -> None:
        self._base_url = (base_url or settings.instance).rstrip("/")
        self._host = urlsplit(self._base_url).netloc
        self._fetcher = fetcher or PoliteFetcher.for_mastodon(http, settings, sleep)
        self._modes = modes
        self._tally = SourceTally(on_page)
        self.summary = self._tally.summary

    def search(self, keyword: str, since: datetime, until: datetime, max_pages: int = 10) -> Iterator[Post]:
        """Statuses for `keyword` created in [since, until), hashtag timeline first, then full-text search."""
        tag = keyword.strip().lstrip("#")
        if "tag" in self._modes and tag and not re.search(r"\s", tag):
            path = f"/api/v1/timelines/tag/{quote(tag)}"
            yield from self._paginate(path, {"limit": PAGE_LIMIT}, keyword, since, until, max_pages)
        if "search" in self._modes:
            params: dict[str, str | int] = {"q": keyword, "type": "statuses", "limit": PAGE_LIMIT}
            yield from self._paginate("/api/v2/search", params, keyword, since, until, max_pages)

    def _paginate(
        self,
        path: str,
        params: dict[str, str | int],
        keyword: str,
        since: datetime,
        until: datetime,
        max_pages: int,
    ) -> Iterator[Post]:
        for _page in range(max_pages):
            raw = self._tally.page(
                self._fetcher.fetch(f"{self._base_url}{path}", params, surface="json", classify=classify_mastodon)
            )
            if raw.status is PageStatus.END:
                return
            payload = json.loads(raw.text)
            statuses = payload.get("statuses", []) if isinstance(payload, dict) else payload
            older = 0
            for status in statuses:
                if not isinstance(status, dict):
                    continue
                try:
                    posts = status_to_posts(status, self._host, raw.fetched_at, keyword)
                except _PARSE_FAILURES as exc:
                    logger.warning("mastodon status skipped: %s", exc)
                    self._tally.unreadable()
                    continue
                if posts[0].created_at < since:
                    older += 1
                    continue
                if posts[0].created_at >= until:
                    continue
                yield from filter(self._tally.first_time, posts)
            max_id = _next_max_id(raw.headers.get("Link", ""))
            if max_id is None and isinstance(statuses, list) and statuses and isinstance(statuses[-1], dict):
                max_id = str(statuses[-1].get("id") or "") or None
            if older or max_id is None:
                return
            params = {**params, "max_id": max_id}


def _next_max_id(link_header: str) -> str | None:
    match = _NEXT_LINK.search(link_header)
    if not match:
        return None
    values = parse_qs(urlsplit(match.group(1)).query).get("max_id")
    return values[0] if values else None
