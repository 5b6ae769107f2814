from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.cli import main
from pipeline.config import BrandConfig, Settings, WeiboSettings
from pipeline.models import SHANGHAI, parse_time
from pipeline.sources.checkpoint import checkpoint_key
from pipeline.sources.collect import collect, collect_for_brand
from pipeline.sources.health import list_health, record_health
from pipeline.sources.weibo_search import WeiboSearchSource
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.sources.helpers import HTML, JSON, fixture_bytes

NOW = datetime(2026, 11, 22, 10, 7, tzinfo=SHANGHAI)


class Site:
    """The local Weibo: search pages by page number, or a block page while `blocked` is set."""

    def __init__(self) -> None:
        self.blocked = False

    def search(self, request: Request) -> Response:
        if self.blocked:
            return Response(fixture_bytes("blocks/visitor_wall.html"), content_type=HTML)
        page = request.args.get("page", "1")
        return Response(fixture_bytes(f"search/page{page}.html"), content_type=HTML)


@pytest.fixture
def site(httpserver: HTTPServer) -> Site:
    site = Site()
    httpserver.expect_request("/weibo").respond_with_handler(site.search)
    httpserver.expect_request("/api/container/getIndex").respond_with_data(
        fixture_bytes("mobile/end.json"), content_type=JSON
    )
    return site


@pytest.fixture
def quiet_settings(settings: Settings) -> Settings:
    weibo = WeiboSettings(delay_s=0, jitter_s=0, max_retries=0, keep_raw=True, backoff_s=60, max_backoff_s=300)
    return settings.model_copy(update={"weibo": weibo})


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    store = SQLiteStore(":memory:")
    yield store
    store.close()


BRAND = BrandConfig(name="XX充电宝", sources=["jsonl", "weibo-search"])


def _run(settings: Settings, store: SQLiteStore, base_url: str, now: datetime, brand: BrandConfig = BRAND):
    with requests.Session() as http:
        return collect_for_brand(
            settings, brand, store, now, http, sleep=lambda _s: None, base_urls={"weibo-search": base_url}
        )


def _scopes(httpserver: HTTPServer) -> list[str]:
    return [request.args["timescope"] for request, _ in httpserver.log if request.path == "/weibo"]


def test_first_cycle_collects_and_advances_the_checkpoint(
    httpserver: HTTPServer, site: Site, base_url: str, quiet_settings: Settings, store: SQLiteStore
) -> None:
    result = _run(quiet_settings, store, base_url, NOW)
    assert len(result.posts) == 9
    assert {post.brand for post in result.posts} == {"XX充电宝"}
    assert result.summary.pages == 3 and result.summary.duplicates == 1 and not result.summary.blocked
    assert _scopes(httpserver)[0] == "custom:2026-11-22-8:2026-11-22-11"  # first cycle: the last two hours
    checkpoint = store.get_record("checkpoint", checkpoint_key("XX充电宝", "weibo-search"))
    assert checkpoint is not None
    assert parse_time(checkpoint["until"]) == NOW
    assert checkpoint["in_progress"] is None
    assert len(store.list_records("raw_page")) == 3


def test_next_cycle_asks_for_the_new_window_plus_the_overlap(
    httpserver: HTTPServer, site: Site, base_url: str, quiet_settings: Settings, store: SQLiteStore
) -> None:
    _run(quiet_settings, store, base_url, NOW)
    httpserver.clear_log()
    _run(quiet_settings, store, base_url, NOW + timedelta(hours=3))
    # until 10:07 minus 30 min overlap = 09:37, widened to the hour
    assert _scopes(httpserver)[0] == "custom:2026-11-22-9:2026-11-22-14"


def test_block_is_reported_backs_off_and_resumes_the_unfinished_window(
    httpserver: HTTPServer, site: Site, base_url: str, quiet_settings: Settings, store: SQLiteStore
) -> None:
    site.blocked = True
    blocked = _run(quiet_settings, store, base_url, NOW)
    assert blocked.summary.blocked == {"visitor_wall": 1}
    assert blocked.posts == []
    assert "visitor_wall" in str(blocked.summary)
    key = checkpoint_key("XX充电宝", "weibo-search")
    checkpoint = store.get_record("checkpoint", key)
    assert checkpoint is not None and checkpoint["backoff_s"] == 60
    assert parse_time(checkpoint["blocked_until"]) == NOW + timedelta(seconds=60)
    assert checkpoint["until"] is None  # not advanced

    httpserver.clear_log()
    waiting = _run(quiet_settings, store, base_url, NOW + timedelta(seconds=30))
    assert httpserver.log == []
    assert waiting.summary.skipped and "visitor_wall" in waiting.summary.skipped[0]

    again = _run(quiet_settings, store, base_url, NOW + timedelta(minutes=2))
    assert again.summary.blocked == {"visitor_wall": 1}
    assert (store.get_record("checkpoint", key) or {})["backoff_s"] == 120  # doubled

    site.blocked = False
    httpserver.clear_log()
    later = NOW + timedelta(hours=1)
    recovered = _run(quiet_settings, store, base_url, later)
    assert len(recovered.posts) == 9 and not recovered.summary.blocked
    # The window that never finished (from 08:07) is asked for again: nothing is lost.
    assert _scopes(httpserver)[0] == "custom:2026-11-22-8:2026-11-22-12"
    checkpoint = store.get_record("checkpoint", key) or {}
    assert parse_time(checkpoint["until"]) == later
    assert checkpoint["backoff_s"] == 0 and checkpoint["in_progress"] is None


def test_interrupted_run_resumes_from_the_window_in_progress(
    httpserver: HTTPServer, site: Site, base_url: str, quiet_settings: Settings, store: SQLiteStore
) -> None:
    store.put_record(
        "checkpoint",
        checkpoint_key("XX充电宝", "weibo-search"),
        {
            "until": "2026-11-22T09:00:00+08:00",
            "in_progress": {"since": "2026-11-22T05:10:00+08:00", "until": "2026-11-22T09:30:00+08:00"},
        },
    )
    _run(quiet_settings, store, base_url, NOW)
    assert _scopes(httpserver)[0] == "custom:2026-11-22-5:2026-11-22-11"


def test_brand_filter_keeps_exact_mentions_and_their_repost_links(
    httpserver: HTTPServer, site: Site, base_url: str, quiet_settings: Settings, store: SQLiteStore
) -> None:
    brand = BrandConfig(name="鼓包", sources=["weibo-search"])
    result = _run(quiet_settings, store, base_url, NOW, brand)
    assert {post.id for post in result.posts} == {
        "weibo:5230000000000001",
        "weibo:5230000000000004",  # its own text says 鼓了, but it reposts a 鼓包 post
        "weibo:5229000000000009",
    }
    assert result.summary.filtered == 6


def test_collect_reports_failures_without_losing_posts(httpserver: HTTPServer, base_url: str) -> None:
    pages = {"1": fixture_bytes("search/page1.html"), "2": b"<html>garbage</html>"}
    httpserver.expect_request("/weibo").respond_with_handler(
        lambda request: Response(pages[request.args.get("page", "1")], content_type=HTML)
    )
    settings = WeiboSettings(delay_s=0, jitter_s=0, max_retries=0)
    source = WeiboSearchSource(requests.Session(), settings, sleep=lambda _s: None, base_url=base_url)
    result = collect(source, ["XX充电宝", "XX"], NOW - timedelta(hours=1), NOW)
    assert len(result.posts) == 5
    assert result.summary.failed == {"unparseable": 1}
    assert not result.summary.blocked
    assert len(httpserver.log) == 2  # the second keyword is not tried after the failure


def test_naive_now_is_taken_as_shanghai_time(
    httpserver: HTTPServer, site: Site, base_url: str, quiet_settings: Settings, store: SQLiteStore
) -> None:
    _run(quiet_settings, store, base_url, NOW.replace(tzinfo=None))
    assert _scopes(httpserver)[0] == "custom:2026-11-22-8:2026-11-22-11"


def test_persistent_server_error_is_a_failure_not_a_block_and_does_not_advance(
    httpserver: HTTPServer, base_url: str, quiet_settings: Settings, store: SQLiteStore
) -> None:
    httpserver.expect_request("/weibo").respond_with_data("upstream down", status=503)
    result = _run(quiet_settings, store, base_url, NOW)
    assert result.summary.failed == {"server_error": 1}
    assert not result.summary.blocked
    checkpoint = store.get_record("checkpoint", checkpoint_key("XX充电宝", "weibo-search")) or {}
    assert checkpoint["until"] is None and checkpoint["in_progress"] is not None


def test_each_run_leaves_its_source_health_and_yuqing_sources_shows_it(
    httpserver: HTTPServer,
    site: Site,
    base_url: str,
    quiet_settings: Settings,
    store: SQLiteStore,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    env: pytest.MonkeyPatch,
) -> None:
    site.blocked = True
    _run(quiet_settings, store, base_url, NOW)
    _run(quiet_settings, store, base_url, NOW + timedelta(seconds=30))  # backing off: not asked
    (health,) = list_health(store)
    assert (health["brand"], health["source"], health["state"]) == ("XX充电宝", "weibo-search", "backing_off")
    assert "visitor_wall" in health["last_error"] and "YUQING_WEIBO_COOKIE" in health["last_error"]
    assert "last_success_at" not in health and health["failures_in_a_row"] == 1
    site.blocked = False
    _run(quiet_settings, store, base_url, NOW + timedelta(hours=1))
    (health,) = list_health(store)
    assert health["state"] == "ok" and health["posts_last_run"] == 9 and health["failures_in_a_row"] == 0
    assert health["last_error_at"] == "2026-11-22T10:07:00+08:00"  # the last error stays on view

    # The command reads the store the settings name, for the watchlist's brands.
    database = tmp_path / "yuqing.db"
    disk = SQLiteStore(database)
    record_health(disk, "XX充电宝", "weibo-search", NOW, "blocked", message="visitor_wall: 访客验证")
    disk.close()
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "brands:\n  - name: XX充电宝\n    sources: [jsonl, weibo-search, mastodon]\n", encoding="utf-8"
    )
    env.setenv("YUQING_DB_PATH", str(database))
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    assert main(["sources"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:3] == ["品牌", "来源", "状态"]
    assert lines[1].split("\t")[:3] == ["XX充电宝", "weibo-search", "被拦截"]
    assert "visitor_wall: 访客验证" in lines[1]
    assert lines[2].split("\t")[:3] == ["XX充电宝", "mastodon", "尚未运行"]
