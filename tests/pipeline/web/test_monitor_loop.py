"""`yuqing serve` monitors as the DAGs do: its loop runs the same task bodies, and a crisis in the inbox is paged."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.demo.live import write_live_inbox
from pipeline.web.monitor import MonitorLoop, interval_s


def test_intervals_follow_every_n_minutes_schedules() -> None:
    assert interval_s("*/3 * * * *", 5) == 180
    assert interval_s("* * * * *", 5) == 60
    assert interval_s("30 8 * * *", 5) == 300  # not an interval: the default


def test_the_loop_collects_detects_and_pages_a_crisis_from_the_inbox(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.chdir(tmp_path)  # the bundled watchlist's file channel writes .yuqing/alerts.jsonl here
    env.setenv("YUQING_DATA_DIR", str(tmp_path / ".yuqing"))
    settings = Settings()
    write_live_inbox(settings.inbox_path, datetime.now(UTC))
    loop = MonitorLoop(settings)
    alerts = tmp_path / ".yuqing" / "alerts.jsonl"
    loop.start()
    try:
        deadline = time.monotonic() + 90
        while not alerts.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        loop.stop()
    pages = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines()]
    assert [(page["event"], page["brand"], page["priority"]) for page in pages] == [("opened", "蒙牛", "P1")]
    assert pages[0]["subject"].startswith("【P1】新事件")
