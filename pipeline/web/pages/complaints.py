"""Complaints and search: the list (`/complaints`), its CSV and `/api/posts`, over the posts that
`pipeline.web.post_listing` finds. Without `since`/`until` the list covers the last 30 days and says so."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from pipeline.config import Settings
from pipeline.feedback import Correction
from pipeline.safe_text import LinkPolicy, spreadsheet_cell
from pipeline.store.base import Store
from pipeline.web import guards, post_listing
from pipeline.web.post_listing import (
    MAX_PAGE,
    PAGE_SIZE,
    Filters,
    PostOut,
    Row,
    label_options,
    list_posts,
    parse_filters,
    post_out,
)
from pipeline.web.render import page, request_language
from pipeline.web.words import Words, translator

router = APIRouter()
api = APIRouter(tags=["posts"])

WORDS: Words = {
    **post_listing.WORDS,
    "complaints.search": {"zh": "全文搜索", "en": "Full-text search"},
    "complaints.any": {"zh": "不限", "en": "any"},
    "complaints.export": {"zh": "导出 CSV（本页）", "en": "Export CSV (this page)"},
    "complaints.window": {"zh": "时间范围：{since} 至 {until}", "en": "Time: {since} to {until}"},
    "complaints.window_default": {"zh": "（默认：最近 30 天）", "en": " (default: the last 30 days)"},
    "complaints.search_scope": {
        "zh": "搜索“{q}”：最新的 {limit} 条以内，按时间从新到旧排列。",
        "en": "Search “{q}”: the newest {limit} matches at most, newest first.",
    },
    "complaints.cut_short": {
        "zh": "为保证速度，本页最多读取 {limit} 条帖子，只回溯到 {time}；缩小品牌或时间范围可查看更早的帖子。",
        "en": "To stay fast this page reads at most {limit} posts and went back to {time} only; "
        "narrow the brand or the time to see older posts.",
    },
    "complaints.search_cut_short": {
        "zh": "匹配超过 {limit} 条，只列出其中最相关的；请缩小范围。",
        "en": "More than {limit} posts match; only the best ones are listed: narrow the search.",
    },
    "complaints.empty": {"zh": "这个范围内没有符合条件的帖子。", "en": "No post matches in this window."},
    "complaints.all_time": {"zh": "在全部时间内查找", "en": "Look at all time"},
    "complaints.page": {"zh": "第 {page} 页", "en": "Page {page}"},
    "complaints.previous": {"zh": "上一页", "en": "Previous"},
    "complaints.next": {"zh": "下一页", "en": "Next"},
    "complaints.bad_filter": {"zh": "筛选条件有误：{problem}", "en": "Bad filter: {problem}"},
}


def query_filters(
    settings: Annotated[Settings, Depends(guards.settings)],
    brand: Annotated[str, Query(description="one watched brand")] = "",
    since: Annotated[str, Query(description="a day (YYYY-MM-DD) or an ISO time; default: 30 days ago")] = "",
    until: Annotated[str, Query(description="a day (included) or an ISO time (excluded); default: now")] = "",
    sentiment: Annotated[str, Query(description="negative, neutral or positive")] = "",
    complaint: Annotated[str, Query(description="1 complaints only, 0 no complaints")] = "",
    severity: Annotated[str, Query(description="0-3 (none, minor, major, critical)")] = "",
    category: Annotated[str, Query(description="complaint category, e.g. safety")] = "",
    source: Annotated[str, Query(description="weibo, mastodon, ...")] = "",
    q: Annotated[str, Query(description="full-text search")] = "",
    page: Annotated[str, Query(description=f"1-{MAX_PAGE}, {PAGE_SIZE} posts each")] = "1",
) -> Filters:
    # Declared one by one for the API's documentation; read as text so that a form's empty field means "any".
    given = {
        "brand": brand,
        "since": since,
        "until": until,
        "sentiment": sentiment,
        "complaint": complaint,
        "severity": severity,
        "category": category,
        "source": source,
        "q": q,
        "page": page,
    }
    return parse_filters(given, ZoneInfo(settings.timezone), datetime.now(UTC))


# -- the page and its CSV -----------------------------------------------------------------------------------


@router.get("/complaints", include_in_schema=False)
def complaints_page(
    request: Request,
    store: Annotated[Store, Depends(guards.store)],
    filters: Annotated[Filters, Depends(query_filters)],
) -> Response:
    listing = None if filters.problem else list_posts(store, filters)
    return page(
        request,
        "complaints.html",
        WORDS,
        status_code=400 if filters.problem else 200,
        active="complaints",
        filters=filters,
        listing=listing,
        # Read from the module when asked for, so that the page says the bound the listing used.
        search_limit=post_listing.SEARCH_LIMIT,
        scan_limit=post_listing.SCAN_LIMIT,
        **label_options(),
    )


@router.get("/complaints.csv", include_in_schema=False)
def complaints_csv(
    request: Request,
    store: Annotated[Store, Depends(guards.store)],
    settings: Annotated[Settings, Depends(guards.settings)],
    filters: Annotated[Filters, Depends(query_filters)],
) -> Response:
    if filters.problem:
        raise HTTPException(status_code=400, detail=filters.problem)
    t = translator(request_language(request, settings), WORDS)
    rows = list_posts(store, filters).rows
    data = posts_csv(rows, t, ZoneInfo(settings.timezone), LinkPolicy.from_settings(settings))
    stamp = datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).strftime("%Y%m%d-%H%M")
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="yuqing-posts-{stamp}.csv"'},
    )


def posts_csv(rows: list[Row], t: Callable[..., str], zone: ZoneInfo, links: LinkPolicy) -> bytes:
    """The rows as the page shows them, in UTF-8 with the byte order mark Excel needs to read Chinese."""
    columns = ("time", "brand", "author", "text", "sentiment", "complaint", "severity", "category", "reposts")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([t(f"column.{name}") for name in (*columns, "link", "id", "corrected")])
    for row in rows:
        post, labels = row.post, row.labels
        correction = row.correction
        writer.writerow(
            spreadsheet_cell(value)
            for value in (
                post.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                post.brand or "",
                post.author.name if post.author else "",
                post.text,
                t(f"sentiment.{labels.sentiment}") if labels.sentiment else "",
                "" if labels.complaint is None else t("label.yes" if labels.complaint else "label.no"),
                t(f"severity.{labels.severity_label}") if labels.severity_label else "",
                t(f"category.{labels.category}") if labels.category else "",
                post.metrics.reposts,
                links.target(post.url) or "",
                post.id,
                _corrected_by(correction, zone) if row.corrected and correction else "",
            )
        )
    return text.getvalue().encode("utf-8-sig")


def _corrected_by(correction: Correction, zone: ZoneInfo) -> str:
    at = correction.at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if correction.at else ""
    return f"{correction.by or ''} {at}".strip()


# -- the API ------------------------------------------------------------------------------------------------


class PostPageOut(BaseModel):
    since: datetime
    until: datetime
    default_window: bool
    page: int
    page_size: int
    has_next: bool
    reached: datetime = Field(description="how far back the list looked (since, unless cut short)")
    cut_short: bool
    posts: list[PostOut]


@api.get("/posts", response_model=PostPageOut)
def posts_api(
    store: Annotated[Store, Depends(guards.store)],
    settings: Annotated[Settings, Depends(guards.settings)],
    filters: Annotated[Filters, Depends(query_filters)],
) -> PostPageOut:
    """Posts matching the filters, newest first, a page at a time (the list of the complaints page)."""
    if filters.problem:
        raise HTTPException(status_code=422, detail=f"bad filter: {filters.problem}")
    listing = list_posts(store, filters)
    links = LinkPolicy.from_settings(settings)
    return PostPageOut(
        since=filters.since,
        until=filters.until,
        default_window=filters.default_window,
        page=filters.page,
        page_size=post_listing.PAGE_SIZE,
        has_next=listing.has_next,
        reached=listing.reached,
        cut_short=listing.cut_short,
        posts=[post_out(row, links) for row in listing.rows],
    )
