"""A day's term counts are kept and brought up to date, and always equal counting the day again."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.models import Complaint, Post, Sentiment
from pipeline.report.day_terms import KIND, day_terms
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post

DAY_START = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)  # 22 Nov, midnight in Shanghai
DAY_END = DAY_START + timedelta(days=1)


def _post(number: int, hours: float, text: str, label: str = "negative") -> Post:
    created = DAY_START + timedelta(hours=hours)
    post = Post.from_dict(make_post(id=f"weibo:{number}", brand="蒙牛", text=text, created_at=created.isoformat()))
    return post.with_changes(
        sentiment=Sentiment(label, 0.9 if label == "negative" else 0.1),  # type: ignore[arg-type]
        complaint=Complaint(label == "negative", 0.5, 2 if label == "negative" else 0, "safety"),
    )


def _sentiments(store: SQLiteStore) -> dict[str, int]:
    buckets = store.trends(brand="蒙牛", since=DAY_START, until=DAY_END, interval=timedelta(days=1), by="sentiment")
    return {bucket.key: bucket.count for bucket in buckets}


def _counted_afresh(store: SQLiteStore) -> Counter[str]:
    store.delete_record(KIND, f"蒙牛|{DAY_START.isoformat()}")
    return day_terms(store, "蒙牛", DAY_START, DAY_END, _sentiments(store))


def test_counts_are_kept_topped_up_and_counted_again_when_labels_change(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "posts.db") as store:
        store.upsert_posts([_post(1, 1, "蒙牛牛奶喝出异物"), _post(2, 2, "蒙牛新品很好喝", "positive")])
        first = day_terms(store, "蒙牛", DAY_START, DAY_END, _sentiments(store))
        assert first["异物"] == 1 and "新品" not in first and "蒙牛" not in first
        assert store.get_record(KIND, f"蒙牛|{DAY_START.isoformat()}") is not None

        store.upsert_posts([_post(3, 5, "又是异物，客服不理人")])  # newer than what was counted: topped up
        topped_up = day_terms(store, "蒙牛", DAY_START, DAY_END, _sentiments(store))
        assert topped_up["异物"] == 2 and topped_up["客服"] == 1
        assert topped_up == _counted_afresh(store)

        store.upsert_posts([_post(4, 0.5, "蒙牛客服态度差")])  # late: older than the latest counted
        late = day_terms(store, "蒙牛", DAY_START, DAY_END, _sentiments(store))
        assert late["客服"] == 2
        assert late == _counted_afresh(store)

        store.upsert_posts([_post(1, 1, "蒙牛牛奶喝出异物", "positive")])  # re-scored: no longer negative
        rescored = day_terms(store, "蒙牛", DAY_START, DAY_END, _sentiments(store))
        assert rescored["异物"] == 1
        assert rescored == _counted_afresh(store)
