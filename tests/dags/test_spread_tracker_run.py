"""A real run of the spread_tracker DAG (dag.test() on SQLite metadata): a cascade that a big account has
joined in the last hour becomes an incident, and its page lands in the brand's channel. The repost-timeline
refresh talks to a local server, never to Weibo."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from pipeline.config import Settings
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.detect.streams import make_post

WATCHLIST = """
brands:
  - name: 蒙牛
    sources: [weibo-search]
routes:
  default:
    channels: [pages]
channels:
  pages:
    type: file
    path: {path}
"""


def _spreading_cascade(now: datetime) -> list[Any]:
    rng = random.Random(5)
    root_at = now - timedelta(minutes=50)
    root = make_post("weibo:5238000000900001", root_at, negative=True, followers=800, category="safety", severity=3)
    big = make_post(
        "weibo:5238000000900002",
        root_at + timedelta(minutes=5),
        negative=True,
        repost_of=root.id,
        followers=2_000_000,
        verified=True,
        author="大V",
    )
    reposts = [
        make_post(
            f"weibo:52380000009{index:05d}",
            root_at + timedelta(minutes=6 + rng.uniform(0, 43)),
            negative=True,
            repost_of=root.id,
            followers=int(rng.lognormvariate(5.3, 2)),
        )
        for index in range(10, 160)
    ]
    return [root, big, *reposts]


@pytest.mark.slow
def test_a_spreading_cascade_pages_the_brand_route(
    airflow_db: None,
    dagbag: Any,
    settings: Settings,
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    httpserver: HTTPServer,
) -> None:
    from airflow.utils.state import DagRunState

    pages = tmp_path / "pages.jsonl"
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST.format(path=pages), encoding="utf-8")
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    env.setenv("YUQING_WEIBO__MOBILE_BASE_URL", httpserver.url_for("/").rstrip("/"))
    env.setenv("YUQING_WEIBO__DELAY_S", "0")
    env.setenv("YUQING_WEIBO__JITTER_S", "0")
    httpserver.expect_request("/api/statuses/repostTimeline").respond_with_json(
        {"ok": 0, "msg": "这里还没有内容", "data": {"data": []}}
    )
    store = SQLiteStore(Settings().sqlite_path)
    store.upsert_posts(_spreading_cascade(datetime.now(UTC)))
    store.close()

    dag = dagbag.dags["spread_tracker"]
    assert dag.test().state == DagRunState.SUCCESS

    notes = [json.loads(line) for line in pages.read_text(encoding="utf-8").splitlines()]
    opened = [note for note in notes if note.get("event") == "opened"]
    assert len(opened) == 1
    assert opened[0]["root_id"] == "weibo:5238000000900001"
    assert opened[0]["brand"] == "蒙牛"
    assert httpserver.log, "the refresh step asked the local repost-timeline server"

    # A second run finds the incident open and already paged: no duplicate page.
    assert dag.test().state == DagRunState.SUCCESS
    again = [json.loads(line) for line in pages.read_text(encoding="utf-8").splitlines()]
    assert [note for note in again if note.get("event") == "opened"] == opened
