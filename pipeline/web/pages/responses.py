"""Does the brand answer? (`/responses`): reply rate and first-response times of one brand's complaints per day
beside the day's complaint volume, per category and per severity, the oldest critical complaints still
unanswered, `GET /api/responses` with the same figures and `/responses.csv` with one row per checked complaint.

Days are local days of the configured zone, both ends included. Without `until` the range ends with the day of
the brand's newest checked complaint (or today when there is none), so that the last data shows.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from pipeline.config import Settings
from pipeline.exceptions import InvalidRecord
from pipeline.i18n import MESSAGES, Language
from pipeline.models import Post, parse_time
from pipeline.report.briefing import day_bounds
from pipeline.report.responses import (
    ResponseMeasures,
    category_key,
    day_key,
    days_between,
    first_response_s,
    format_duration,
    format_share,
    measures_by,
    oldest_unanswered,
    response_measures,
    response_records,
    severity_key,
    severity_order,
)
from pipeline.safe_text import LinkPolicy, disarm, spreadsheet_cell
from pipeline.store.base import Store
from pipeline.web import guards
from pipeline.web.pages.overview import COMPLAINT_SEVERITIES, term_label, watched_brand
from pipeline.web.render import page, request_language
from pipeline.web.words import Words, translator

router = APIRouter()
api = APIRouter(tags=["responses"])

WORDS: Words = {
    # The briefing's 回应 words (`pipeline.i18n`), so that the page reads as the delivered section does.
    **{key: templates for key, templates in MESSAGES.items() if key.startswith("response.")},
    "responses.window": {"zh": "{since} 至 {until}（按 {zone} 时区的日期）", "en": "{since} to {until} ({zone} days)"},
    "responses.by_day": {"zh": "按天", "en": "By day"},
    "responses.posted": {"zh": "当天投诉", "en": "complaints posted"},
    "responses.export": {"zh": "导出 CSV（每条投诉一行）", "en": "Export CSV (one row per complaint)"},
    "responses.empty": {"zh": "这个时段没有已核查的投诉。", "en": "No complaint of this range was checked."},
    "responses.no_unanswered": {
        "zh": "没有未回复的危急投诉。",
        "en": "No critical complaint is waiting for an answer.",
    },
    "responses.post": {"zh": "微博", "en": "Post"},
    "responses.author": {"zh": "作者", "en": "Author"},
    "responses.bad_range": {
        "zh": "日期须写成 2026-11-22，且起止不超过 {days} 天",
        "en": "write days as 2026-11-22, at most {days} days apart",
    },
    "responses.column.post_id": {"zh": "微博ID", "en": "post_id"},
    "responses.column.brand": {"zh": "品牌", "en": "brand"},
    "responses.column.complaint_at": {"zh": "投诉时间", "en": "complaint_at"},
    "responses.column.severity": {"zh": "严重程度", "en": "severity"},
    "responses.column.category": {"zh": "类别", "en": "category"},
    "responses.column.answered": {"zh": "已回复", "en": "answered"},
    "responses.column.first_reply_at": {"zh": "首次回复时间", "en": "first_reply_at"},
    "responses.column.first_response_minutes": {"zh": "首次回复用时（分钟）", "en": "first_response_minutes"},
    "responses.column.reply_account": {"zh": "回复账号", "en": "reply_account"},
    "responses.column.complete": {"zh": "评论已读完", "en": "complete"},
}

CSV_COLUMNS = (
    "post_id",
    "brand",
    "complaint_at",
    "severity",
    "category",
    "answered",
    "first_reply_at",
    "first_response_minutes",
    "reply_account",
    "complete",
)
DEFAULT_DAYS = 7
MAX_DAYS = 92
UNANSWERED = 20

StoreDep = Annotated[Store, Depends(guards.store)]
SettingsDep = Annotated[Settings, Depends(guards.settings)]
SinceQuery = Annotated[str, Query(description="first day, YYYY-MM-DD (default: six days before `until`)")]
UntilQuery = Annotated[str, Query(description="last day, included (default: the newest checked complaint's day)")]


# -- What the API answers (and the page shows) --------------------------------------------------------------


class Measures(BaseModel):
    complaints: int = Field(description="complaints with a response record (checked at least once)")
    answered: int
    reply_rate: float | None
    median_first_response_s: float | None = Field(description="negative delays (minute-precision times) count as 0")
    p90_first_response_s: float | None = Field(description="nearest-rank 90th percentile")
    within_1h: float | None = Field(description="share of the complaints answered within an hour")
    within_24h: float | None
    calmed: float | None = Field(description="share of the judged answered complaints whose reposts per hour fell")

    @classmethod
    def of(cls, measures: ResponseMeasures) -> Measures:
        return cls(**vars(measures))


class Group(BaseModel):
    key: str
    label: str = Field(description="the key in the request's language")
    measures: Measures


class Day(Group):
    posted: int = Field(description="complaints (severity minor to critical) posted that day: the volume")


class Waiting(BaseModel):
    id: str
    page: str = Field(description="the post's page in this console")
    original: str | None = Field(description="the post on its site, when its URL is safe to link; else null")
    text: str = Field(description="the post's text (control and bidirectional characters dropped); empty if unknown")
    author: str
    complaint_at: str
    time: str = Field(description="complaint_at in the configured zone, as the page writes it")
    severity: str
    category: str
    checked: str = Field(description="the latest check, as the page writes it")
    complete: bool = Field(description="false: the comment list was cut, no reply among those read")


class Responses(BaseModel):
    brand: str
    since: date
    until: date
    zone: str
    official_accounts: bool = Field(description="whether the watchlist names the brand's official accounts")
    overall: Measures
    by_day: list[Day]
    by_category: list[Group] = Field(description="most complaints first")
    by_severity: list[Group] = Field(description="most severe first")
    unanswered: list[Waiting] = Field(description="critical complaints with no official reply, oldest first")


# -- Gathering -------------------------------------------------------------------------------------------------


def choose_days(request: Request, settings: Settings, store: Store, brand: str, since: str, until: str) -> list[date]:
    """The days asked for; 422 naming the form for anything else."""
    tz = ZoneInfo(settings.timezone)
    try:
        last = date.fromisoformat(until) if until else _newest_day(store, brand, tz)
        first = date.fromisoformat(since) if since else last - timedelta(days=DEFAULT_DAYS - 1)
        readable = True
    except ValueError:
        readable = False
    if not readable or not timedelta(0) <= last - first < timedelta(days=MAX_DAYS):
        t = translator(request_language(request, settings), WORDS)
        raise HTTPException(status_code=422, detail=t("responses.bad_range", days=MAX_DAYS))
    return days_between(first, last)


def _newest_day(store: Store, brand: str, tz: ZoneInfo) -> date:
    newest = None
    for record in store.list_records("response", {"brand": brand}):
        try:
            moment = parse_time(record.get("complaint_at"), "complaint_at")
        except InvalidRecord:
            continue
        newest = moment if newest is None else max(newest, moment)
    return (newest or datetime.now(UTC)).astimezone(tz).date()


def build_responses(
    store: Store, settings: Settings, brand: str, days: list[date], language: Language
) -> tuple[Responses, list[dict[str, Any]]]:
    """The figures of `days`, and the records they come from (for the CSV)."""
    tz = ZoneInfo(settings.timezone)
    since, until = day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
    records = response_records(store, brand, since, until)
    snapshots = store.snapshots
    per_day = measures_by(records, day_key(tz), snapshots)
    posted = _posted(store, brand, since, until, tz)
    empty = response_measures([])
    waiting = oldest_unanswered(records, limit=UNANSWERED)
    posts = store.get_posts([str(record.get("post_id", "")) for record in waiting])
    links = LinkPolicy.from_settings(settings)

    def groups(namespace: str, measures: dict[str, ResponseMeasures]) -> list[Group]:
        if namespace == "severity":
            ordered = sorted(measures.items(), key=lambda item: severity_order(item[0]))
        else:
            ordered = sorted(measures.items(), key=lambda item: (-item[1].complaints, item[0]))
        return [
            Group(key=key, label=term_label(namespace, key, language), measures=Measures.of(item))
            for key, item in ordered
        ]

    answer = Responses(
        brand=brand,
        since=days[0],
        until=days[-1],
        zone=settings.timezone,
        official_accounts=bool(settings.watchlist_config.brand(brand).official_accounts),
        overall=Measures.of(response_measures(records, snapshots)),
        by_day=[
            Day(
                key=day.isoformat(),
                label=day.isoformat(),
                measures=Measures.of(per_day.get(day.isoformat(), empty)),
                posted=posted[day],
            )
            for day in days
        ],
        by_category=groups("category", measures_by(records, category_key, snapshots)),
        by_severity=groups("severity", measures_by(records, severity_key, snapshots)),
        unanswered=[
            _waiting(record, posts.get(str(record.get("post_id", ""))), links, tz, language) for record in waiting
        ],
    )
    return answer, records


def _posted(store: Store, brand: str, since: datetime, until: datetime, tz: ZoneInfo) -> Counter[date]:
    counts: Counter[date] = Counter()
    for bucket in store.trends(brand=brand, since=since, until=until, interval=timedelta(days=1), by="severity", tz=tz):
        if bucket.key in COMPLAINT_SEVERITIES:
            counts[bucket.start.astimezone(tz).date()] += bucket.count
    return counts


def _waiting(record: dict[str, Any], post: Post | None, links: LinkPolicy, tz: ZoneInfo, language: Language) -> Waiting:
    post_id = str(record.get("post_id", ""))
    return Waiting(
        id=post_id,
        page=f"/posts/{quote(post_id, safe=':')}",
        original=links.target(post.url) if post is not None and post.url else None,
        text=disarm(post.text) if post is not None else "",
        author=disarm(post.author.name) if post is not None and post.author else "",
        complaint_at=str(record.get("complaint_at", "")),
        time=_local(record.get("complaint_at"), tz),
        severity=term_label("severity", severity_key(record), language),
        category=term_label("category", category_key(record), language),
        checked=_local(record.get("checked_at"), tz),
        complete=record.get("complete") is not False,
    )


def _local(value: object, tz: ZoneInfo) -> str:
    try:
        return parse_time(value, "time").astimezone(tz).strftime("%Y-%m-%d %H:%M")
    except InvalidRecord:
        return disarm(str(value or ""))


# -- CSV --------------------------------------------------------------------------------------------------------


def responses_csv(records: list[dict[str, Any]], language: Language, tz: ZoneInfo) -> bytes:
    """One row per complaint record, in UTF-8 with the byte order mark Excel needs to read Chinese; every cell
    through the complaints CSV's guard against spreadsheet formulas."""
    t = translator(language, WORDS)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([t(f"responses.column.{name}") for name in CSV_COLUMNS])
    for record in records:
        delay = first_response_s(record)
        replies = record.get("replies") or []
        first = replies[0] if replies and isinstance(replies[0], dict) else {}
        writer.writerow(
            spreadsheet_cell(value)
            for value in (
                str(record.get("post_id", "")),
                str(record.get("brand", "")),
                _local(record.get("complaint_at"), tz),
                t(f"severity.{severity_key(record)}"),
                term_label("category", category_key(record), language),
                t("response.yes" if delay is not None else "response.no"),
                _local(record.get("first_reply_at"), tz) if delay is not None else "",
                round(delay / 60, 1) if delay is not None else "",
                str(first.get("account_name", "")) if delay is not None else "",
                t("response.no" if record.get("complete") is False else "response.yes"),
            )
        )
    return text.getvalue().encode("utf-8-sig")


# -- Routes -----------------------------------------------------------------------------------------------------


def _gather(
    request: Request, store: Store, settings: Settings, brand: str, since: str, until: str
) -> tuple[Responses, list[dict[str, Any]]]:
    chosen = watched_brand(request, settings, brand or None)
    days = choose_days(request, settings, store, chosen, since, until)
    return build_responses(store, settings, chosen, days, request_language(request, settings))


@router.get("/responses", response_class=HTMLResponse, include_in_schema=False)
def responses_page(
    request: Request, store: StoreDep, settings: SettingsDep, brand: str = "", since: str = "", until: str = ""
) -> Response:
    data, _records = _gather(request, store, settings, brand, since, until)
    language = request_language(request, settings)
    query = f"brand={quote(data.brand)}&since={data.since.isoformat()}&until={data.until.isoformat()}"
    return page(
        request,
        "responses.html",
        WORDS,
        active="responses",
        data=data,
        csv_url=f"/responses.csv?{query}",
        share=format_share,
        duration=lambda seconds: format_duration(seconds, language),
    )


@router.get("/responses.csv", include_in_schema=False)
def responses_csv_download(
    request: Request, store: StoreDep, settings: SettingsDep, brand: str = "", since: str = "", until: str = ""
) -> Response:
    data, records = _gather(request, store, settings, brand, since, until)
    tz = ZoneInfo(settings.timezone)
    body = responses_csv(records, request_language(request, settings), tz)
    name = f"yuqing-responses-{data.since:%Y%m%d}-{data.until:%Y%m%d}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@api.get("/responses", response_model=Responses, summary="Does the brand answer its complaints?")
def responses_api(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    brand: Annotated[str, Query(description="one watched brand (default: the first)")] = "",
    since: SinceQuery = "",
    until: UntilQuery = "",
) -> Responses:
    """Reply rate, first-response times (median, 90th percentile, share within 1 h and 24 h) and the share of
    answered complaints that calmed after the reply, over the brand's checked complaints of the days asked
    (configured time zone, both ends included): overall, per day beside the complaints posted, per category and
    per severity; and the oldest critical complaints with no official reply."""
    data, _records = _gather(request, store, settings, brand, since, until)
    return data
