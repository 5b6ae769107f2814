"""The comments under one Weibo post (weibo.md §3.6): who wrote what under a complaint and when, inline replies
included; what the brand-response check reads.

m.weibo.cn `comments/hotflow` pages with a cursor (`data.max_id`, 0 at the end; `data.max_id_type` goes back
with it). It answers 403 for some (older) posts and nothing for others: then the legacy `api/comments/show`
pages by number. Each post has a page budget and a time budget. A thread cut short by either, or by a block,
comes back with what was read and `complete=False`; a block is also kept in `stopped_by`, so that the caller
stops asking. An `ok:1` answer without its list of comments is a format change (`ParseError`).
Comment text is HTML written by strangers: it is reduced to plain text here, scripts and all tags dropped.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import requests

from pipeline.config import Settings, WeiboSettings
from pipeline.exceptions import BudgetExhausted, SourceError
from pipeline.sources.base import CollectSummary, PageStatus, RawPage
from pipeline.sources.blocking import error_kind, format_change, is_block, raise_for_page
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.tally import SourceTally
from pipeline.sources.weibo_fields import html_to_text
from pipeline.sources.weibo_ids import mid_of
from pipeline.sources.weibo_mobile import MOBILE_HEADERS
from pipeline.sources.weibo_time import parse_weibo_time

logger = logging.getLogger(__name__)
_PARSE_FAILURES = (ValueError, AttributeError, KeyError, TypeError, IndexError)
# Never visible text: a comment carrying one is hostile, and what is inside is code, not words.
_INVISIBLE_ELEMENTS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment, or an inline reply to one (then `reply_to_uid` is whom it answers)."""

    id: str
    author_uid: str
    author_name: str
    text: str  # plain text
    created_at: datetime
    reply_to_uid: str | None = None  # None: a comment on the post itself


@dataclass
class CommentThread:
    """The comments read for one post, and whether that is all of them."""

    post_id: str
    comments: list[Comment] = field(default_factory=list)
    complete: bool = True
    stopped: str = ""  # why reading stopped early: "page budget", "time budget" or the block's kind
    stopped_by: SourceError | None = None  # a block or the run's request cap: the caller stops too
    pages: int = 0  # usable pages read
    endpoint: str = "hotflow"  # or "legacy" after the fallback
    total_number: int | None = None  # how many comments the site says there are
    unreadable: int = 0  # comments skipped (no user, no id, unknown time format)
    # Legacy replies name the comment they answer only by id (`reply_id`): comment id -> answered comment id.
    answers: dict[str, str] = field(default_factory=dict, repr=False)

    def cut(self, reason: str, error: SourceError | None = None) -> None:
        self.complete, self.stopped, self.stopped_by = False, reason, error


def comment_text(html: str) -> str:
    """Plain text of a comment's HTML: emoji as their [alt], mentions as @name, no tags, no script bodies."""
    return html_to_text(_INVISIBLE_ELEMENTS.sub("", html))


def parse_comment(item: dict[str, Any], fetched_at: datetime, reply_to_uid: str | None = None) -> Comment:
    """One comment object (hotflow, an inline reply or legacy); raises ValueError etc. when it is unusable."""
    comment_id = str(item.get("id") or item.get("idstr") or "")
    if not comment_id.isdigit():
        raise ValueError(f"comment without a numeric id ({comment_id!r})")
    user = item.get("user")
    if not isinstance(user, dict) or user.get("id") in (None, ""):
        raise ValueError(f"comment {comment_id} has no user")
    created = item.get("created_at")
    if not isinstance(created, str):
        raise ValueError(f"comment {comment_id} has no created_at")
    # Replying to a reply names its target; otherwise an inline reply answers the comment it sits under.
    target = item.get("reply_comment")
    target_user = target.get("user") if isinstance(target, dict) else None
    if isinstance(target_user, dict) and target_user.get("id") not in (None, ""):
        reply_to_uid = str(target_user["id"])
    return Comment(
        id=comment_id,
        author_uid=str(user["id"]),
        author_name=str(user.get("screen_name") or ""),
        text=comment_text(str(item.get("text") or "")),
        created_at=parse_weibo_time(created, fetched_at),
        reply_to_uid=reply_to_uid,
    )


def comments_of_page(items: list[Any], fetched_at: datetime) -> tuple[list[Comment], list[str]]:
    """The comments of one page with their inline replies (`comments[]`, `false` when there are none)."""
    comments: list[Comment] = []
    errors: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            errors.append(f"comment is {type(item).__name__}, not an object")
            continue
        try:
            parent = parse_comment(item, fetched_at)
        except _PARSE_FAILURES as exc:
            errors.append(str(exc))
            continue
        comments.append(parent)
        replies = item.get("comments")
        for reply in replies if isinstance(replies, list) else []:
            try:
                comments.append(parse_comment(reply, fetched_at, reply_to_uid=parent.author_uid))
            except _PARSE_FAILURES as exc:
                errors.append(f"reply under {parent.id}: {exc}")
    return comments, errors


class WeiboCommentSource:
    """Comments of one post at a time: hotflow first, the legacy endpoint when hotflow will not answer."""

    name = "weibo-comments"

    def __init__(
        self,
        http: requests.Session,
        settings: WeiboSettings,
        sleep: Callable[[float], None] = time.sleep,
        base_url: str = "https://m.weibo.cn",
        *,
        fetcher: PoliteFetcher | None = None,
        on_page: Callable[[RawPage], None] | None = None,
        max_pages: int = 5,
        post_budget_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._fetcher = fetcher or PoliteFetcher.for_weibo(http, settings, sleep)
        self._on_page = on_page
        self._max_pages = max_pages
        self._post_budget_s = post_budget_s
        self._monotonic = monotonic
        self.summary = CollectSummary()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        http: requests.Session,
        sleep: Callable[[float], None] = time.sleep,
        fetcher: PoliteFetcher | None = None,
    ) -> WeiboCommentSource:
        """The source as the settings configure it; share `fetcher` with the repost source of the same run,
        so that both keep one polite pace and one request cap towards m.weibo.cn."""
        weibo = settings.weibo_effective
        return cls(http, weibo, sleep, weibo.mobile_base_url, fetcher=fetcher)

    def fetch(self, post_id: str, budget_s: float | None = None) -> CommentThread:
        """The comments of `post_id` ("weibo:<mid>" or a mid), within the page budget and the time budget
        (the smaller of the source's and `budget_s`). Blocks cut the thread (see the module docstring);
        a format change and network failures raise."""
        mid = mid_of(post_id)
        thread = CommentThread(post_id=f"weibo:{mid}")
        budget = self._post_budget_s if budget_s is None else min(self._post_budget_s, budget_s)
        deadline = self._monotonic() + budget
        tally = SourceTally(self._on_page, self.summary)  # de-duplicated per thread, counted for the source
        try:
            if not self._read_hotflow(mid, thread, deadline, tally):
                thread.endpoint = "legacy"
                self._read_legacy(mid, thread, deadline, tally)
        except SourceError as exc:
            if not (is_block(exc) or isinstance(exc, BudgetExhausted)):
                raise
            thread.cut(error_kind(exc), exc)
            logger.warning("comments of %s cut after %d page(s): %s", thread.post_id, thread.pages, exc)
        thread.comments = _with_reply_targets(thread.comments, thread.answers)
        return thread

    def _read_hotflow(self, mid: str, thread: CommentThread, deadline: float, tally: SourceTally) -> bool:
        """Page through hotflow; False when its first page has nothing (403, ok:0, no comments): try legacy."""
        cursor: int | str = 0
        cursor_type: int | str = 0
        for page_number in range(1, self._max_pages + 1):
            if page_number > 1 and self._monotonic() >= deadline:
                thread.cut("time budget")
                return True
            params: dict[str, str | int] = {"id": mid, "mid": mid, "max_id_type": cursor_type}
            if cursor:
                params["max_id"] = cursor
            raw = tally.page(self._get("/comments/hotflow", params, mid), check=False)
            if page_number == 1 and (raw.http_status == 403 or raw.status is PageStatus.END):
                logger.info("hotflow has nothing for %s (%s); trying the legacy endpoint", mid, raw.reason)
                return False
            raise_for_page(raw)
            if raw.status is PageStatus.END:
                return True
            data = json.loads(raw.text)["data"]
            items = data.get("data")
            if page_number == 1 and not items:
                return False
            if not isinstance(items, list):
                raise format_change(raw, "hotflow data without a data list")
            thread.pages += 1
            thread.total_number = _int_or_none(data.get("total_number"))
            self._keep(thread, items, raw, tally)
            cursor, cursor_type = data.get("max_id") or 0, data.get("max_id_type") or 0
            if not isinstance(cursor, int | str) or not str(cursor).isdigit() or int(cursor) == 0:
                return True
        thread.cut("page budget")
        return True

    def _read_legacy(self, mid: str, thread: CommentThread, deadline: float, tally: SourceTally) -> None:
        for page_number in range(1, self._max_pages + 1):
            if page_number > 1 and self._monotonic() >= deadline:
                thread.cut("time budget")
                return
            raw = tally.page(self._get("/api/comments/show", {"id": mid, "page": page_number}, mid))
            if raw.status is PageStatus.END:
                return
            data = json.loads(raw.text)["data"]
            items = data.get("data")
            if not isinstance(items, list):
                raise format_change(raw, "comments/show data without a data list")
            thread.pages += 1
            thread.total_number = _int_or_none(data.get("total_number"))
            self._keep(thread, items, raw, tally)
            for item in items:
                if isinstance(item, dict) and str(item.get("reply_id") or "").isdigit():
                    thread.answers[str(item.get("id"))] = str(item["reply_id"])
            last_page = _int_or_none(data.get("max"))
            if not items or (last_page is not None and page_number >= last_page):
                return
        thread.cut("page budget")

    @staticmethod
    def _keep(thread: CommentThread, items: list[Any], raw: RawPage, tally: SourceTally) -> None:
        comments, errors = comments_of_page(items, raw.fetched_at)
        for error in errors:
            logger.warning("comments of %s: skipped %s", thread.post_id, error)
        thread.unreadable += len(errors)
        tally.unreadable(len(errors), "comment_unreadable")
        thread.comments.extend(filter(tally.first_time, comments))

    def _get(self, path: str, params: dict[str, str | int], mid: str) -> RawPage:
        return self._fetcher.fetch(
            f"{self._base_url}{path}",
            params,
            surface="json",
            headers={**MOBILE_HEADERS, "Referer": f"{self._base_url}/detail/{mid}"},
        )


def _with_reply_targets(comments: list[Comment], answers: dict[str, str]) -> list[Comment]:
    """Give legacy replies the author of the comment they answer, when that comment was read too (the legacy
    list is newest first, so the answered comment usually comes on a later page)."""
    author_of = {comment.id: comment.author_uid for comment in comments}
    return [
        replace(comment, reply_to_uid=author_of[answers[comment.id]])
        if comment.reply_to_uid is None and answers.get(comment.id) in author_of
        else comment
        for comment in comments
    ]


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None
