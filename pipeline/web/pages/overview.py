"""The overview (总览): one brand's volume, negative share and complaints over time, the severity and category of
its complaints, its incidents and its most spread complaints, over a window of time.

The window defaults to the last 24 hours; when the store has no post in them (the demo's day, an archive, a
crawler that stopped), to the 24 hours ending with the hour of the newest post, so that the last data shows.
`GET /api/overview` answers with the same figures for the page's refresh; `GET /api/trends` gives the store's
trend buckets as they are. The briefing page shares the filters and summaries defined here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from pipeline.config import Settings
from pipeline.exceptions import InvalidRecord
from pipeline.i18n import Language, reason_of, term
from pipeline.models import Post, parse_time
from pipeline.report.briefing import relevant_incidents
from pipeline.report.responses import format_duration, format_share, response_measures, response_records
from pipeline.safe_text import LinkPolicy, disarm
from pipeline.store.base import Store, TrendBucket, TrendDimension
from pipeline.store.buckets import bucket_start
from pipeline.web import guards
from pipeline.web.render import page, request_language
from pipeline.web.words import Words, translator

router = APIRouter()
api = APIRouter()

WORDS: Words = {
    "overview.title": {"zh": "总览", "en": "Overview"},
    "overview.window": {"zh": "{since} 至 {until}（{zone}）", "en": "{since} to {until} ({zone})"},
    "overview.interval": {"zh": "粒度", "en": "Buckets"},
    "overview.interval.1h": {"zh": "按小时", "en": "hourly"},
    "overview.interval.1d": {"zh": "按天", "en": "daily"},
    "overview.refresh": {"zh": "每 {seconds} 秒自动刷新", "en": "refreshes every {seconds} s"},
    "overview.mentions": {"zh": "声量", "en": "Mentions"},
    "overview.negative": {"zh": "负面", "en": "Negative"},
    "overview.negative_share": {"zh": "负面占比", "en": "Negative share"},
    "overview.complaints": {"zh": "投诉", "en": "Complaints"},
    "overview.open_incidents": {"zh": "待处理事件", "en": "Open incidents"},
    "overview.trend": {"zh": "声量、负面与投诉走势", "en": "Mentions, negative posts and complaints"},
    "overview.severity": {"zh": "投诉严重程度", "en": "Complaint severity"},
    "overview.category": {"zh": "投诉类别", "en": "Complaint categories"},
    "overview.incidents": {"zh": "事件", "en": "Incidents"},
    "overview.top_complaints": {"zh": "当前热门投诉", "en": "Top complaints now"},
    "overview.no_incidents": {"zh": "该时段没有事件。", "en": "No incidents in this window."},
    "overview.no_complaints": {"zh": "该时段没有负面微博。", "en": "No negative posts in this window."},
    "overview.no_data": {"zh": "无数据", "en": "No data"},
    "overview.stale": {"zh": "刷新失败，显示的是 {time} 的数据", "en": "Refresh failed; showing data of {time}"},
    "overview.priority": {"zh": "优先级", "en": "Priority"},
    "overview.status": {"zh": "状态", "en": "Status"},
    "overview.kind": {"zh": "类型", "en": "Kind"},
    "overview.opened": {"zh": "开始", "en": "Opened"},
    "overview.reason": {"zh": "原因", "en": "Why"},
    "overview.posts": {"zh": "微博数", "en": "Posts"},
    "overview.post": {"zh": "微博", "en": "Post"},
    "overview.author": {"zh": "作者", "en": "Author"},
    "overview.time": {"zh": "时间", "en": "Time"},
    "overview.reposts": {"zh": "转发", "en": "Reposts"},
    "overview.comments": {"zh": "评论", "en": "Comments"},
    "overview.severity_column": {"zh": "严重程度", "en": "Severity"},
    "overview.category_column": {"zh": "类别", "en": "Category"},
    "overview.unknown_brand": {
        "zh": "品牌“{brand}”（监测中的品牌：{brands}）",
        "en": "brand {brand} (watched brands: {brands})",
    },
    "overview.bad_time": {
        "zh": "无法识别的时间“{value}”，请写成 2026-11-22 或 2026-11-22T10:00",
        "en": "unreadable time {value!r}: write 2026-11-22 or 2026-11-22T10:00",
    },
    "overview.bad_window": {
        "zh": "时段须从早到晚，且不超过 {days} 天",
        "en": "the window must run forwards and last at most {days} days",
    },
}

Interval = Literal["1h", "1d"]
INTERVALS: dict[Interval, timedelta] = {"1h": timedelta(hours=1), "1d": timedelta(days=1)}
DEFAULT_SPAN = timedelta(hours=24)
MAX_SPAN = timedelta(days=92)
MAX_HOURLY_SPAN = timedelta(days=31)  # longer windows are drawn by day: 744 bars are already more than a chart shows
TOP_COMPLAINTS = 10
MAX_INCIDENTS = 20
COMPLAINT_SEVERITIES = ("critical", "major", "minor")  # severity ≥ 1: what both complaint scorers call a complaint
NOT_CATEGORIES = ("none", "unscored")  # the category of a post that is no complaint, or not scored
OPEN_STATUSES = ("open", "acknowledged")
_LOOKBACK = timedelta(days=366 * 100)  # stored times lie in 2000-2099 (the post schema)
_PRECISION = timedelta(seconds=1)

StoreDep = Annotated[Store, Depends(guards.store)]
SettingsDep = Annotated[Settings, Depends(guards.settings)]


# -- What the API answers (and the page shows) --------------------------------------------------------------


class TrendPoint(BaseModel):
    start: datetime = Field(description="start of the bucket, in the configured time zone")
    label: str = Field(description="the start as the chart writes it")
    mentions: int
    negative: int
    negative_share: float | None = Field(description="negative / mentions, null without mentions")
    complaints: int = Field(description="posts whose complaint severity is minor, major or critical")


class Slice(BaseModel):
    key: str
    label: str = Field(description="the key in the request's language")
    count: int


class Totals(BaseModel):
    mentions: int
    negative: int
    negative_share: float | None
    complaints: int
    open_incidents: int = Field(description="incidents of the brand open or acknowledged now, whatever the window")


class IncidentSummary(BaseModel):
    id: str
    page: str = Field(description="the incident's page in this console")
    priority: str
    status: str
    status_label: str
    kind: str
    kind_label: str
    opened_at: str | None
    opened: str = Field(description="opened_at in the configured time zone, as the page writes it")
    reason: str = Field(description="why it was opened, in the request's language (control characters dropped)")
    posts: int


class PostSummary(BaseModel):
    id: str
    page: str = Field(description="the post's page in this console")
    original: str | None = Field(description="the post on its site, when its URL is safe to link; else null")
    text: str = Field(description="the post's text, control and bidirectional characters dropped")
    author: str
    created_at: datetime
    time: str = Field(description="created_at in the configured time zone, as the page writes it")
    reposts: int
    comments: int
    likes: int
    severity: str | None = Field(description="complaint severity in the request's language")
    category: str | None = Field(description="complaint category in the request's language")


class ResponsePanel(BaseModel):
    complaints: int = Field(description="complaints of the window checked for official replies")
    reply_rate: float | None
    median_first_response_s: float | None
    reply_rate_text: str = Field(description="reply_rate as the page writes it")
    median_text: str = Field(description="median_first_response_s as the page writes it")


class Overview(BaseModel):
    brand: str
    since: datetime
    until: datetime
    interval: Interval = Field(description="bucket size used (1d when 1h was asked for a window over 31 days)")
    zone: str
    updated_at: datetime
    updated: str = Field(description="updated_at as the page writes it")
    window: str = Field(description="the window as the page writes it")
    totals: Totals
    trend: list[TrendPoint]
    severity: list[Slice] = Field(description="complaints by severity, most severe first")
    category: list[Slice] = Field(description="complaints by category, largest first")
    incidents: list[IncidentSummary] = Field(
        description="open and acknowledged incidents, then those resolved but active in the window"
    )
    top_complaints: list[PostSummary] = Field(description="negative posts of the window, most spread first")
    responses: ResponsePanel | None = Field(
        default=None, description="how the brand answered the window's complaints; null without official accounts"
    )


class TrendCount(BaseModel):
    start: datetime
    brand: str
    key: str
    label: str
    count: int


class Trends(BaseModel):
    brand: str | None = Field(description="null: every brand")
    since: datetime
    until: datetime
    interval: Interval
    by: TrendDimension | None
    zone: str
    buckets: list[TrendCount] = Field(description="non-empty buckets, ordered by (start, brand, key)")


# -- Filters --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime
    until: datetime
    interval: Interval


def words_of(request: Request, settings: Settings, *catalogues: Words) -> Callable[..., str]:
    return translator(request_language(request, settings), *catalogues, WORDS)


def watched_brand(request: Request, settings: Settings, brand: str | None) -> str:
    """The brand asked for (default: the first of the watchlist); 404 naming the watched ones for any other."""
    brands = [item.name for item in settings.watchlist_config.brands]
    if not brand:
        return brands[0]
    if brand not in brands:
        t = words_of(request, settings)
        raise HTTPException(status_code=404, detail=t("overview.unknown_brand", brand=brand, brands=brands))
    return brand


def parse_moment(request: Request, settings: Settings, value: str) -> datetime:
    """`2026-11-22` (local midnight), `2026-11-22T10:00` (local time) or a time with its offset; 422 otherwise."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        t = words_of(request, settings)
        raise HTTPException(status_code=422, detail=t("overview.bad_time", value=value)) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(settings.timezone))


def choose_window(
    request: Request,
    settings: Settings,
    store: Store,
    since: str | None,
    until: str | None,
    interval: Interval,
    now: datetime,
) -> Window:
    """The window of the filters: both ends given, one end and 24 hours, or the default window."""
    start = parse_moment(request, settings, since) if since else None
    end = parse_moment(request, settings, until) if until else None
    if start is None and end is None:
        start, end = default_window(store, now, ZoneInfo(settings.timezone))
    elif start is None:
        assert end is not None
        start = end - DEFAULT_SPAN
    elif end is None:
        end = start + DEFAULT_SPAN
    if not timedelta(0) < end - start <= MAX_SPAN:
        t = words_of(request, settings)
        raise HTTPException(status_code=422, detail=t("overview.bad_window", days=MAX_SPAN.days))
    if end - start > MAX_HOURLY_SPAN:
        interval = "1d"
    return Window(start, end, interval)


def default_window(store: Store, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The last 24 hours, or, when the store has no post in them, the 24 hours ending with the local hour of the
    newest post (the hour's end, so that buckets are whole)."""
    if _oldest_post_time(store, now - DEFAULT_SPAN, now) is not None:
        return now - DEFAULT_SPAN, now
    newest = _newest_post_bounds(store, now - DEFAULT_SPAN)
    if newest is None:
        return now - DEFAULT_SPAN, now
    at_or_before, after = newest
    hour = bucket_start(int(at_or_before.timestamp()), 3600, tz)
    until = max(datetime.fromtimestamp(hour + 3600, UTC), after)
    return until - DEFAULT_SPAN, until


def _oldest_post_time(store: Store, since: datetime, until: datetime) -> datetime | None:
    """One post read, oldest first: on SQLite a seek in the created_ts index."""
    post = next(store.iter_posts(since=since, until=until), None)
    return post.created_at if post is not None else None


def _newest_post_bounds(store: Store, before: datetime) -> tuple[datetime, datetime] | None:
    """Two instants at most a second apart, the first at or before the creation of the newest post before
    `before`, the second after it; None when there is no post.

    The Store protocol has no "newest post" query, so this searches with one-post probes: back in doubling
    steps until a post shows, then by bisection (about 25 probes for a store that went quiet weeks ago)."""
    span = DEFAULT_SPAN
    found = None
    while found is None:
        span *= 2
        if span > _LOOKBACK:
            return None
        found = _oldest_post_time(store, before - span, before)
    low, high = found, before  # the newest post is in [low, high)
    for _ in range(64):  # halves the gap each time: 100 years to a second takes 32
        if high - low <= _PRECISION:
            break
        middle = low + (high - low) / 2
        later = _oldest_post_time(store, middle, high)
        if later is None:
            high = middle
        else:
            # A post's stored time may be rounded below the instant the store compared (documents keep
            # seconds), so `middle` is what the probe proved.
            low = max(later, middle)
    return low, high


# -- Figures ----------------------------------------------------------------------------------------------------


def term_label(namespace: str, value: str, language: Language) -> str:
    return term(namespace, value, language) or value


def _local_time(value: object, tz: ZoneInfo) -> str:
    """A record's time in the configured zone; a time that does not parse is shown as it is."""
    if not value:
        return ""
    try:
        return parse_time(value, "time").astimezone(tz).strftime("%Y-%m-%d %H:%M")
    except InvalidRecord:
        return str(value)


def incident_summary(incident: dict[str, Any], tz: ZoneInfo, language: Language) -> IncidentSummary:
    identifier = str(incident.get("incident_id") or incident.get("key") or "")
    status, kind = str(incident.get("status", "")), str(incident.get("kind", ""))
    return IncidentSummary(
        id=identifier,
        page=f"/incidents/{quote(identifier, safe='')}",
        priority=str(incident.get("priority", "")),
        status=status,
        status_label=term_label("status", status, language),
        kind=kind,
        kind_label=term_label("kind", kind, language),
        opened_at=str(incident["opened_at"]) if incident.get("opened_at") else None,
        opened=_local_time(incident.get("opened_at"), tz),
        reason=disarm(reason_of(incident, language)),
        posts=len(incident.get("posts") or []),
    )


def post_summary(post: Post, links: LinkPolicy, tz: ZoneInfo, language: Language) -> PostSummary:
    complaint = post.complaint
    return PostSummary(
        id=post.id,
        page=f"/posts/{quote(post.id, safe=':')}",
        original=links.target(post.url) if post.url else None,
        text=disarm(post.text),
        author=disarm(post.author.name) if post.author else "",
        created_at=post.created_at.astimezone(tz),
        time=post.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        reposts=post.metrics.reposts,
        comments=post.metrics.comments,
        likes=post.metrics.likes,
        severity=term_label("severity", complaint.severity_label, language) if complaint else None,
        category=term_label("category", complaint.category, language) if complaint else None,
    )


def bucket_starts(since: datetime, until: datetime, step: timedelta, tz: ZoneInfo) -> list[int]:
    """Every bucket start (epoch seconds) of the window, empty buckets included, as `Store.trends` floors them."""
    seconds = int(step.total_seconds())
    starts = [bucket_start(int(since.timestamp()), seconds, tz)]
    end = until.timestamp()
    while True:
        probe = starts[-1] + seconds
        while (following := bucket_start(probe, seconds, tz)) <= starts[-1]:
            probe += seconds  # a bucket made longer by a daylight-saving change
        if following >= end:
            return starts
        starts.append(following)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def build_overview(
    store: Store, settings: Settings, brand: str, window: Window, language: Language, now: datetime
) -> Overview:
    tz = ZoneInfo(settings.timezone)
    t = translator(language, WORDS)
    step = INTERVALS[window.interval]
    since, until = window.since.astimezone(tz), window.until.astimezone(tz)

    def counts(by: TrendDimension) -> list[TrendBucket]:
        return store.trends(brand=brand, since=since, until=until, interval=step, by=by, tz=tz)

    sentiments, severities, categories = counts("sentiment"), counts("severity"), counts("category")

    mentions: Counter[int] = Counter()
    negative: Counter[int] = Counter()
    complaints: Counter[int] = Counter()
    for bucket in sentiments:
        start = int(bucket.start.timestamp())
        mentions[start] += bucket.count
        if bucket.key == "negative":
            negative[start] += bucket.count
    severity: Counter[str] = Counter()
    for bucket in severities:
        if bucket.key in COMPLAINT_SEVERITIES:
            complaints[int(bucket.start.timestamp())] += bucket.count
            severity[bucket.key] += bucket.count
    category: Counter[str] = Counter()
    for bucket in categories:
        if bucket.key not in NOT_CATEGORIES:
            category[bucket.key] += bucket.count

    pattern = "%m-%d %H:%M" if window.interval == "1h" else "%m-%d"
    starts = sorted(set(bucket_starts(window.since, window.until, step, tz)) | set(mentions))
    trend = []
    for start in starts:
        moment = datetime.fromtimestamp(start, tz)
        trend.append(
            TrendPoint(
                start=moment,
                label=moment.strftime(pattern),
                mentions=mentions[start],
                negative=negative[start],
                negative_share=_share(negative[start], mentions[start]),
                complaints=complaints[start],
            )
        )

    incidents = store.list_records("incident", {"brand": brand})
    shown = relevant_incidents(incidents, window.since, window.until)[:MAX_INCIDENTS]
    links = LinkPolicy.from_settings(settings)
    top = store.top_posts(brand=brand, since=since, until=until, sentiment="negative", limit=TOP_COMPLAINTS)
    total, negatives = sum(mentions.values()), sum(negative.values())
    return Overview(
        brand=brand,
        since=since,
        until=until,
        interval=window.interval,
        zone=settings.timezone,
        updated_at=now.astimezone(tz),
        updated=now.astimezone(tz).strftime("%H:%M:%S"),
        window=t(
            "overview.window",
            since=since.strftime("%Y-%m-%d %H:%M"),
            until=until.strftime("%Y-%m-%d %H:%M"),
            zone=settings.timezone,
        ),
        totals=Totals(
            mentions=total,
            negative=negatives,
            negative_share=_share(negatives, total),
            complaints=sum(complaints.values()),
            open_incidents=sum(1 for item in incidents if item.get("status") in OPEN_STATUSES),
        ),
        trend=trend,
        severity=[
            Slice(key=key, label=term_label("severity", key, language), count=severity[key])
            for key in COMPLAINT_SEVERITIES
            if severity[key]
        ],
        category=[
            Slice(key=key, label=term_label("category", key, language), count=count)
            for key, count in sorted(category.items(), key=lambda item: (-item[1], item[0]))
        ],
        incidents=[incident_summary(item, tz, language) for item in shown],
        top_complaints=[post_summary(post, links, tz, language) for post in top],
        responses=response_panel(store, settings, brand, since, until, language),
    )


def response_panel(
    store: Store, settings: Settings, brand: str, since: datetime, until: datetime, language: Language
) -> ResponsePanel | None:
    """Reply rate and median first response of the window's complaints (the `/responses` page has the rest)."""
    if not settings.watchlist_config.brand(brand).official_accounts:
        return None
    measures = response_measures(response_records(store, brand, since, until))
    return ResponsePanel(
        complaints=measures.complaints,
        reply_rate=measures.reply_rate,
        median_first_response_s=measures.median_first_response_s,
        reply_rate_text=format_share(measures.reply_rate),
        median_text=format_duration(measures.median_first_response_s, language),
    )


# -- Routes -----------------------------------------------------------------------------------------------------


def _overview(
    request: Request,
    store: Store,
    settings: Settings,
    brand: str | None,
    since: str | None,
    until: str | None,
    interval: Interval,
) -> Overview:
    chosen = watched_brand(request, settings, brand)
    now = datetime.now(UTC)
    window = choose_window(request, settings, store, since, until, interval, now)
    return build_overview(store, settings, chosen, window, request_language(request, settings), now)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    brand: str | None = None,
    since: str | None = None,
    until: str | None = None,
    interval: Interval = "1h",
) -> Response:
    data = _overview(request, store, settings, brand, since, until, interval)
    t = words_of(request, settings)
    script_words = {
        key: t(f"overview.{key}")
        for key in ("mentions", "negative", "complaints", "negative_share", "no_data", "no_incidents", "no_complaints")
    }
    # Templates the script fills in itself ({time} stays a placeholder).
    script_words |= {
        "updated": t("common.updated", time="{time}"),
        "stale": t("overview.stale", time="{time}"),
        "original": t("common.original"),
    }
    return page(
        request,
        "overview.html",
        WORDS,
        active="overview",
        overview=data,
        page_data={"overview": data.model_dump(mode="json"), "words": script_words},
        # The form shows only the ends the URL fixed: an open end keeps following "now" on every refresh.
        asked={"since": _form_time(data.since) if since else "", "until": _form_time(data.until) if until else ""},
    )


def _form_time(moment: datetime) -> str:
    """A datetime-local input's value (already in the configured zone)."""
    return moment.strftime("%Y-%m-%dT%H:%M")


@api.get("/overview", response_model=Overview, summary="A brand's overview over a window")
def overview_api(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    brand: str | None = None,
    since: str | None = None,
    until: str | None = None,
    interval: Interval = "1h",
) -> Overview:
    """Volume, negative share and complaints per bucket, complaint severity and category, incidents and the most
    spread complaints of one brand (default: the first watched brand). `since`/`until`: `2026-11-22`,
    `2026-11-22T10:00` (configured time zone) or with an offset; default: the last 24 hours, or the 24 hours
    ending with the hour of the newest post when the store has none in the last 24 hours."""
    return _overview(request, store, settings, brand, since, until, interval)


@api.get("/trends", response_model=Trends, summary="Posts per time bucket, by sentiment, severity or category")
def trends_api(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    brand: str | None = None,
    since: str | None = None,
    until: str | None = None,
    interval: Interval = "1h",
    by: TrendDimension | None = None,
) -> Trends:
    """`Store.trends` over the same filters as `/api/overview`; without `brand`, every brand; buckets follow the
    configured time zone's wall clock."""
    chosen = watched_brand(request, settings, brand) if brand else None
    window = choose_window(request, settings, store, since, until, interval, datetime.now(UTC))
    tz, language = ZoneInfo(settings.timezone), request_language(request, settings)
    buckets = store.trends(
        brand=chosen, since=window.since, until=window.until, interval=INTERVALS[window.interval], by=by, tz=tz
    )
    return Trends(
        brand=chosen,
        since=window.since.astimezone(tz),
        until=window.until.astimezone(tz),
        interval=window.interval,
        by=by,
        zone=settings.timezone,
        buckets=[
            TrendCount(
                start=bucket.start,
                brand=bucket.brand,
                key=bucket.key,
                label=term_label(by, bucket.key, language) if by in ("severity", "category") else bucket.key,
                count=bucket.count,
            )
            for bucket in buckets
        ],
    )
