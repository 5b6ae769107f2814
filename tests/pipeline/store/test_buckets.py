"""Trend buckets on a zone's wall clock, as Elasticsearch rounds a fixed interval in a time zone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.models import Post
from pipeline.store.buckets import OffsetSpan, bucket_start, offset_spans
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post

NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def _start(text: str, interval_s: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(bucket_start(_ts(text), interval_s, tz), tz).isoformat()


@pytest.mark.parametrize(
    ("post", "interval_s", "start"),
    [
        ("2026-03-08T03:30:00-04:00", 2 * HOUR, "2026-03-08T03:00:00-04:00"),  # 02:00 was skipped: the change
        ("2026-03-08T01:30:00-05:00", 2 * HOUR, "2026-03-08T00:00:00-05:00"),
        ("2026-11-01T01:30:00-05:00", 2 * HOUR, "2026-11-01T00:00:00-04:00"),  # began before clocks went back
        ("2026-11-01T01:30:00-05:00", HOUR, "2026-11-01T01:00:00-05:00"),  # the second 01:00
        ("2026-11-01T20:00:00-05:00", 24 * HOUR, "2026-11-01T00:00:00-04:00"),
        ("2026-11-02T00:10:00-05:00", 24 * HOUR, "2026-11-02T00:00:00-05:00"),
    ],
)
def test_bucket_starts_around_daylight_saving_changes(post: str, interval_s: int, start: str) -> None:
    assert _start(post, interval_s, NEW_YORK) == start


def test_half_hour_daylight_saving_keeps_local_midnight() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # +10:30 in winter, +11:00 in summer
    assert _start("2026-10-04T12:00:00+11:00", 24 * HOUR, lord_howe) == "2026-10-04T00:00:00+10:30"
    assert _start("2026-10-04T12:40:00+11:00", HOUR, lord_howe) == "2026-10-04T12:00:00+11:00"


def test_offset_spans_split_at_each_change() -> None:
    spans = offset_spans(NEW_YORK, _ts("2026-01-01T00:00:00-05:00"), _ts("2026-12-31T00:00:00-05:00"))
    assert [(span.offset // HOUR) for span in spans] == [-5, -4, -5]
    assert datetime.fromtimestamp(spans[1].start, UTC) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert datetime.fromtimestamp(spans[2].start, UTC) == datetime(2026, 11, 1, 6, tzinfo=UTC)
    assert offset_spans(ZoneInfo("Asia/Shanghai"), 100.5, 200.5) == [OffsetSpan(100, 201, 8 * HOUR)]


@pytest.mark.parametrize("interval", [timedelta(minutes=30), timedelta(hours=1), timedelta(hours=3), timedelta(days=1)])
def test_sqlite_trends_put_every_post_where_bucket_start_does(tmp_path: Path, interval: timedelta) -> None:
    generator = random.Random(7)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=generator.randrange(0, 300 * 86400)) for _ in range(400)]
    moments += [datetime(2026, 11, 1, 5, tzinfo=UTC) + timedelta(minutes=7 * step) for step in range(40)]
    with SQLiteStore(tmp_path / "trends.db") as store:
        store.upsert_posts(
            Post.from_dict(make_post(id=f"weibo:{number}", brand="蒙牛", created_at=moment.isoformat()))
            for number, moment in enumerate(moments)
        )
        buckets = store.trends(
            brand="蒙牛", since=start, until=start + timedelta(days=365), interval=interval, tz=NEW_YORK
        )
    expected: dict[int, int] = {}
    for moment in moments:
        key = bucket_start(int(moment.timestamp()), int(interval.total_seconds()), NEW_YORK)
        expected[key] = expected.get(key, 0) + 1
    assert [(int(bucket.start.timestamp()), bucket.count) for bucket in buckets] == sorted(expected.items())
