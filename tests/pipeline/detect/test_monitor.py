from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.config import Settings, Watchlist
from pipeline.detect import monitor
from pipeline.detect.engine import DetectionConfig, DetectionEngine
from pipeline.detect.monitor import refresh_tracked_cascades, run_cycle
from pipeline.exceptions import LoginRequired, SourceError
from pipeline.models import Post
from pipeline.store.records import RecordStore
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.detect.streams import DAY, demo_day, make_post

WATCHLIST = """
brands:
  - name: 蒙牛
    route: oncall
  - name: 伊利
  - name: 小米
  - name: 华为
routes:
  default: {channels: [log]}
  oncall: {channels: [log]}
channels:
  log: {type: file, path: %s}
"""


@pytest.fixture
def configured(env: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST % (tmp_path / "alerts.jsonl"), encoding="utf-8")
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    return Settings()


def test_cycles_page_once_across_restarts_and_resolve(configured: Settings, tmp_path: Path) -> None:
    store = SQLiteStore(configured.sqlite_path)
    store.upsert_posts(demo_day(seed=1))
    store.close()
    alerts = tmp_path / "alerts.jsonl"
    moments = [DAY + timedelta(hours=10, minutes=m) for m in range(45, 120, 5)]
    moments += [DAY + timedelta(hours=h) for h in (16, 17, 18)]
    for now in moments:  # every cycle is a fresh process: nothing but the store carries state
        run_cycle(configured, now)
    sent = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines()]
    assert [line["event"] for line in sent] == ["opened", "resolved"]
    store = SQLiteStore(configured.sqlite_path)
    deliveries = store.list_records("delivery")
    store.close()
    assert len(deliveries) == 2 and all(d["sent"] and d["attempts"] == 1 for d in deliveries)


class _Source:
    """A repost-timeline source answering from memory (the real one is tested with the sources)."""

    def __init__(self, reposts: dict[str, list[Post]], fail: dict[str, SourceError] | None = None) -> None:
        self.reposts, self.fail = reposts, fail or {}
        self.asked: list[str] = []

    def fetch(self, root_id: str, max_pages: int = 5) -> Iterator[Post]:
        self.asked.append(root_id)
        if root_id in self.fail:
            raise self.fail[root_id]
        yield from self.reposts.get(root_id, [])


def test_refresh_stores_reposts_of_tracked_roots(configured: Settings) -> None:
    store = SQLiteStore(":memory:")
    root = make_post("weibo:root", DAY + timedelta(hours=10), negative=True, category="safety", severity=3)
    calm = make_post("weibo:calm", DAY + timedelta(hours=10))
    store.upsert_posts([root, calm])
    reposts = [
        make_post(f"weibo:r{k}", DAY + timedelta(hours=10, minutes=k), repost_of=root.id, brand="蒙牛")
        for k in range(1, 4)
    ]
    source = _Source({root.id: reposts})
    report = refresh_tracked_cascades(configured, DAY + timedelta(hours=11), store=store, source=source)
    assert source.asked == ["weibo:root"]  # the neutral post of an ordinary account is not followed
    assert (report.tracked, report.fetched, report.stored) == (1, 3, 3)
    assert [post.id for post in store.reposts_of(root.id)] == ["weibo:r1", "weibo:r2", "weibo:r3"]
    store.close()


def test_refresh_reports_a_block_and_keeps_going_on_other_errors(configured: Settings) -> None:
    store = SQLiteStore(":memory:")
    first = make_post("weibo:a", DAY + timedelta(hours=9), negative=True, category="quality", severity=3)
    second = make_post("weibo:b", DAY + timedelta(hours=9), negative=True, category="quality", severity=2)
    store.upsert_posts([first, second])
    source = _Source({}, fail={"weibo:a": SourceError("HTTP 502"), "weibo:b": LoginRequired("login page")})
    report = refresh_tracked_cascades(configured, DAY + timedelta(hours=10), store=store, source=source)
    assert report.errors == ["weibo:a: HTTP 502"]
    assert report.blocked == "login_required: login page"
    store.close()


def test_refresh_without_a_source_reports_instead_of_failing(configured: Settings) -> None:
    store = SQLiteStore(":memory:")
    store.upsert_posts([make_post("weibo:a", DAY + timedelta(hours=9), negative=True)])

    def missing(_settings, _http):
        raise ImportError("no module named pipeline.sources.weibo_reposts")

    report = refresh_tracked_cascades(configured, DAY + timedelta(hours=10), store=store, source_factory=missing)
    assert report.unavailable is not None and "not installed" in report.unavailable
    store.close()


def test_cycles_use_the_detection_settings(configured: Settings, env: pytest.MonkeyPatch) -> None:
    env.setenv("YUQING_DETECTION__PREDICTED_THRESHOLD", "450")
    seen: list[DetectionConfig | None] = []

    class Spy(DetectionEngine):
        def __init__(self, records: RecordStore, watchlist: Watchlist | None, config: DetectionConfig | None) -> None:
            seen.append(config)
            super().__init__(records, watchlist, config)

    env.setattr(monitor, "DetectionEngine", Spy)
    run_cycle(Settings(), DAY + timedelta(hours=12))
    assert seen and seen[0] is not None
    assert seen[0].cascade.predicted_threshold == 450
