"""Does the brand answer? Measures over the `response` records (docs/data-contracts.md, "Response records").

Of the complaints checked for official replies: how many were answered, how fast (median and 90th percentile of
the first response, the share answered within an hour and within a day) and whether the complaint calmed after
the first reply (its repost rate per hour fell, from the post's metric snapshots). The daily briefing's 回应
section, the console's `/responses` page and `yuqing responses` all read their figures from here.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from pipeline.exceptions import InvalidRecord
from pipeline.i18n import Language, message
from pipeline.models import SEVERITY_LABELS, parse_time
from pipeline.store.base import MetricSnapshot, Store

logger = logging.getLogger(__name__)

HOUR_S: Final = 3600.0
DAY_S: Final = 86400.0
CRITICAL: Final = 3  # the severity of a complaint the service team must answer first
Snapshots = Callable[[str], list[MetricSnapshot]]  # post id -> its metric snapshots, oldest first
Record = dict[str, Any]


@dataclass(frozen=True)
class ResponseMeasures:
    """How a brand answered a set of complaints (each with a response record). Shares are 0-1; None when there
    is nothing to divide by."""

    complaints: int  # complaints with a response record (checked at least once)
    answered: int  # with an official reply
    reply_rate: float | None  # answered / complaints (None when complaints == 0)
    median_first_response_s: float | None  # over answered; negative delays (minute-precision times) count as 0
    p90_first_response_s: float | None
    within_1h: float | None  # share of complaints answered within 1 h of the complaint
    within_24h: float | None
    calmed: float | None  # share of answered complaints (with enough metric snapshots) whose repost rate per hour
    # fell after the first reply; None when none can be judged


def response_records(store: Store, brand: str, since: datetime, until: datetime) -> list[Record]:
    """The brand's response records of complaints created in [since, until), oldest complaint first. A record
    whose complaint time does not parse is left out (and logged)."""
    kept = []
    for record in store.list_records("response", where={"brand": brand}):
        created = _time(record, "complaint_at")
        if created is not None and since <= created < until:
            kept.append((created, str(record.get("post_id", "")), record))
    return [record for _created, _post_id, record in sorted(kept, key=lambda item: (item[0], item[1]))]


def first_response_s(record: Record) -> float | None:
    """Seconds from the complaint to the first official reply, clipped at 0 (a search card gives the complaint's
    time to the minute only, so a reply can seem to come first); None without a reply."""
    created, replied = _time(record, "complaint_at"), _time(record, "first_reply_at")
    if created is None or replied is None:
        return None
    return max(0.0, (replied - created).total_seconds())


def response_measures(records: Iterable[Record], snapshots: Snapshots | None = None) -> ResponseMeasures:
    """The measures of `records`; `snapshots` (typically `Store.snapshots`) is needed for `calmed` only."""
    checked = 0
    delays: list[float] = []
    judged = calmed = 0
    for record in records:
        checked += 1
        delay = first_response_s(record)
        if delay is None:
            continue
        delays.append(delay)
        if snapshots is not None:
            verdict = calmed_after_reply(record, snapshots(str(record.get("post_id", ""))))
            if verdict is not None:
                judged += 1
                calmed += verdict
    return ResponseMeasures(
        complaints=checked,
        answered=len(delays),
        reply_rate=_share(len(delays), checked),
        median_first_response_s=statistics.median(delays) if delays else None,
        p90_first_response_s=percentile(delays, 0.9),
        within_1h=_share(sum(1 for delay in delays if delay <= HOUR_S), checked),
        within_24h=_share(sum(1 for delay in delays if delay <= DAY_S), checked),
        calmed=_share(calmed, judged),
    )


def measures_by(
    records: Iterable[Record], key: Callable[[Record], str], snapshots: Snapshots | None = None
) -> dict[str, ResponseMeasures]:
    """The measures of each group of `records` (by day, category or severity: `day_key`, `category_key`,
    `severity_key`), in the order of the keys."""
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    return {name: response_measures(groups[name], snapshots) for name in sorted(groups)}


def oldest_unanswered(records: Iterable[Record], *, min_severity: int = CRITICAL, limit: int = 5) -> list[Record]:
    """Complaints of at least `min_severity` with no official reply on record, the longest waiting first.
    A record whose comment list was cut (`complete` false) is listed too: none of the replies read is official."""
    waiting = [
        record
        for record in records
        if _time(record, "first_reply_at") is None
        and _severity(record) >= min_severity
        and _time(record, "complaint_at") is not None
    ]
    waiting.sort(key=lambda record: (_time(record, "complaint_at"), str(record.get("post_id", ""))))
    return waiting[:limit]


def calmed_after_reply(record: Record, snapshots: Sequence[MetricSnapshot]) -> bool | None:
    """Whether the complaint's reposts per hour fell after its first reply. Before: from the complaint's posting
    (every post starts with no reposts) to the last snapshot before the reply; after: from that snapshot to the
    last one after the reply. (The reposts at the very moment of the reply are not known, so the after side
    starts at the last count seen before it.) None without a reply or without a snapshot on each side of it."""
    created, reply = _time(record, "complaint_at"), _time(record, "first_reply_at")
    if created is None or reply is None:
        return None
    before = [snapshot for snapshot in snapshots if created < snapshot.observed_at < reply]
    after = [snapshot for snapshot in snapshots if snapshot.observed_at > reply]
    if not before or not after:
        return None
    seen, last = before[-1], after[-1]
    rate_before = seen.reposts / _hours(seen.observed_at - created)
    rate_after = (last.reposts - seen.reposts) / _hours(last.observed_at - seen.observed_at)
    return rate_after < rate_before


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest value that at least `fraction` of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# -- groupings ------------------------------------------------------------------------------------------------


def day_key(tz: ZoneInfo) -> Callable[[Record], str]:
    """The complaint's local day in `tz` (YYYY-MM-DD)."""

    def key(record: Record) -> str:
        created = _time(record, "complaint_at")
        return created.astimezone(tz).date().isoformat() if created is not None else ""

    return key


def category_key(record: Record) -> str:
    return str(record.get("category") or "unscored")


def severity_key(record: Record) -> str:
    severity = _severity(record)
    return SEVERITY_LABELS[severity] if 0 <= severity < len(SEVERITY_LABELS) else "unscored"


def severity_order(label: str) -> int:
    """Most severe first, for tables by severity."""
    return -SEVERITY_LABELS.index(label) if label in SEVERITY_LABELS else 1


GROUPINGS: Final = ("day", "category", "severity")


def grouping(name: str, tz: ZoneInfo) -> Callable[[Record], str]:
    """The key function of a grouping named in `GROUPINGS`."""
    if name == "day":
        return day_key(tz)
    if name == "category":
        return category_key
    if name == "severity":
        return severity_key
    raise ValueError(f"no grouping {name!r}; use one of {', '.join(GROUPINGS)}")


def days_between(since: date, until: date) -> list[date]:
    """Every day from `since` to `until`, both included."""
    return [since + timedelta(days=offset) for offset in range((until - since).days + 1)]


# -- words ------------------------------------------------------------------------------------------------------


def format_share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def format_duration(seconds: float | None, language: Language) -> str:
    """A response time as a person reads it: minutes under an hour, hours under two days, then days."""
    if seconds is None:
        return "–"
    if seconds < HOUR_S:
        return message("response.minutes", language, value=round(seconds / 60))
    if seconds < 2 * DAY_S:
        return message("response.hours", language, value=seconds / HOUR_S)
    return message("response.days", language, value=seconds / DAY_S)


# -- helpers ----------------------------------------------------------------------------------------------------


def _time(record: Record, field: str) -> datetime | None:
    value = record.get(field)
    if value is None:
        return None
    try:
        return parse_time(value, field)
    except InvalidRecord as exc:
        logger.warning("response record %s: %s", str(record.get("post_id", "?"))[:80], exc)
        return None


def _severity(record: Record) -> int:
    value = record.get("severity")
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _hours(span: timedelta) -> float:
    return span.total_seconds() / HOUR_S
