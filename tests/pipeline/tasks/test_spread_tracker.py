from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings, Watchlist
from pipeline.detect import incremental
from pipeline.detect.backtest import run_backtest
from pipeline.detect.engine import DetectionConfig, DetectionEngine
from pipeline.exceptions import LoginRequired, SourceError
from pipeline.models import Post
from pipeline.sources.health import list_health
from pipeline.store.records import RecordStore
from pipeline.store.sqlite import SQLiteStore
from pipeline.tasks.spread_tracker import refresh_tracked_cascades, run_cycle
from tests.pipeline.detect.streams import DAY, demo_day, make_post

WATCHLIST = """
brands:
  - name: 蒙牛
    route: oncall
    sources: [weibo-search]
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


def test_refresh_follows_only_weibo_roots_of_brands_that_collect_from_weibo(configured: Settings) -> None:
    """小米 reads only the inbox: its roots are not fetched from m.weibo.cn, nor are posts from other sites."""
    store = SQLiteStore(":memory:")
    store.upsert_posts(
        [
            make_post("weibo:xiaomi", DAY + timedelta(hours=9), brand="小米", negative=True, severity=3),
            make_post("mastodon:1", DAY + timedelta(hours=9), negative=True, severity=3),
            make_post("weibo:mengniu", DAY + timedelta(hours=9), negative=True, severity=3),
        ]
    )
    source = _Source({})
    report = refresh_tracked_cascades(configured, DAY + timedelta(hours=10), store=store, source=source)
    assert source.asked == ["weibo:mengniu"] and report.tracked == 1
    store.close()


class _SlowSource(_Source):
    """Each fetch takes 40 s of a fake clock."""

    def __init__(self) -> None:
        super().__init__({})
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def fetch(self, root_id: str, max_pages: int = 5) -> Iterator[Post]:
        self.now += 40
        yield from super().fetch(root_id, max_pages)


def test_refresh_stops_at_its_time_budget_and_starts_the_next_run_with_the_roots_it_left(
    configured: Settings, env: pytest.MonkeyPatch
) -> None:
    env.setenv("YUQING_WEIBO__REFRESH_BUDGET_S", "100")
    settings = Settings()
    store = SQLiteStore(":memory:")
    roots = [
        make_post(f"weibo:{k}", DAY + timedelta(hours=9), negative=True, severity=3 if k < 2 else 2) for k in range(5)
    ]
    store.upsert_posts(roots)
    source = _SlowSource()
    first = refresh_tracked_cascades(
        settings, DAY + timedelta(hours=10), store=store, source=source, clock=source.clock
    )
    assert (first.refreshed, first.deferred) == (3, 2)  # 0 s, 40 s, 80 s started; at 120 s the budget is spent
    (health,) = list_health(store)
    assert (health["source"], health["state"]) == ("weibo-reposts", "over_budget")
    source.asked.clear()
    refresh_tracked_cascades(
        settings, DAY + timedelta(hours=10, minutes=5), store=store, source=source, clock=source.clock
    )
    assert source.asked[:2] == [root.id for root in roots[3:]]  # the two left over come first
    store.close()


def test_a_blocked_refresh_is_noted_as_source_health(configured: Settings) -> None:
    store = SQLiteStore(":memory:")
    store.upsert_posts([make_post("weibo:a", DAY + timedelta(hours=9), negative=True)])
    source = _Source({}, fail={"weibo:a": LoginRequired("login page")})
    refresh_tracked_cascades(configured, DAY + timedelta(hours=10), store=store, source=source)
    (health,) = list_health(store)
    assert health["state"] == "blocked" and "login page" in health["last_error"] and health["failures_in_a_row"] == 1
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
    env.setenv("YUQING_LANGUAGE", "en")
    seen: list[DetectionConfig | None] = []
    languages: list[str] = []

    class Spy(DetectionEngine):
        def __init__(
            self, records: RecordStore, watchlist: Watchlist | None, config: DetectionConfig | None, **options: Any
        ) -> None:
            seen.append(config)
            languages.append(options["language"])
            super().__init__(records, watchlist, config, **options)

    env.setattr(incremental, "DetectionEngine", Spy)
    run_cycle(Settings(), DAY + timedelta(hours=12))
    assert seen and seen[0] is not None
    assert seen[0].cascade.predicted_threshold == 450
    assert languages == ["en"]


def _notes(path: Path) -> list[tuple[str, str, str | None, str]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return [(line["event"], line["kind"], line["root_id"], line["updated_at"]) for line in lines]


def test_cycles_carry_their_detectors_and_page_as_a_continuous_replay_does(
    configured: Settings, tmp_path: Path
) -> None:
    """Posts arrive in the store as time passes; each cycle (a new process's worth of state: only the store and the
    saved detector state) reads just the posts stored since the last one. The pages are those of a continuous
    replay of the same stream (`run_backtest`, the same engine ticking every 5 minutes)."""
    posts = sorted(demo_day(seed=1), key=lambda post: post.created_at)
    replay = run_backtest(posts, configured.watchlist_config, tick=timedelta(minutes=5))
    expected = [(n["event"], n["kind"], n["root_id"], n["updated_at"]) for n in replay.notifications]
    assert expected and expected[0][0] == "opened"

    store = SQLiteStore(configured.sqlite_path)
    observed = []
    now, index = replay.started_at + timedelta(minutes=5), 0
    while now <= replay.ended_at:
        arrived = [post for post in posts[index:] if post.created_at < now]
        store.upsert_posts(arrived)
        index += len(arrived)
        observed.append(run_cycle(configured, now, store=store).posts)
        now += timedelta(minutes=5)
    store.close()
    assert _notes(tmp_path / "alerts.jsonl") == expected
    assert sum(observed) == len(posts)  # each post read once, by the cycle after it was stored
    assert max(observed) < len(posts) / 10


def test_a_saved_state_is_reused_only_when_it_fits(configured: Settings) -> None:
    store = SQLiteStore(configured.sqlite_path)
    store.upsert_posts(demo_day(seed=1))
    noon = DAY + timedelta(hours=12)
    assert run_cycle(configured, noon, store=store).posts > 300  # a cold start reads the window
    assert run_cycle(configured, noon + timedelta(minutes=5), store=store).posts == 0  # nothing new
    (path,) = (configured.data_dir / "detection").glob("state-*.pickle")
    # Other detection settings: the state is not theirs.
    other = Settings(detection={"predicted_threshold": 400})  # type: ignore[arg-type]
    assert run_cycle(other, noon + timedelta(minutes=10), store=store).posts > 300
    path.write_bytes(b"not a pickle")  # unreadable: a cold start, not a failed cycle
    assert run_cycle(configured, noon + timedelta(minutes=15), store=store).posts > 300
    store.close()
    # The store was reset (fewer posts than when the state was saved): its cursor means nothing any more.
    configured.sqlite_path.unlink()
    fresh = SQLiteStore(configured.sqlite_path)
    fresh.upsert_posts(demo_day(seed=2)[:50])
    assert run_cycle(configured, noon + timedelta(minutes=20), store=fresh).posts == 50
    fresh.close()
