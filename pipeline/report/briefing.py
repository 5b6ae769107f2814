"""What goes into the daily briefing (舆情日报) of one brand, gathered through the `Store` protocol only.

A briefing covers one calendar day in the configured time zone (`YUQING_TIMEZONE`, Asia/Shanghai by default)
and compares it with the day before and with the seven days before it: volume, negative share, severity and
category of the day's complaints, incidents, the most spread negative posts, the complaint terms that are new
or growing, and, for a brand with official accounts, whether it answered the complaints (回应).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.exceptions import InvalidRecord
from pipeline.models import Post, parse_time
from pipeline.report.day_terms import day_terms
from pipeline.report.responses import (
    ResponseMeasures,
    category_key,
    measures_by,
    oldest_unanswered,
    response_measures,
    response_records,
    severity_key,
)
from pipeline.store.base import DEFAULT_ZONE, Store

HOUR = timedelta(hours=1)
BASELINE_DAYS = 7
TOP_COMPLAINTS = 10
EMERGING_TERMS = 15
MIN_TERM_COUNT = 2  # a term mentioned once today is noise, not an emerging complaint
OLDEST_UNANSWERED = 5


@dataclass(frozen=True, slots=True)
class DayVolume:
    day: date
    total: int
    negative: int

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class EmergingTerm:
    term: str
    today: int
    baseline_per_day: float  # mean daily count over the seven days before

    @property
    def growth(self) -> float:
        return (self.today + 1) / (self.baseline_per_day + 1)


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A critical complaint still waiting for an official reply, with its post when the store has it (the link)."""

    record: dict[str, Any]
    post: Post | None


@dataclass(frozen=True, slots=True)
class ResponseSection:
    """Did the brand answer the day's complaints? Measures of the day's complaints, by category and by severity,
    and the critical complaints of the day and the week before still unanswered, the longest waiting first."""

    day: ResponseMeasures
    by_category: dict[str, ResponseMeasures]
    by_severity: dict[str, ResponseMeasures]
    unanswered: list[Unanswered]


@dataclass
class Briefing:
    brand: str
    day: date
    generated_at: datetime
    days: list[DayVolume]  # the seven days before, then the day itself (oldest first)
    hourly: dict[int, Counter[str]]  # local hour of the day (`tz`) → sentiment → count
    severity: Counter[str]
    category: Counter[str]
    incidents: list[dict[str, Any]]
    top_complaints: list[Post]
    emerging_terms: list[EmergingTerm]
    notes: list[str] = field(default_factory=list)
    tz: ZoneInfo = DEFAULT_ZONE  # the zone whose calendar day this is
    responses: ResponseSection | None = None  # None: the brand has no official accounts

    @property
    def today(self) -> DayVolume:
        return self.days[-1]

    @property
    def yesterday(self) -> DayVolume:
        return self.days[-2]

    @property
    def baseline(self) -> DayVolume:
        """The seven days before, summed (divide by BASELINE_DAYS for a daily mean)."""
        previous = self.days[:-1]
        return DayVolume(self.days[0].day, sum(d.total for d in previous), sum(d.negative for d in previous))

    @property
    def baseline_daily_volume(self) -> float:
        return self.baseline.total / BASELINE_DAYS


def day_bounds(day: date, tz: ZoneInfo = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight (23 or 25 hours apart when daylight saving changes that day)."""
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)


def briefing_day(run_time: datetime, tz: ZoneInfo = DEFAULT_ZONE) -> date:
    """The morning run reports on the whole previous day in `tz`."""
    return run_time.astimezone(tz).date() - timedelta(days=1)


def build_briefing(
    store: Store,
    brand: str,
    day: date,
    now: datetime | None = None,
    tz: ZoneInfo = DEFAULT_ZONE,
    official_accounts: bool | None = None,
) -> Briefing:
    """`official_accounts`: whether the brand has official accounts in the watchlist (the 回应 section is left out
    when it has none); None: judge by whether the store holds any response record of the brand."""
    day_start, day_end = day_bounds(day, tz)
    # Wall-clock arithmetic (same tzinfo): local midnight a week before, whatever daylight saving did meanwhile.
    window_start = day_start - timedelta(days=BASELINE_DAYS)
    # Hourly buckets on the local clock, so that each falls in one local day and one hour of the chart.
    by_sentiment = store.trends(brand=brand, since=window_start, until=day_end, interval=HOUR, by="sentiment", tz=tz)
    totals: Counter[date] = Counter()
    negatives: Counter[date] = Counter()
    hourly: dict[int, Counter[str]] = defaultdict(Counter)
    sentiments: dict[date, Counter[str]] = defaultdict(Counter)
    for bucket in by_sentiment:
        local = bucket.start.astimezone(tz)
        totals[local.date()] += bucket.count
        sentiments[local.date()][bucket.key] += bucket.count
        if bucket.key == "negative":
            negatives[local.date()] += bucket.count
        if local.date() == day:
            hourly[local.hour][bucket.key] += bucket.count
    days = [
        DayVolume(d, totals[d], negatives[d])
        for d in (day - timedelta(days=offset) for offset in range(BASELINE_DAYS, -1, -1))
    ]
    return Briefing(
        brand=brand,
        day=day,
        generated_at=now or datetime.now(tz),
        days=days,
        hourly=dict(hourly),
        severity=_breakdown(store, brand, day_start, day_end, "severity"),
        category=_breakdown(store, brand, day_start, day_end, "category"),
        incidents=relevant_incidents(store.list_records("incident", {"brand": brand}), day_start, day_end),
        top_complaints=store.top_posts(
            brand=brand, since=day_start, until=day_end, sentiment="negative", limit=TOP_COMPLAINTS
        ),
        emerging_terms=emerging_terms(store, brand, day, tz, sentiments),
        tz=tz,
        responses=response_section(store, brand, day_start, day_end, window_start, official_accounts),
    )


def response_section(
    store: Store,
    brand: str,
    day_start: datetime,
    day_end: datetime,
    window_start: datetime,
    official_accounts: bool | None = None,
) -> ResponseSection | None:
    """The 回应 section: measures of the complaints of [day_start, day_end), and the critical complaints since
    `window_start` still unanswered (a backlog does not vanish from the briefing at midnight)."""
    if official_accounts is False:
        return None
    recent = response_records(store, brand, window_start, day_end)
    if official_accounts is None and not recent and not store.list_records("response", {"brand": brand}):
        return None
    today = [record for record in recent if _created_in(record, day_start, day_end)]
    waiting = oldest_unanswered(recent, limit=OLDEST_UNANSWERED)
    posts = store.get_posts([str(record.get("post_id", "")) for record in waiting])
    return ResponseSection(
        day=response_measures(today, store.snapshots),
        by_category=measures_by(today, category_key, store.snapshots),
        by_severity=measures_by(today, severity_key, store.snapshots),
        unanswered=[Unanswered(record, posts.get(str(record.get("post_id", "")))) for record in waiting],
    )


def _created_in(record: dict[str, Any], since: datetime, until: datetime) -> bool:
    return since <= parse_time(record["complaint_at"], "complaint_at") < until  # response_records checked it parses


def _breakdown(store: Store, brand: str, since: datetime, until: datetime, by: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for bucket in store.trends(brand=brand, since=since, until=until, interval=HOUR, by=by):  # type: ignore[arg-type]
        counts[bucket.key] += bucket.count
    return counts


def relevant_incidents(incidents: list[dict[str, Any]], since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Incidents still open or acknowledged, and those opened or updated during the day; open ones and
    higher priorities first."""

    def touched(incident: dict[str, Any]) -> bool:
        for key in ("opened_at", "updated_at"):
            if incident.get(key) is None:
                continue
            try:
                moment = parse_time(incident[key], key)
            except InvalidRecord:  # a malformed time only means we cannot tell: keep the incident
                return True
            if since <= moment < until:
                return True
        return False

    kept = [item for item in incidents if item.get("status") != "resolved" or touched(item)]
    status_order = {"open": 0, "acknowledged": 1, "resolved": 2}
    return sorted(
        kept,
        key=lambda item: (
            status_order.get(str(item.get("status")), 3),
            str(item.get("priority", "P9")),
            str(item.get("opened_at", "")),
        ),
    )


def emerging_terms(
    store: Store, brand: str, day: date, tz: ZoneInfo, sentiments: dict[date, Counter[str]]
) -> list[EmergingTerm]:
    """Terms of the day's negative or complaint posts, ranked by growth over their mean of the week before.
    `sentiments`: each local day's post count per sentiment (what tells whether a day's stored counts are current)."""
    today: Counter[str] = Counter()
    before: Counter[str] = Counter()
    for offset in range(BASELINE_DAYS + 1):
        each_day = day - timedelta(days=offset)
        if not sentiments.get(each_day):
            continue
        day_start, day_end = day_bounds(each_day, tz)
        counts = day_terms(store, brand, day_start, day_end, dict(sentiments[each_day]))
        (today if offset == 0 else before).update(counts)
    ranked = [
        EmergingTerm(term, count, before[term] / BASELINE_DAYS)
        for term, count in today.items()
        if count >= MIN_TERM_COUNT
    ]
    ranked.sort(key=lambda item: (-item.growth, -item.today, item.term))
    return ranked[:EMERGING_TERMS]
