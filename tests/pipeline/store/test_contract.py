"""One contract for every store: the same tests run on SQLite and (opt-in) on Elasticsearch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.exceptions import RecordConflict
from pipeline.models import Complaint, Post, Sentiment
from pipeline.store.base import Store, TrendBucket, UpsertCounts
from pipeline.store.records import NEW, update_record
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post

T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _post(number: int, minutes: int = 0, **overrides: object) -> Post:
    fields: dict[str, object] = {"brand": "蒙牛", **overrides}
    record = make_post(id=f"weibo:{number}", created_at=(T0 + timedelta(minutes=minutes)).isoformat(), **fields)
    return Post.from_dict(record)


def _scored(post: Post, label: str, severity: int = 0, category: str = "none") -> Post:
    return post.with_changes(
        sentiment=Sentiment(label, 0.9 if label == "negative" else 0.1),  # type: ignore[arg-type]
        complaint=Complaint(severity > 0, 0.9 if severity else 0.1, severity, category),
    )


def test_upsert_is_idempotent_and_updates_metrics_in_place(store: Store) -> None:
    post = _post(1)
    assert store.upsert_posts([post]) == UpsertCounts(inserted=1)
    assert store.upsert_posts([post]) == UpsertCounts(unchanged=1)
    grown = post.with_changes(metrics=post.metrics.__class__(reposts=50, comments=3, likes=40))
    assert store.upsert_posts([grown], observed_at=T0 + timedelta(hours=1)) == UpsertCounts(updated=1)
    assert store.count_posts() == 1
    stored = store.get_post("weibo:1")
    assert stored is not None and stored.metrics.reposts == 50
    assert [snapshot.reposts for snapshot in store.snapshots("weibo:1")] == [12, 50]


def test_a_stale_observation_never_lowers_metrics_or_drops_enrichment(store: Store) -> None:
    scored = _scored(_post(1, metrics={"reposts": 80}), "negative", 2, "delivery")
    store.upsert_posts([scored])
    store.upsert_posts([_post(1, metrics={"reposts": 5})])
    stored = store.get_post("weibo:1")
    assert stored is not None
    assert stored.metrics.reposts == 80
    assert stored.complaint is not None and stored.complaint.category == "delivery"


def test_iter_posts_filters_and_orders_by_time(store: Store) -> None:
    store.upsert_posts([_post(3, 30), _post(1, 0), _post(2, 10, repost_of="weibo:1"), _post(4, 90, brand="小米")])
    ids = [post.id for post in store.iter_posts(brand="蒙牛", since=T0, until=T0 + timedelta(hours=1))]
    assert ids == ["weibo:1", "weibo:2", "weibo:3"]
    originals = [post.id for post in store.iter_posts(originals_only=True)]
    assert originals == ["weibo:1", "weibo:3", "weibo:4"]
    assert [post.id for post in store.reposts_of("weibo:1")] == ["weibo:2"]
    assert store.count_posts(brand="小米") == 1


def test_search_finds_segmented_words_with_filters(store: Store) -> None:
    store.upsert_posts(
        [
            _post(1, 0, text="蒙牛纯牛奶喝出异物，孩子拉肚子"),
            _post(2, 5, text="顺丰快递太慢了", brand="顺丰"),
            _post(3, 200, text="又看到蒙牛异物的新闻"),
        ]
    )
    assert {post.id for post in store.search("异物")} == {"weibo:1", "weibo:3"}
    assert [post.id for post in store.search("异物", until=T0 + timedelta(hours=1))] == ["weibo:1"]
    assert [post.id for post in store.search("快递", brand="顺丰")] == ["weibo:2"]
    assert store.search("快递", brand="蒙牛") == []


def test_trends_count_per_bucket_and_dimension(store: Store) -> None:
    store.upsert_posts(
        [
            _scored(_post(1, 0), "negative", 3, "safety"),
            _scored(_post(2, 20), "negative", 2, "safety"),
            _scored(_post(3, 40), "positive"),
            _scored(_post(4, 70), "negative", 1, "service"),
            _scored(_post(5, 75, brand="小米"), "neutral"),
        ]
    )
    window = {"since": T0, "until": T0 + timedelta(hours=2), "interval": timedelta(hours=1)}
    assert store.trends(brand="蒙牛", by="sentiment", **window) == [
        TrendBucket(T0, "蒙牛", "negative", 2),
        TrendBucket(T0, "蒙牛", "positive", 1),
        TrendBucket(T0 + timedelta(hours=1), "蒙牛", "negative", 1),
    ]
    by_severity = store.trends(brand="蒙牛", by="severity", **window)
    assert {(bucket.key, bucket.count) for bucket in by_severity if bucket.start == T0} == {
        ("critical", 1),
        ("major", 1),
        ("none", 1),
    }
    totals = store.trends(brand=None, **window)
    assert [(bucket.start, bucket.brand, bucket.count) for bucket in totals] == [
        (T0, "蒙牛", 3),
        (T0 + timedelta(hours=1), "小米", 1),
        (T0 + timedelta(hours=1), "蒙牛", 1),
    ]
    by_category = store.trends(brand="蒙牛", by="category", **window)
    assert TrendBucket(T0 + timedelta(hours=1), "蒙牛", "service", 1) in by_category


def _at(number: int, created_at: str) -> Post:
    return Post.from_dict(make_post(id=f"weibo:{number}", brand="蒙牛", created_at=created_at))


def _starts(buckets: list[TrendBucket]) -> list[tuple[str, int]]:
    return [(bucket.start.isoformat(), bucket.count) for bucket in buckets]


def test_daily_trends_run_from_midnight_in_shanghai_by_default(store: Store) -> None:
    store.upsert_posts(
        [
            _at(1, "2026-11-21T23:30:00+08:00"),
            _at(2, "2026-11-22T07:30:00+08:00"),  # 21 Nov in UTC, the same Shanghai day as 09:00
            _at(3, "2026-11-22T09:00:00+08:00"),
        ]
    )
    days = store.trends(
        brand="蒙牛", since=T0 - timedelta(days=2), until=T0 + timedelta(days=1), interval=timedelta(days=1)
    )
    assert _starts(days) == [("2026-11-21T00:00:00+08:00", 1), ("2026-11-22T00:00:00+08:00", 2)]


def test_hourly_trends_follow_local_hours_in_a_half_hour_zone(store: Store) -> None:
    store.upsert_posts(
        [
            _at(1, "2026-11-22T10:10:00+05:30"),
            _at(2, "2026-11-22T10:50:00+05:30"),
            _at(3, "2026-11-22T11:05:00+05:30"),
        ]
    )
    hours = store.trends(
        brand="蒙牛", since=T0, until=T0 + timedelta(hours=6), interval=timedelta(hours=1), tz=ZoneInfo("Asia/Kolkata")
    )
    assert _starts(hours) == [("2026-11-22T10:00:00+05:30", 2), ("2026-11-22T11:00:00+05:30", 1)]


def test_trend_buckets_across_daylight_saving_changes_keep_the_local_calendar(store: Store) -> None:
    store.upsert_posts(
        [
            _at(1, "2026-03-08T00:30:00-05:00"),  # New York springs forward at 02:00: a 23-hour day
            _at(2, "2026-03-08T23:30:00-04:00"),
            _at(3, "2026-11-01T01:30:00-04:00"),  # and falls back at 02:00: 01:00-02:00 happens twice
            _at(4, "2026-11-01T01:30:00-05:00"),
            _at(5, "2026-11-01T23:30:00-05:00"),
        ]
    )
    window = {"since": datetime(2026, 3, 1, tzinfo=UTC), "until": datetime(2026, 12, 1, tzinfo=UTC)}
    new_york = ZoneInfo("America/New_York")
    days = store.trends(brand="蒙牛", interval=timedelta(days=1), tz=new_york, **window)
    assert _starts(days) == [("2026-03-08T00:00:00-05:00", 2), ("2026-11-01T00:00:00-04:00", 3)]
    hours = store.trends(brand="蒙牛", interval=timedelta(hours=1), tz=new_york, **window)
    assert _starts(hours) == [
        ("2026-03-08T00:00:00-05:00", 1),
        ("2026-03-08T23:00:00-04:00", 1),
        ("2026-11-01T01:00:00-04:00", 1),
        ("2026-11-01T01:00:00-05:00", 1),
        ("2026-11-01T23:00:00-05:00", 1),
    ]


def test_top_posts_rank_negative_posts_by_spread(store: Store) -> None:
    store.upsert_posts(
        [
            _scored(_post(1, 0, metrics={"reposts": 5}), "negative"),
            _scored(_post(2, 1, metrics={"reposts": 500}), "negative"),
            _scored(_post(3, 2, metrics={"reposts": 9000}), "positive"),
        ]
    )
    assert [post.id for post in store.top_posts(limit=5)] == ["weibo:2", "weibo:1"]
    assert [post.id for post in store.top_posts(sentiment=None, limit=1)] == ["weibo:3"]


def test_records_round_trip_filter_and_delete(store: Store) -> None:
    store.put_record("incident", "inc-2", {"incident_id": "inc-2", "brand": "蒙牛", "status": "open"})
    store.put_record("incident", "inc-1", {"incident_id": "inc-1", "brand": "小米", "status": "open"})
    store.put_record("incident", "inc-1", {"incident_id": "inc-1", "brand": "小米", "status": "resolved"})
    store.put_record("checkpoint", "weibo-search:蒙牛", {"until": "2026-11-22T10:00:00+08:00"})
    assert store.get_record("incident", "inc-1") == {
        "incident_id": "inc-1",
        "brand": "小米",
        "status": "resolved",
    }
    assert [doc["incident_id"] for doc in store.list_records("incident")] == ["inc-1", "inc-2"]
    assert [doc["incident_id"] for doc in store.list_records("incident", {"status": "open"})] == ["inc-2"]
    store.delete_record("incident", "inc-2")
    assert store.get_record("incident", "inc-2") is None
    assert store.get_record("checkpoint", "weibo-search:蒙牛") == {"until": "2026-11-22T10:00:00+08:00"}


def test_two_copies_of_a_post_in_one_batch_keep_the_higher_metrics(store: Store) -> None:
    early = _post(1, fetched_at="2026-11-22T10:05:00+08:00", metrics={"reposts": 500})
    late = _post(1, fetched_at="2026-11-22T10:06:00+08:00", metrics={"reposts": 2}, text="蒙牛 编辑后的文本")
    assert store.upsert_posts([early, late]) == UpsertCounts(inserted=1)
    stored = store.get_post("weibo:1")
    assert stored is not None and stored.metrics.reposts == 500 and stored.text == "蒙牛 编辑后的文本"


def test_conditional_record_writes_detect_a_concurrent_writer(store: Store) -> None:
    first = store.put_record("incident", "inc-1", {"status": "open"}, if_version=NEW)
    with pytest.raises(RecordConflict):
        store.put_record("incident", "inc-1", {"status": "open"}, if_version=NEW)
    found = store.get_versioned("incident", "inc-1")
    assert found is not None and found.version == first and found.doc == {"status": "open"}
    second = store.put_record("incident", "inc-1", {"status": "acknowledged"}, if_version=first)
    assert second != first
    with pytest.raises(RecordConflict):  # written from a stale read: refused, the newer state stays
        store.put_record("incident", "inc-1", {"status": "escalated"}, if_version=first)
    assert store.get_record("incident", "inc-1") == {"status": "acknowledged"}
    assert [(record.key, record.version) for record in store.list_versioned("incident")] == [("inc-1", second)]


def test_update_record_re_applies_a_change_after_a_conflict(store: Store) -> None:
    store.put_record("incident", "inc-1", {"status": "open", "seen": 0})
    stale = store.get_versioned("incident", "inc-1")
    store.put_record("incident", "inc-1", {"status": "acknowledged", "seen": 0})  # lands after the read
    calls: list[str] = []

    def touch(doc: dict[str, object] | None) -> dict[str, object] | None:
        assert doc is not None
        calls.append(str(doc["status"]))
        return {**doc, "seen": 1}

    stored = update_record(store, "incident", "inc-1", touch, current=stale)
    assert calls == ["open", "acknowledged"]
    assert stored is not None and stored.doc == {"status": "acknowledged", "seen": 1}
    assert store.get_record("incident", "inc-1") == {"status": "acknowledged", "seen": 1}


def test_posts_added_since_a_cursor_include_new_posts_not_updates(store: Store) -> None:
    store.upsert_posts([_post(1), _post(2)])
    cursor = store.added_cursor()
    store.upsert_posts([_post(3), _post(1, metrics={"reposts": 99})])  # one new post, one update
    added, after = store.posts_added_since(cursor)
    assert "weibo:3" in {post.id for post in added}
    if isinstance(store, SQLiteStore):  # exact; Elasticsearch reads again a little before the cursor
        assert [post.id for post in added] == ["weibo:3"]
        assert store.posts_added_since(after) == ([], after)


def test_search_finds_any_substring_and_single_characters(store: Store) -> None:
    store.upsert_posts(
        [
            _post(1, 0, text="蒙牛纯牛奶质量问题太多了[怒]"),
            _post(2, 5, text="iPhone 质量不错"),
            _post(3, 10, text="问题不大"),
        ]
    )
    assert [post.id for post in store.search("量问")] == ["weibo:1"]  # no segmenter cuts a word there
    assert [post.id for post in store.search("怒")] == ["weibo:1"]  # a run's last character
    assert {post.id for post in store.search("质")} == {"weibo:1", "weibo:2"}  # the start of a pair
    assert [post.id for post in store.search("iphone 质量")] == ["weibo:2"]  # every run, case folded
    assert store.search("质量问题 iphone") == []
    assert store.search("，。！") == []


def test_trends_follow_labels_that_change_and_windows_off_the_hour(store: Store) -> None:
    store.upsert_posts([_post(1, 10), _post(2, 50), _post(3, 130)])
    store.upsert_posts([_scored(_post(1, 10), "negative", 2, "quality")])  # scored later: moves out of unscored
    window = {"since": T0 + timedelta(minutes=5), "until": T0 + timedelta(minutes=135), "interval": timedelta(hours=1)}
    assert store.trends(brand="蒙牛", by="sentiment", **window) == [
        TrendBucket(T0, "蒙牛", "negative", 1),
        TrendBucket(T0, "蒙牛", "unscored", 1),
        TrendBucket(T0 + timedelta(hours=2), "蒙牛", "unscored", 1),
    ]
    narrower = {**window, "until": T0 + timedelta(minutes=129)}
    assert [bucket.count for bucket in store.trends(brand="蒙牛", **narrower)] == [2]
    assert store.count_posts(brand="蒙牛") == 3
