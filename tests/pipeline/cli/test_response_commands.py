"""`yuqing responses`: the measures table per day, category or severity, and the per-complaint CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.store.sqlite import SQLiteStore

WINDOW = ["--since", "2026-11-21T00:00:00+08:00", "--until", "2026-11-23T00:00:00+08:00"]


def response(number: int, complaint_at: str, first_reply_at: str | None, **fields: Any) -> dict[str, Any]:
    replies = [] if first_reply_at is None else [{"account_name": "蒙牛客服", "at": first_reply_at, "kind": "comment"}]
    return {
        "post_id": f"weibo:{number}",
        "brand": "蒙牛",
        "complaint_at": complaint_at,
        "severity": 3,
        "category": "safety",
        "checked_at": "2026-11-22T23:00:00+08:00",
        "complete": True,
        "first_reply_at": first_reply_at,
        "replies": replies,
        **fields,
    }


@pytest.fixture
def answered(settings: Settings, env: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """蒙牛 with an official account; four checked complaints over two days, one unanswered."""
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "brands:\n"
        "  - name: 蒙牛\n"
        "    official_accounts: [{uid: '1000', name: 蒙牛客服, role: service}]\n"
        "  - name: 顺丰\n",
        encoding="utf-8",
    )
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    with SQLiteStore(settings.sqlite_path) as store:
        for record in (
            response(1, "2026-11-21T10:00:00+08:00", "2026-11-21T10:20:00+08:00"),  # 20 min
            response(2, "2026-11-22T09:00:00+08:00", "2026-11-22T08:59:40+08:00", category="quality"),  # 0
            response(3, "2026-11-22T10:00:00+08:00", "2026-11-22T14:00:00+08:00"),  # 4 h
            response(4, "2026-11-22T11:00:00+08:00", None, severity=2, category="=1+1"),
            response(5, "2026-11-20T11:00:00+08:00", None),  # before the window
        ):
            store.put_record("response", record["post_id"], record)
    return Settings()


def test_the_table_per_day_ends_with_the_total(answered: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["responses", "--brand", "蒙牛", *WINDOW]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        *("日期", "已核查投诉", "已回复", "回复率", "首次回复用时（中位数）", "首次回复用时（90分位）"),
        *("1", "小时内回复", "24", "小时内回复", "回复后转发放缓"),
    ]
    assert lines[2].split() == ["2026-11-21", "1", "1", "100%", "20", "分钟", "20", "分钟", "100%", "100%", "–"]
    # 22nd: delays 0 and 4 h, one unanswered: median 2 h, p90 the 2nd of 2.
    assert lines[3].split() == ["2026-11-22", "3", "2", "67%", "2.0", "小时", "4.0", "小时", "33%", "67%", "–"]
    # All: 0, 20 min, 4 h: median 20 min.
    assert lines[4].split() == ["合计", "4", "3", "75%", "20", "分钟", "4.0", "小时", "50%", "75%", "–"]


def test_by_severity_in_english_with_the_csv(
    answered: Settings, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_LANGUAGE", "en")
    out = tmp_path / "out" / "responses.csv"
    assert main(["responses", "--brand", "蒙牛", *WINDOW, "--by", "severity", "--csv", str(out)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("severity  complaints checked  answered  reply rate")
    assert [line.split()[0] for line in lines[2:]] == ["critical", "major", "all"]
    assert "wrote" in captured.err and "(4 complaints)" in captured.err
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "post_id" and [row[0] for row in rows[1:]] == ["weibo:1", "weibo:2", "weibo:3", "weibo:4"]
    assert rows[2][5:8] == ["yes", "2026-11-22 08:59", "0.0"]
    assert rows[4][4] == "'=1+1"  # a category that would run as a formula is disarmed


def test_a_brand_without_accounts_or_outside_the_watchlist(
    answered: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["responses", "--brand", "顺丰", *WINDOW]) == 0
    captured = capsys.readouterr()
    assert "未配置官方账号" in captured.err
    assert captured.out.splitlines()[-1].split() == ["合计", "0", "0", "–", "–", "–", "–", "–", "–"]
    assert main(["responses", "--brand", "伊利"]) == 2
    assert "伊利" in capsys.readouterr().err


def test_the_report_shows_the_response_section(answered: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--brand", "蒙牛", "--date", "2026-11-22", "--format", "md"]) == 0
    section = capsys.readouterr().out.split("## 回应")[1]
    assert "| 已核查投诉 | 3 |" in section and "| 回复率 | 67% |" in section
    # The critical complaint of the 20th still waits; its post is not stored, so it is named, not linked.
    assert "| weibo:5 | 危急 | 安全问题 |  | 2026-11-20 11:00 | 2026-11-22 23:00 |" in section
    assert main(["report", "--brand", "顺丰", "--date", "2026-11-22", "--format", "md"]) == 0
    assert "## 回应" not in capsys.readouterr().out
