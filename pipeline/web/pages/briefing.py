"""The briefing page (日报): the daily 舆情日报 of any watched brand and day, shown in the console with its own
charts, and the same briefing as the self-contained HTML document that is delivered by e-mail, to download.

Both come from `pipeline.report.briefing.build_briefing`, so the page, the download, `yuqing report` and the
morning delivery show the same figures; the page draws them with ECharts (Chinese labels, links to the posts'
and incidents' pages) rather than embedding the document's PNG charts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from pipeline.config import Settings
from pipeline.i18n import MESSAGES, Language
from pipeline.report.briefing import BASELINE_DAYS, Briefing, briefing_day, build_briefing
from pipeline.report.render import render_html, responses_html, subject, summary_header, summary_rows
from pipeline.safe_text import LinkPolicy, disarm
from pipeline.store.base import Store
from pipeline.web.pages.overview import (
    IncidentSummary,
    PostSummary,
    SettingsDep,
    Slice,
    StoreDep,
    default_window,
    incident_summary,
    post_summary,
    term_label,
    watched_brand,
    words_of,
)
from pipeline.web.render import page, request_language
from pipeline.web.words import Words, translator

router = APIRouter()
api = APIRouter()

WORDS: Words = {
    # The delivered briefing's own words (`pipeline.i18n`), so that the page reads as the document does.
    **{key: templates for key, templates in MESSAGES.items() if key.startswith("briefing.")},
    "briefing_page.title": {"zh": "日报", "en": "Briefing"},
    "briefing_page.date": {"zh": "日期", "en": "Day"},
    "briefing_page.download": {"zh": "下载 HTML", "en": "Download HTML"},
    "briefing_page.sentiment.negative": {"zh": "负面", "en": "negative"},
    "briefing_page.sentiment.neutral": {"zh": "中性", "en": "neutral"},
    "briefing_page.sentiment.positive": {"zh": "正面", "en": "positive"},
    "briefing_page.sentiment.unscored": {"zh": "未评分", "en": "unscored"},
    "briefing_page.no_data": {"zh": "无数据", "en": "No data"},
    "briefing_page.bad_date": {
        "zh": "无法识别的日期“{value}”，请写成 2026-11-22",
        "en": "unreadable day {value!r}: write 2026-11-22",
    },
}

SENTIMENTS = ("negative", "neutral", "positive", "unscored")
SEVERITY_ORDER = ("critical", "major", "minor", "none", "unscored")


class DayFigures(BaseModel):
    day: date
    mentions: int
    negative: int
    negative_share: float | None


class HourFigures(BaseModel):
    hour: int = Field(description="local hour of the day, 0-23")
    negative: int
    neutral: int
    positive: int
    unscored: int


class SummaryRow(BaseModel):
    measure: str
    today: str
    vs_yesterday: str
    vs_baseline: str


class TermFigures(BaseModel):
    term: str
    today: int
    baseline_per_day: float = Field(description="mean daily count over the seven days before")
    growth: float


class BriefingAnswer(BaseModel):
    brand: str
    day: date
    zone: str
    subject: str
    generated_at: datetime
    generated: str = Field(description="when and in which zone's calendar, as the page writes it")
    download: str = Field(description="the briefing as a self-contained HTML document")
    summary_header: list[str]
    summary: list[SummaryRow] = Field(description="the day against the day before and the mean of the week before")
    days: list[DayFigures] = Field(description="the seven days before, then the day itself")
    hourly: list[HourFigures] = Field(description="posts per local hour of the day, by sentiment")
    severity: list[Slice] = Field(description="the day's posts by complaint severity")
    category: list[Slice] = Field(description="the day's posts by complaint category")
    incidents: list[IncidentSummary]
    top_complaints: list[PostSummary] = Field(description="the day's negative posts, most spread first")
    emerging_terms: list[TermFigures] = Field(description="complaint terms growing most against the week before")


def _day(request: Request, settings: Settings, store: Store, value: str | None, now: datetime) -> date:
    """The day asked for; by default yesterday (the morning delivery's day) on a store that is receiving posts,
    else the day that holds most of the overview's default window (the demo's day)."""
    tz = ZoneInfo(settings.timezone)
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            t = words_of(request, settings, WORDS)
            raise HTTPException(status_code=422, detail=t("briefing_page.bad_date", value=value)) from None
    since, until = default_window(store, now, tz)
    if until == now:
        return briefing_day(now, tz)
    return (since + (until - since) / 2).astimezone(tz).date()


def words_of_language(language: Language) -> Callable[..., str]:
    return translator(language, WORDS)


def _download_path(brand: str, day: date) -> str:
    return f"/briefing.html?brand={quote(brand)}&date={day.isoformat()}"


def _hour(briefing: Briefing, hour: int) -> HourFigures:
    counts = briefing.hourly.get(hour) or Counter()
    return HourFigures(
        hour=hour,
        negative=counts["negative"],
        neutral=counts["neutral"],
        positive=counts["positive"],
        unscored=counts["unscored"],
    )


def briefing_answer(briefing: Briefing, settings: Settings, language: Language) -> BriefingAnswer:
    tz = ZoneInfo(settings.timezone)
    t = words_of_language(language)
    links = LinkPolicy.from_settings(settings)
    return BriefingAnswer(
        brand=briefing.brand,
        day=briefing.day,
        zone=settings.timezone,
        subject=subject(briefing, language),
        generated_at=briefing.generated_at.astimezone(tz),
        generated=t(
            "briefing.generated",
            time=briefing.generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            zone=settings.timezone,
        ),
        download=_download_path(briefing.brand, briefing.day),
        summary_header=summary_header(briefing, language),
        summary=[
            SummaryRow(measure=measure, today=today, vs_yesterday=yesterday, vs_baseline=baseline)
            for measure, today, yesterday, baseline in summary_rows(briefing, language)
        ],
        days=[
            DayFigures(day=day.day, mentions=day.total, negative=day.negative, negative_share=day.negative_share)
            for day in briefing.days
        ],
        hourly=[_hour(briefing, hour) for hour in range(24)],
        severity=[
            Slice(key=key, label=term_label("severity", key, language), count=briefing.severity[key])
            for key in SEVERITY_ORDER
            if briefing.severity[key]
        ],
        category=[
            Slice(key=key, label=term_label("category", key, language), count=count)
            for key, count in briefing.category.most_common()
        ],
        incidents=[incident_summary(item, tz, language) for item in briefing.incidents],
        top_complaints=[post_summary(post, links, tz, language) for post in briefing.top_complaints],
        emerging_terms=[
            TermFigures(
                term=disarm(item.term), today=item.today, baseline_per_day=item.baseline_per_day, growth=item.growth
            )
            for item in briefing.emerging_terms
        ],
    )


def _briefing(
    request: Request, store: Store, settings: Settings, brand: str | None, day: str | None
) -> tuple[Briefing, Language]:
    chosen = watched_brand(request, settings, brand)
    now = datetime.now(UTC)
    tz = ZoneInfo(settings.timezone)
    briefing = build_briefing(store, chosen, _day(request, settings, store, day, now), now=now, tz=tz)
    return briefing, request_language(request, settings)


DayQuery = Annotated[str | None, Query(alias="date", description="2026-11-22; default: see the page")]


@router.get("/briefing", response_class=HTMLResponse, include_in_schema=False)
def briefing_page(
    request: Request, store: StoreDep, settings: SettingsDep, brand: str | None = None, day: DayQuery = None
) -> Response:
    briefing, language = _briefing(request, store, settings, brand, day)
    answer = briefing_answer(briefing, settings, language)
    t = words_of_language(language)
    script_words = {
        "mentions": t("briefing.mentions"),
        "negative_share": t("briefing.negative_share"),
        "no_data": t("briefing_page.no_data"),
        **{key: t(f"briefing_page.sentiment.{key}") for key in SENTIMENTS},
    }
    # The 回应 section is the document's own HTML (escaped there, links through the same policy).
    responses = responses_html(briefing, LinkPolicy.from_settings(settings), language)
    return page(
        request,
        "briefing.html",
        WORDS,
        active="briefing",
        briefing=answer,
        responses=Markup(responses) if responses is not None else None,
        baseline_days=BASELINE_DAYS,
        page_data={"briefing": answer.model_dump(mode="json"), "words": script_words},
    )


@router.get("/briefing.html", include_in_schema=False)
def briefing_download(
    request: Request, store: StoreDep, settings: SettingsDep, brand: str | None = None, day: DayQuery = None
) -> Response:
    """The document the morning delivery sends, as a file: `舆情日报-<brand>-<day>.html`."""
    briefing, language = _briefing(request, store, settings, brand, day)
    document = render_html(briefing, LinkPolicy.from_settings(settings), language)
    name = f"舆情日报-{briefing.brand}-{briefing.day.isoformat()}.html"
    disposition = f"attachment; filename=\"briefing-{briefing.day.isoformat()}.html\"; filename*=UTF-8''{quote(name)}"
    return HTMLResponse(document, headers={"Content-Disposition": disposition})


@api.get("/briefing", response_model=BriefingAnswer, summary="The daily briefing of a brand")
def briefing_api(
    request: Request, store: StoreDep, settings: SettingsDep, brand: str | None = None, day: DayQuery = None
) -> BriefingAnswer:
    """The 舆情日报 of one brand (default: the first watched brand) and one calendar day in the configured time
    zone (default: yesterday, or the last day with posts when the store has none in the last 24 hours)."""
    briefing, language = _briefing(request, store, settings, brand, day)
    return briefing_answer(briefing, settings, language)
