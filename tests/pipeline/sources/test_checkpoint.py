"""The typed checkpoint record: its JSON, the window it resumes and the backoff it keeps."""

from __future__ import annotations

from datetime import datetime, timedelta

from pipeline.models import SHANGHAI
from pipeline.sources.checkpoint import FIRST_WINDOW, Checkpoint, checkpoint_key
from pipeline.store.sqlite import SQLiteStore

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
OVERLAP = timedelta(minutes=10)


def test_a_new_checkpoint_starts_two_hours_back_and_round_trips_its_json() -> None:
    with SQLiteStore(":memory:") as store:
        checkpoint = Checkpoint.load(store, "蒙牛", "weibo-search")
        assert checkpoint.window(NOW, OVERLAP) == (NOW - FIRST_WINDOW, NOW)
        checkpoint.in_progress = (NOW - FIRST_WINDOW, NOW)
        checkpoint.save(store)
        doc = store.get_record("checkpoint", checkpoint_key("蒙牛", "weibo-search"))
        assert doc is not None and doc["in_progress"] == {
            "since": "2026-11-22T08:00:00+08:00",
            "until": "2026-11-22T10:00:00+08:00",
        }
        again = Checkpoint.load(store, "蒙牛", "weibo-search")
        assert again == checkpoint
        # An interrupted run resumes from the start of its window, not from the last end.
        assert again.window(NOW + timedelta(hours=1), OVERLAP) == (NOW - FIRST_WINDOW, NOW + timedelta(hours=1))


def test_blocks_double_the_backoff_up_to_the_cap_and_finishing_resets_it() -> None:
    checkpoint = Checkpoint("蒙牛", "weibo-mobile")
    waits = []
    for _ in range(5):
        checkpoint.blocked("rate_limited", NOW, first_backoff_s=60, max_backoff_s=600)
        waits.append(checkpoint.backoff_s)
    assert waits == [60, 120, 240, 480, 600]
    assert checkpoint.blocked_until == NOW + timedelta(seconds=600) and checkpoint.last_block == "rate_limited"
    checkpoint.finished(NOW)
    assert (checkpoint.backoff_s, checkpoint.blocked_until, checkpoint.last_block) == (0.0, None, None)
    assert checkpoint.window(NOW + timedelta(hours=1), OVERLAP) == (NOW - OVERLAP, NOW + timedelta(hours=1))


def test_an_older_record_with_missing_fields_loads() -> None:
    with SQLiteStore(":memory:") as store:
        store.put_record("checkpoint", checkpoint_key("蒙牛", "mastodon"), {"brand": "蒙牛", "source": "mastodon"})
        checkpoint = Checkpoint.load(store, "蒙牛", "mastodon")
        assert checkpoint == Checkpoint("蒙牛", "mastodon")
