"""A real run of the daily_briefing DAG (dag.test() on SQLite metadata): one briefing per brand that has a
briefing route lands in that route's channel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings

WATCHLIST = """
brands:
  - name: 蒙牛
    briefing_route: pr
  - name: 顺丰
    briefing_route: pr
  - name: 小米
routes:
  default:
    channels: [console]
  pr:
    channels: [briefings]
channels:
  console:
    type: console
  briefings:
    type: file
    path: {path}
"""


@pytest.mark.slow
def test_each_brand_with_a_briefing_route_gets_its_briefing(
    airflow_db: None, dagbag: Any, settings: Settings, env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from airflow.utils.state import DagRunState

    sent = tmp_path / "briefings.jsonl"
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST.format(path=sent), encoding="utf-8")
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    dag = dagbag.dags["daily_briefing"]
    assert dag.test().state == DagRunState.SUCCESS
    subjects = sorted(json.loads(line)["subject"].split()[1] for line in sent.read_text(encoding="utf-8").splitlines())
    assert subjects == ["蒙牛", "顺丰"]
