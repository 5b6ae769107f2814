"""Response measures over response records and metric snapshots kept in a real SQLite store; every figure is
worked out by hand in the comments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pipeline.models import SHANGHAI, Post
from pipeline.report.responses import (
    ResponseMeasures,
    calmed_after_reply,
    category_key,
    day_key,
    first_response_s,
    format_duration,
    measures_by,
    oldest_unanswered,
    percentile,
    response_measures,
    response_records,
    severity_key,
)
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post


def record(
    number: int,
    complaint_at: str,
    first_reply_at: str | None,
    *,
    severity: int = 3,
    category: str = "delivery",
    brand: str = "顺丰",
    complete: bool = True,
) -> dict[str, Any]:
    replies = []
    if first_reply_at is not None:
        replies.append(
            {
                "account_uid": "1400000002",
                "account_name": "顺丰客服",
                "kind": "comment",
                "at": first_reply_at,
                "text": "您好，请私信运单号",
                "url": f"https://weibo.com/1/{number}",
            }
        )
    return {
        "post_id": f"weibo:{number}",
        "brand": brand,
        "complaint_at": complaint_at,
        "severity": severity,
        "category": category,
        "checked_at": "2026-12-06T12:00:00+08:00",
        "complete": complete,
        "comments_read": 4,
        "first_reply_at": first_reply_at,
        "replies": replies,
    }


# (complaint, first reply): delays 1800 s, -30 s (clipped to 0), 26 h = 93600 s, none, 7200 s.
RECORDS = [
    record(1, "2026-12-05T10:00:00+08:00", "2026-12-05T10:30:00+08:00"),
    record(2, "2026-12-05T10:00:00+08:00", "2026-12-05T09:59:30+08:00", category="service", severity=2),
    record(3, "2026-12-05T11:00:00+08:00", "2026-12-06T13:00:00+08:00"),
    record(4, "2026-12-05T12:00:00+08:00", None, category="service"),
    record(5, "2026-12-05T12:00:00+08:00", "2026-12-05T14:00:00+08:00", severity=1),
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def observe(store: SQLiteStore, number: int, created_at: str, when: str, reposts: int) -> None:
    """The complaint seen at `when` with `reposts` reposts (a metrics change stores a snapshot)."""
    post = make_post(
        id=f"weibo:{number}",
        brand="顺丰",
        created_at=created_at,
        metrics={"reposts": reposts, "comments": 1, "likes": 1},
    )
    store.upsert_posts([Post.from_dict(post)], observed_at=at(when))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "responses.db") as store:
        for item in RECORDS:
            store.put_record("response", item["post_id"], item)
        store.put_record("response", "weibo:9", record(9, "2026-12-05T10:00:00+08:00", None, brand="中通"))
        store.put_record("response", "weibo:8", record(8, "2026-12-04T23:59:00+08:00", None))
        # 1: posted 10:00, 30 reposts by 10:20, reply 10:30, 40 by 11:30:
        #    before 30 / (20 min) = 90/h, after (40 - 30) / (70 min) = 8.6/h: calmed.
        for when, reposts in (("10:10", 10), ("10:20", 30), ("11:30", 40)):
            observe(store, 1, RECORDS[0]["complaint_at"], f"2026-12-05T{when}:00+08:00", reposts)
        # 2: replied at 09:59:30, seen only afterwards: not judged.
        for when, reposts in (("10:05", 2), ("10:35", 3)):
            observe(store, 2, RECORDS[1]["complaint_at"], f"2026-12-05T{when}:00+08:00", reposts)
        # 3: posted 11:00, 5 reposts at 11:30 (10/h), reply the next day 13:00, 500 by 14:00 the next day:
        #    after (500 - 5) / 26.5 h = 18.7/h: not calmed.
        observe(store, 3, RECORDS[2]["complaint_at"], "2026-12-05T11:30:00+08:00", 5)
        observe(store, 3, RECORDS[2]["complaint_at"], "2026-12-06T14:00:00+08:00", 500)
        # 5: seen only before its reply: not judged.
        observe(store, 5, RECORDS[4]["complaint_at"], "2026-12-05T12:30:00+08:00", 3)
        yield store


def test_records_of_the_brand_and_the_window_oldest_first(store: SQLiteStore) -> None:
    found = response_records(store, "顺丰", at("2026-12-05T00:00:00+08:00"), at("2026-12-06T00:00:00+08:00"))
    assert [item["post_id"] for item in found] == ["weibo:1", "weibo:2", "weibo:3", "weibo:4", "weibo:5"]
    # `until` is excluded, `since` included: the complaint of 23:59 the day before is in the day before.
    before = response_records(store, "顺丰", at("2026-12-04T00:00:00+08:00"), at("2026-12-05T10:00:00+08:00"))
    assert [item["post_id"] for item in before] == ["weibo:8"]
    assert response_records(store, "瑞幸", at("2026-12-01T00:00:00+08:00"), at("2026-12-09T00:00:00+08:00")) == []


def test_every_measure_on_hand_computed_values(store: SQLiteStore) -> None:
    measures = response_measures(RECORDS, store.snapshots)
    assert measures == ResponseMeasures(
        complaints=5,
        answered=4,
        reply_rate=0.8,
        median_first_response_s=4500.0,  # delays 0, 1800, 7200, 93600: (1800 + 7200) / 2
        p90_first_response_s=93600.0,  # nearest rank: the ceil(0.9 × 4) = 4th
        within_1h=0.4,  # 0 and 1800 s, of 5 complaints
        within_24h=0.6,  # and 7200 s
        calmed=0.5,  # 1 calmed, 3 not, 2 and 5 not judged
    )


def test_a_reply_seemingly_before_the_complaint_counts_as_immediate() -> None:
    assert first_response_s(RECORDS[1]) == 0.0
    measures = response_measures([RECORDS[1]])
    assert (measures.median_first_response_s, measures.p90_first_response_s, measures.within_1h) == (0.0, 0.0, 1.0)


def test_no_replies_and_no_records() -> None:
    unanswered = response_measures([RECORDS[3]])
    assert unanswered == ResponseMeasures(1, 0, 0.0, None, None, 0.0, 0.0, None)
    assert response_measures([]) == ResponseMeasures(0, 0, None, None, None, None, None, None)
    assert measures_by([], category_key) == {}


def test_calmed_needs_snapshots_on_both_sides_of_the_reply(store: SQLiteStore) -> None:
    assert response_measures(RECORDS).calmed is None  # no snapshots asked for
    assert calmed_after_reply(RECORDS[0], store.snapshots("weibo:1")) is True
    assert calmed_after_reply(RECORDS[1], store.snapshots("weibo:2")) is None
    assert calmed_after_reply(RECORDS[2], store.snapshots("weibo:3")) is False
    assert calmed_after_reply(RECORDS[3], store.snapshots("weibo:4")) is None  # no reply
    assert calmed_after_reply(RECORDS[4], store.snapshots("weibo:5")) is None
    # Only the complaints that could not be judged: no share at all, rather than 0 %.
    assert response_measures([RECORDS[1], RECORDS[4]], store.snapshots).calmed is None


def test_measures_by_category_severity_and_local_day(store: SQLiteStore) -> None:
    by_category = measures_by(RECORDS, category_key, store.snapshots)
    assert list(by_category) == ["delivery", "service"]
    delivery, service = by_category["delivery"], by_category["service"]
    assert (delivery.complaints, delivery.answered, delivery.median_first_response_s) == (3, 3, 7200.0)
    assert (delivery.calmed, delivery.within_1h) == (0.5, pytest.approx(1 / 3))
    assert (service.complaints, service.answered, service.reply_rate, service.calmed) == (2, 1, 0.5, None)
    by_severity = measures_by(RECORDS, severity_key)
    assert {name: item.complaints for name, item in by_severity.items()} == {"critical": 3, "major": 1, "minor": 1}
    assert by_severity["critical"].p90_first_response_s == 93600.0  # 1800, 93600 and no reply: the 2nd of 2
    # The day is the complaint's local day: 2026-12-05 02:00 UTC is 10:00 in Shanghai, 21:00 the day before in
    # New York.
    shanghai = measures_by(RECORDS, day_key(SHANGHAI))
    new_york = measures_by(RECORDS, day_key(ZoneInfo("America/New_York")))
    assert {day: item.complaints for day, item in shanghai.items()} == {"2026-12-05": 5}
    assert {day: item.complaints for day, item in new_york.items()} == {"2026-12-04": 5}


def test_oldest_unanswered_critical_first() -> None:
    waiting = [
        record(21, "2026-12-05T09:00:00+08:00", None, severity=2),
        record(22, "2026-12-05T08:00:00+08:00", None, complete=False),
        record(23, "2026-12-04T08:00:00+08:00", None),
        record(24, "2026-12-03T08:00:00+08:00", "2026-12-03T09:00:00+08:00"),
        *RECORDS,
    ]
    assert [item["post_id"] for item in oldest_unanswered(waiting)] == ["weibo:23", "weibo:22", "weibo:4"]
    assert [item["post_id"] for item in oldest_unanswered(waiting, limit=1)] == ["weibo:23"]
    assert [item["post_id"] for item in oldest_unanswered(waiting, min_severity=2)][:3] == [
        "weibo:23",
        "weibo:22",
        "weibo:21",
    ]


def test_percentile_and_durations() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(value) for value in range(1, 11)], 0.9) == 9.0
    assert format_duration(None, "zh") == "–"
    assert format_duration(1800, "zh") == "30 分钟"
    assert format_duration(5400, "en") == "1.5 h"
    assert format_duration(3 * 86400, "zh") == "3.0 天"


def test_a_malformed_time_leaves_the_record_out(store: SQLiteStore, caplog: pytest.LogCaptureFixture) -> None:
    broken = record(30, "yesterday", None)
    store.put_record("response", "weibo:30", broken)
    found = response_records(store, "顺丰", at("2026-12-01T00:00:00+08:00"), at("2026-12-09T00:00:00+08:00"))
    assert "weibo:30" not in [item["post_id"] for item in found]
    assert "weibo:30" in caplog.text
    assert first_response_s(record(31, "2026-12-05T10:00:00+08:00", "soon")) is None
