"""`yuqing demo` leaves what it shows in its store: the incidents it prints are there for `yuqing alerts list` and
the briefing (they used to live in memory only, so both said there were none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main


@pytest.mark.slow
def test_the_demo_incidents_stay_for_alerts_list_and_the_briefing(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    assert main(["demo"]) == 0
    shown = capsys.readouterr().out
    assert "P1" in shown and "新事件" in shown  # the demo prints the opened incident, in Chinese
    database = tmp_path / "data" / "demo" / "demo.db"
    assert f"YUQING_DB_PATH={database} yuqing alerts list" in shown

    env.setenv("YUQING_DB_PATH", str(database))
    assert main(["alerts", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(" P1 " in line and "蒙牛" in line and "已解除" in line for line in listed), listed
    out = tmp_path / "briefing.md"
    assert main(["report", "--brand", "蒙牛", "--date", "2026-11-22", "--format", "md", "--out", str(out)]) == 0
    briefing = out.read_text(encoding="utf-8")
    assert "当天没有新事件" not in briefing and "P1" in briefing


@pytest.mark.slow
def test_the_demo_moved_to_now_pages_the_first_monitor_cycle(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the README's one-machine Airflow section starts with: the inbox gets a crisis under way now, the
    complaint monitor's ingest and one detection cycle page the brand's route."""
    env.chdir(tmp_path)  # the bundled watchlist's file channel writes .yuqing/alerts.jsonl here
    env.setenv("YUQING_DATA_DIR", str(tmp_path / ".yuqing"))
    assert main(["demo", "--inbox"]) == 0
    inbox_file = tmp_path / ".yuqing" / "inbox" / "demo-live.jsonl"
    assert str(inbox_file) in capsys.readouterr().out
    assert main(["ingest", "--in", str(inbox_file)]) == 0
    assert main(["monitor", "--once"]) == 0
    pages = (tmp_path / ".yuqing" / "alerts.jsonl").read_text(encoding="utf-8")
    assert '"event": "opened"' in pages and "蒙牛" in pages and '"priority": "P1"' in pages
