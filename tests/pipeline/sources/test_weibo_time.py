from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.models import SHANGHAI
from pipeline.sources.weibo_time import parse_weibo_time

FETCHED = datetime(2026, 11, 22, 10, 7, 12, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("刚刚", FETCHED),
        ("30秒前", FETCHED - timedelta(seconds=30)),
        ("5分钟前", FETCHED - timedelta(minutes=5)),
        ("2小时前", FETCHED - timedelta(hours=2)),
        ("今天 08:15", datetime(2026, 11, 22, 8, 15, tzinfo=SHANGHAI)),
        ("今天09:02", datetime(2026, 11, 22, 9, 2, tzinfo=SHANGHAI)),
        ("昨天 23:10", datetime(2026, 11, 21, 23, 10, tzinfo=SHANGHAI)),
        ("11月20日 21:03", datetime(2026, 11, 20, 21, 3, tzinfo=SHANGHAI)),
        ("2025年12月30日 23:59", datetime(2025, 12, 30, 23, 59, tzinfo=SHANGHAI)),
        ("06-14", datetime(2026, 6, 14, tzinfo=SHANGHAI)),
        ("2020-06-14", datetime(2020, 6, 14, tzinfo=SHANGHAI)),
        ("Sat Nov 22 10:00:00 +0800 2025", datetime(2025, 11, 22, 10, 0, tzinfo=SHANGHAI)),
        ("Sat Nov 22 02:00:00 +0000 2025", datetime(2025, 11, 22, 10, 0, tzinfo=SHANGHAI)),
    ],
)
def test_every_format(shown: str, expected: datetime) -> None:
    parsed = parse_weibo_time(shown, FETCHED)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=8)


def test_fetch_time_in_another_zone_is_resolved_in_shanghai() -> None:
    # 16:30 UTC on 21 November is already 22 November in Shanghai: "今天" is the 22nd.
    fetched_utc = datetime(2026, 11, 21, 16, 30, tzinfo=UTC)
    assert parse_weibo_time("今天 08:00", fetched_utc) == datetime(2026, 11, 22, 8, 0, tzinfo=SHANGHAI)


def test_new_year_rollover() -> None:
    new_year = datetime(2027, 1, 1, 0, 10, tzinfo=SHANGHAI)
    assert parse_weibo_time("12月31日 23:50", new_year) == datetime(2026, 12, 31, 23, 50, tzinfo=SHANGHAI)
    assert parse_weibo_time("01月01日 00:05", new_year) == datetime(2027, 1, 1, 0, 5, tzinfo=SHANGHAI)


@pytest.mark.parametrize("shown", ["", "上周", "13月40日 10:00", "明天 10:00", "25:00"])
def test_unknown_format_names_the_text(shown: str) -> None:
    with pytest.raises(ValueError, match=r"Weibo time|month|day|hour|must be"):
        parse_weibo_time(shown, FETCHED)
