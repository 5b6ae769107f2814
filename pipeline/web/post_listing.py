"""The posts the complaints list and the post page show: the filters of the list, the walk back through the store
that fills a page of it, a post with its labels as corrected (`Row`) and its JSON form.

It reads no more than a page needs: without a search it walks back from `until` through windows of time sized
to the posts' density (jumping over empty stretches) and stops when the page is full, or after reading
`SCAN_LIMIT` posts, saying how far back it got; a search takes the store's newest `SEARCH_LIMIT` matches.
Sentiment, complaint, severity, category and source are matched here, on the labels as corrected, since the
store filters only by brand and time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from pipeline.feedback import SENTIMENTS, Correction, Labels, corrections
from pipeline.models import CATEGORIES, SEVERITY_LABELS, Post
from pipeline.safe_text import LinkPolicy
from pipeline.store.base import Store
from pipeline.web.words import Words

PAGE_SIZE = 50
MAX_PAGE = 20  # past a thousand posts, narrower filters serve better than more pages
SEARCH_LIMIT = 1000
SCAN_LIMIT = 1500  # posts decoded for one page without a search: 50-100 ms, under half the page-time budget
DEFAULT_WINDOW = timedelta(days=30)
FIRST_SPAN = timedelta(minutes=10)
MIN_SPAN = timedelta(seconds=1)
WINDOW_POSTS = 500  # posts one window may hold: a denser one costs this much, then is tried shorter
SOURCES = ("weibo", "mastodon")

WORDS: Words = {
    # The words of a post and its labels, shown by both the complaints list and the post page.
    "complaints.title": {"zh": "投诉与搜索", "en": "Complaints & search"},
    "column.time": {"zh": "时间", "en": "Time"},
    "column.brand": {"zh": "品牌", "en": "Brand"},
    "column.author": {"zh": "作者", "en": "Author"},
    "column.text": {"zh": "内容", "en": "Text"},
    "column.sentiment": {"zh": "情感", "en": "Sentiment"},
    "column.complaint": {"zh": "投诉", "en": "Complaint"},
    "column.severity": {"zh": "严重程度", "en": "Severity"},
    "column.category": {"zh": "类别", "en": "Category"},
    "column.source": {"zh": "来源", "en": "Source"},
    "column.reposts": {"zh": "转发", "en": "Reposts"},
    "column.comments": {"zh": "评论", "en": "Comments"},
    "column.likes": {"zh": "点赞", "en": "Likes"},
    "column.link": {"zh": "原文链接", "en": "Link"},
    "column.id": {"zh": "编号", "en": "ID"},
    "column.details": {"zh": "详情", "en": "Details"},
    "column.corrected": {"zh": "人工更正", "en": "Corrected by"},
    "column.model": {"zh": "模型判断", "en": "Model"},
    "column.analyst": {"zh": "人工标注", "en": "Analyst"},
    "label.corrected": {"zh": "已更正", "en": "corrected"},
    "label.confirmed": {"zh": "已确认", "en": "confirmed"},
    "label.yes": {"zh": "是", "en": "yes"},
    "label.no": {"zh": "否", "en": "no"},
    "label.unknown": {"zh": "未评分", "en": "unscored"},
    "sentiment.negative": {"zh": "负面", "en": "negative"},
    "sentiment.neutral": {"zh": "中性", "en": "neutral"},
    "sentiment.positive": {"zh": "正面", "en": "positive"},
}


def label_options() -> dict[str, Any]:
    """The choices the list's filters and the post's correction form offer."""
    return {
        "sentiments": SENTIMENTS,
        "severities": list(enumerate(SEVERITY_LABELS)),
        "categories": [category for category in CATEGORIES if category != "none"],
        "all_categories": CATEGORIES,
        "sources": SOURCES,
    }


# -- filters ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the list shows: the store's filters (brand, time, search), the labels to match and the page."""

    since: datetime
    until: datetime
    default_window: bool
    brand: str | None = None
    sentiment: str | None = None
    complaint: bool | None = None
    severity: int | None = None
    category: str | None = None
    source: str | None = None
    q: str = ""
    page: int = 1
    given: dict[str, str] = field(default_factory=dict)  # the query as given, for links that keep it
    problem: str | None = None

    def matches(self, post: Post, labels: Labels) -> bool:
        return (
            (self.sentiment is None or labels.sentiment == self.sentiment)
            and (self.complaint is None or labels.complaint == self.complaint)
            and (self.severity is None or labels.severity == self.severity)
            and (self.category is None or labels.category == self.category)
            and (self.source is None or post.source == self.source)
        )

    def link(self, path: str, **changes: str | int) -> str:
        """`path` with these filters (and `changes`) as its query string."""
        query = {**self.given, **{name: str(value) for name, value in changes.items()}}
        kept = {name: value for name, value in query.items() if value and not (name == "page" and value == "1")}
        return f"{path}?{urlencode(kept)}" if kept else path


def parse_filters(given: Mapping[str, str], zone: ZoneInfo, now: datetime) -> Filters:
    """The filters of a query string; a value that makes no sense leaves the default and names the problem."""
    problems: list[str] = []

    def choice(name: str, allowed: tuple[str, ...]) -> str | None:
        value = given.get(name, "")
        if value and value not in allowed:
            problems.append(f"{name}={value!r}")
            return None
        return value or None

    def moment(name: str) -> datetime | None:
        try:
            return _moment(given.get(name, ""), zone, end_of_day=name == "until")
        except ValueError:
            problems.append(f"{name}={given[name]!r}")
            return None

    severity = choice("severity", tuple(str(level) for level in range(len(SEVERITY_LABELS))))
    complaint = choice("complaint", ("0", "1"))
    page_text = given.get("page", "") or "1"
    page_number = int(page_text) if page_text.isdigit() and int(page_text) >= 1 else 1
    since, until = moment("since"), moment("until")
    default_window = since is None and until is None
    until = until or now
    since = since or until - DEFAULT_WINDOW
    if since >= until:
        problems.append("since ≥ until")
        since = until - DEFAULT_WINDOW
    return Filters(
        since=since,
        until=until,
        default_window=default_window,
        brand=given.get("brand") or None,
        sentiment=choice("sentiment", SENTIMENTS),
        complaint=None if complaint is None else complaint == "1",
        severity=None if severity is None else int(severity),
        category=choice("category", CATEGORIES),
        source=given.get("source") or None,
        q=given.get("q", "").strip(),
        page=min(page_number, MAX_PAGE),
        given={name: value for name, value in given.items() if value},
        problem=", ".join(problems) or None,
    )


def _moment(text: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime | None:
    """A day (`2026-11-22`: its start, or for `until` its end, in the configured zone) or an ISO time."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 10:
        day = date.fromisoformat(text) + timedelta(days=1 if end_of_day else 0)
        return datetime.combine(day, time(), tzinfo=zone)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


# -- the list -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A post with its labels: the model's, and as shown (with the analyst's correction, if any)."""

    post: Post
    model: Labels
    labels: Labels
    correction: Correction | None

    @property
    def corrected(self) -> frozenset[str]:
        return self.labels.differences(self.model)

    @property
    def path(self) -> str:
        return post_path(self.post.id)


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    has_next: bool
    reached: datetime  # how far back in time the list looked
    cut_short: bool  # stopped at its reading bound before `since` with the page not full


def post_path(post_id: str) -> str:
    return "/posts/" + quote(post_id, safe=":@")


def row_of(post: Post, correction: Correction | None) -> Row:
    model = Labels.of(post)
    return Row(post, model, model.corrected(correction), correction)


def list_posts(store: Store, filters: Filters) -> Listing:
    """The page of posts the filters ask for, newest first."""
    corrected = corrections(store)
    wanted = filters.page * PAGE_SIZE + 1  # one more than the page: is there a next one?

    def matching(posts: list[Post]) -> list[Row]:
        rows = (row_of(post, corrected.get(post.id)) for post in posts)
        return [row for row in rows if filters.matches(row.post, row.labels)]

    if filters.q:
        found = store.search(
            filters.q, brand=filters.brand, since=filters.since, until=filters.until, limit=SEARCH_LIMIT
        )
        rows, reached, cut_short = matching(found), filters.since, len(found) == SEARCH_LIMIT
    else:
        rows, reached, cut_short = _walk_back(store, filters, wanted, matching)
    rows.sort(key=lambda row: (row.post.created_at, row.post.id), reverse=True)
    start = (filters.page - 1) * PAGE_SIZE
    return Listing(rows[start : start + PAGE_SIZE], len(rows) > start + PAGE_SIZE, reached, cut_short)


def _walk_back(
    store: Store, filters: Filters, wanted: int, matching: Callable[[list[Post]], list[Row]]
) -> tuple[list[Row], datetime, bool]:
    """Rows from the newest window of time back, until `wanted` rows, `since`, or `SCAN_LIMIT` posts read.

    Each window is sized by the posts per hour of the last one; one with more than `WINDOW_POSTS` is tried
    again shorter (posts come oldest first: a partly read window could skip newer ones). An empty window is
    followed by a jump to the newest post before it, found without reading the posts in between."""
    rows: list[Row] = []
    read, end, span = 0, filters.until, FIRST_SPAN
    while end > filters.since and len(rows) < wanted:
        room = SCAN_LIMIT - read
        if room <= 0:
            return rows, end, True
        start = max(filters.since, end - span)
        limit = min(room, WINDOW_POSTS)
        window = list(islice(store.iter_posts(brand=filters.brand, since=start, until=end), limit + 1))
        if len(window) > limit:
            read += limit  # read for nothing, but read: it counts against the bound
            span = max(MIN_SPAN, (end - start) / 4)
        elif not window:
            end, span = _newest_edge(store, filters.brand, filters.since, start) or filters.since, FIRST_SPAN
        else:
            read += len(window)
            rows.extend(matching(window))
            end, span = start, _next_span(span, len(window), read, len(rows), wanted)
    return rows, end, False


def _next_span(span: timedelta, posts: int, read: int, rows: int, wanted: int) -> timedelta:
    """A window expected to hold the posts the page still needs (at the share of matches so far), or half of
    `WINDOW_POSTS` if that is fewer: the next stretch of time may be denser than the last."""
    needed = (wanted - rows) * read / rows if rows else WINDOW_POSTS
    return max(MIN_SPAN, span * min(4.0, max(1.0, min(WINDOW_POSTS / 2, needed)) / posts))


def _newest_edge(store: Store, brand: str | None, since: datetime, before: datetime) -> datetime | None:
    """A moment at most `MIN_SPAN` after the newest post in [since, before), or None when there is none. Each
    probe asks for one post (the oldest after a moment): galloping back, then halving, a few dozen index seeks."""

    def oldest_from(moment: datetime) -> Post | None:
        return next(store.iter_posts(brand=brand, since=moment, until=before), None)

    empty_from, span = before, FIRST_SPAN  # [empty_from, before) holds no post
    while (found := oldest_from(max(since, before - span))) is None:
        if before - span <= since:
            return None
        empty_from, span = max(since, before - span), span * 4
    has_from = max(since, before - span)  # [has_from, before) holds a post
    while empty_from - has_from > MIN_SPAN:
        middle = has_from + (empty_from - has_from) / 2
        found = oldest_from(middle)
        if found is None:
            empty_from = middle
        else:  # the post is in [middle, before), whatever rounding its stored time went through
            has_from = max(middle, found.created_at)
    return empty_from


# -- the JSON form of a row (the list's and the post's API) -------------------------------------------------


class LabelsOut(BaseModel):
    sentiment: str | None
    complaint: bool | None
    severity: int | None
    category: str | None


class CorrectionOut(BaseModel):
    labels: dict[str, str | int]
    by: str | None
    at: datetime | None


class PostOut(BaseModel):
    id: str
    source: str
    created_at: datetime
    brand: str | None
    author: str
    author_followers: int | None  # None: the source page did not show it
    text: str
    url: str = Field(description="as the source gave it: escape it, and link it only if `link` is set")
    link: str | None = Field(description="the original as a safe link (http(s) on a known host), else null")
    reposts: int
    comments: int
    likes: int
    repost_of: str | None
    labels: LabelsOut = Field(description="as shown: the model's, with the analyst's correction laid over")
    model: LabelsOut
    corrected: list[str] = Field(description="labels whose analyst value differs from the model's")
    correction: CorrectionOut | None


def post_out(row: Row, links: LinkPolicy) -> PostOut:
    post, correction = row.post, row.correction
    return PostOut(
        id=post.id,
        source=post.source,
        created_at=post.created_at,
        brand=post.brand,
        author=post.author.name if post.author else "",
        author_followers=post.author.followers if post.author else None,
        text=post.text,
        url=post.url,
        link=links.target(post.url),
        reposts=post.metrics.reposts,
        comments=post.metrics.comments,
        likes=post.metrics.likes,
        repost_of=post.repost_of,
        labels=LabelsOut(**_labels_dict(row.labels)),
        model=LabelsOut(**_labels_dict(row.model)),
        corrected=sorted(row.corrected),
        correction=None if correction is None else CorrectionOut(**_correction_dict(correction)),
    )


def _labels_dict(labels: Labels) -> dict[str, Any]:
    return {
        "sentiment": labels.sentiment,
        "complaint": labels.complaint,
        "severity": labels.severity,
        "category": labels.category,
    }


def _correction_dict(correction: Correction) -> dict[str, Any]:
    return {"labels": correction.labels, "by": correction.by, "at": correction.at}
