"""Trend buckets on a time zone's wall clock: the calendar arithmetic of the SQLite store's `trends`.

It rounds as Elasticsearch's `date_histogram` rounds a fixed interval in a `time_zone`, so that both stores put
every post in the same bucket. A post's local time is floored to a multiple of the interval counted from
1970-01-01 00:00 local time. When the zone's UTC offset changed (daylight saving time) between that local start
and the post, the post belongs to the bucket of the last second before the change, or to a bucket starting at
the change when the clocks jumped over the local start.

Within a stretch of constant offset (`OffsetSpan`) the floor is plain arithmetic that SQL does; each bucket's
start is then worked out once, in Python, from one instant in it (`bucket_start`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# Every zone changes its offset at most once a day, so comparing offsets a day apart finds every change.
_SCAN_STEP_S = 86_400


@dataclass(frozen=True, slots=True)
class OffsetSpan:
    """Epoch seconds [start, end) in which a zone keeps one UTC offset (seconds east of UTC)."""

    start: int
    end: int
    offset: int


def utc_offset(tz: ZoneInfo, instant: int) -> int:
    """Seconds east of UTC in `tz` at `instant` (epoch seconds)."""
    offset = datetime.fromtimestamp(instant, tz).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_spans(tz: ZoneInfo, first: float, last: float) -> list[OffsetSpan]:
    """The stretches of constant offset that cover the instants `first` to `last`, oldest first."""
    cursor, end = math.floor(first), math.floor(last) + 1
    spans: list[OffsetSpan] = []
    span_start, offset = cursor, utc_offset(tz, cursor)
    while cursor < end:
        step = min(cursor + _SCAN_STEP_S, end)
        if utc_offset(tz, step) == offset:
            cursor = step
            continue
        change = _change_between(tz, cursor, step)
        spans.append(OffsetSpan(span_start, change, offset))
        span_start, offset, cursor = change, utc_offset(tz, change), change
    spans.append(OffsetSpan(span_start, end, offset))
    return spans


def bucket_start(instant: int, interval_s: int, tz: ZoneInfo) -> int:
    """The start (epoch seconds) of the bucket of `interval_s` seconds in `tz` that holds `instant`."""
    offset = utc_offset(tz, instant)
    local_start = (instant + offset) // interval_s * interval_s
    start = local_start - offset
    change = _last_change(tz, start, instant)
    if change is None:
        return start
    before, after = utc_offset(tz, change - 1), utc_offset(tz, change)
    if change + before <= local_start < change + after:  # the clocks jumped over the local start
        return change
    return bucket_start(change - 1, interval_s, tz)


def _last_change(tz: ZoneInfo, after: int, upto: int) -> int | None:
    """The latest instant in (after, upto] at which the offset changes, if any."""
    high = upto
    while high > after:
        low = max(after, high - _SCAN_STEP_S)
        if utc_offset(tz, low) != utc_offset(tz, high):
            return _change_between(tz, low, high)
        high = low
    return None


def _change_between(tz: ZoneInfo, low: int, high: int) -> int:
    """The first instant with the new offset, for `low` and `high` less than a day apart on either side of a
    change."""
    old = utc_offset(tz, low)
    while high - low > 1:
        middle = (low + high) // 2
        if utc_offset(tz, middle) == old:
            low = middle
        else:
            high = middle
    return high
