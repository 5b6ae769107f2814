"""A real DAG run (dag.test() on SQLite metadata): posts dropped in the inbox end up in the store."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post, write_jsonl


@pytest.mark.slow
def test_one_cycle_collects_enriches_and_stores(
    airflow_db: None, dagbag: Any, settings: Settings, env: pytest.MonkeyPatch
) -> None:
    from airflow.utils.state import DagRunState

    inbox = settings.inbox_path
    inbox.mkdir(parents=True)
    write_jsonl(
        inbox / "batch.jsonl",
        [
            make_post(id="weibo:11", text="蒙牛牛奶喝出异物"),
            make_post(id="weibo:12", text="顺丰快递又丢件了，客服推来推去"),
            "{broken line",
            make_post(id="weibo:13", text="今天天气不错"),
        ],
    )
    dag = dagbag.dags["complaint_monitor"]
    run = dag.test()
    assert run.state == DagRunState.SUCCESS

    store = SQLiteStore(settings.sqlite_path)
    stored = {post.id: post for post in store.iter_posts()}
    store.close()
    assert sorted(stored) == ["weibo:11", "weibo:12"]
    assert stored["weibo:11"].brand == "蒙牛" and stored["weibo:12"].brand == "顺丰"
    assert all(post.sentiment is not None and post.complaint is not None for post in stored.values())

    # A second cycle over the same inbox changes nothing (idempotent upserts).
    assert dag.test().state == DagRunState.SUCCESS
    store = SQLiteStore(settings.sqlite_path)
    assert {post.id: post for post in store.iter_posts()} == stored
    store.close()
