"""What the daily briefing gathers from a store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.models import Post
from pipeline.report.briefing import briefing_day, build_briefing, relevant_incidents
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post
from tests.pipeline.report.helpers import DAY


def test_volumes_compare_the_day_with_yesterday_and_the_week(demo_store: SQLiteStore) -> None:
    briefing = build_briefing(demo_store, "蒙牛", DAY)
    assert briefing.days[0].day == date(2026, 11, 15)
    assert len(briefing.days) == 8
    assert (briefing.today.total, briefing.today.negative) == (7, 6)
    assert (briefing.yesterday.total, briefing.yesterday.negative) == (2, 1)
    assert (briefing.baseline.total, briefing.baseline.negative) == (14, 7)
    assert briefing.today.negative_share == 6 / 7
    assert sum(sum(counts.values()) for counts in briefing.hourly.values()) == 7
    assert briefing.hourly[8]["negative"] == 1


def test_breakdowns_incidents_and_top_complaints(demo_store: SQLiteStore) -> None:
    briefing = build_briefing(demo_store, "蒙牛", DAY)
    assert briefing.severity == {"critical": 6, "none": 1}
    assert briefing.category["safety"] == 6
    assert [incident["incident_id"] for incident in briefing.incidents] == ["inc-1"]
    assert [post.metrics.reposts for post in briefing.top_complaints] == [50, 40, 30, 20, 10, 0]


def test_emerging_terms_are_new_today_not_the_weeks_usual(demo_store: SQLiteStore) -> None:
    terms = {item.term: item for item in build_briefing(demo_store, "蒙牛", DAY).emerging_terms}
    assert "异物" in terms and terms["异物"].today == 6 and terms["异物"].baseline_per_day == 0
    assert "蒙牛" not in terms  # the brand itself is in every post
    # 客服 appeared in the week's leak complaints too, so it grows less than 异物.
    assert terms["客服"].growth < terms["异物"].growth


def test_briefing_day_is_yesterday_in_shanghai() -> None:
    assert briefing_day(datetime(2026, 11, 23, 0, 30, tzinfo=UTC)) == date(2026, 11, 22)  # 08:30 in Shanghai
    assert briefing_day(datetime(2026, 11, 22, 17, 0, tzinfo=UTC)) == date(2026, 11, 22)  # 01:00 on the 23rd


def test_the_day_and_its_hours_are_those_of_the_configured_zone(tmp_path: Path) -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # +05:30: hours that start on the half hour in UTC
    times = ["2026-11-21T23:50:00+05:30", "2026-11-22T00:10:00+05:30", "2026-11-22T23:50:00+05:30"]
    with SQLiteStore(tmp_path / "kolkata.db") as store:
        store.upsert_posts(
            Post.from_dict(make_post(id=f"weibo:{number}", brand="蒙牛", created_at=created_at))
            for number, created_at in enumerate(times)
        )
        briefing = build_briefing(store, "蒙牛", DAY, tz=kolkata)
    assert (briefing.yesterday.total, briefing.today.total) == (1, 2)
    assert sorted(briefing.hourly) == [0, 23]
    assert briefing.tz == kolkata
    assert briefing_day(datetime(2026, 11, 22, 19, 0, tzinfo=UTC), kolkata) == date(2026, 11, 22)  # 00:30 on the 23rd


def test_resolved_incidents_of_other_days_are_left_out() -> None:
    since = datetime(2026, 11, 22, tzinfo=UTC)
    until = datetime(2026, 11, 23, tzinfo=UTC)
    incidents = [
        {"incident_id": "a", "status": "resolved", "opened_at": "2026-11-01T00:00:00+00:00"},
        {
            "incident_id": "b",
            "status": "resolved",
            "opened_at": "2026-11-01T00:00:00+00:00",
            "updated_at": "2026-11-22T05:00:00+00:00",
        },
        {"incident_id": "c", "status": "acknowledged", "priority": "P1"},
        {"incident_id": "d", "status": "open", "priority": "P3"},
    ]
    assert [item["incident_id"] for item in relevant_incidents(incidents, since, until)] == ["d", "c", "b"]
