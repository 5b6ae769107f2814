from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.demo.posts import generate_demo_posts
from pipeline.detect.backtest import run_backtest
from pipeline.jsonl import write_posts
from pipeline.models import SHANGHAI, parse_time
from tests.helpers import make_post as make_record
from tests.helpers import write_jsonl
from tests.pipeline.detect.streams import DAY, demo_day, make_post, make_watchlist

BIG_V_AT = DAY + timedelta(hours=10, minutes=40)


def test_scripted_crisis_opens_within_half_an_hour_and_resolves_the_same_day() -> None:
    result = run_backtest(demo_day(seed=1), make_watchlist())
    events = [(n["event"], n["kind"], n["root_id"]) for n in result.notifications]
    assert events[0] == ("opened", "cascade", "weibo:root")
    assert events[-1] == ("resolved", "cascade", "weibo:root")
    assert {n["incident_id"] for n in result.notifications} == {result.notifications[0]["incident_id"]}
    opened = parse_time(result.notifications[0]["opened_at"])
    resolved = parse_time(result.notifications[-1]["updated_at"])
    assert BIG_V_AT <= opened <= BIG_V_AT + timedelta(minutes=30)
    assert resolved.date() == DAY.date() and resolved > DAY + timedelta(hours=13)
    first = result.notifications[0]
    assert first["priority"] == "P1" and "大V" in first["reason"]
    assert "weibo:root" in first["posts"] and any(url.startswith("https://") for url in first["urls"])
    assert [doc["status"] for doc in result.incidents] == ["resolved"]


def test_the_language_changes_the_words_only() -> None:
    """Chinese by default; in English the same notifications at the same moments, with the same reason data."""
    chinese = run_backtest(demo_day(seed=1), make_watchlist()).notifications
    english = run_backtest(demo_day(seed=1), make_watchlist(), language="en").notifications
    assert chinese[0]["reason"].startswith("普通用户 发布的负面微博 weibo:root 在 41 分钟内被转发 15 次")
    assert english[0]["reason"].startswith("Negative post weibo:root by 普通用户 has 15 reposts 41 min after")
    assert chinese[-1]["reason"].startswith("已解除：转发已连续 120 分钟处于正常水平")
    assert [{**note, "reason": ""} for note in chinese] == [{**note, "reason": ""} for note in english]


def test_a_quiet_day_raises_nothing() -> None:
    assert run_backtest(demo_day(seed=2, crisis=False), make_watchlist()).notifications == []


def test_backtest_cli_writes_the_alerts_it_would_send(tmp_path: Path, env) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("brands:\n  - name: 蒙牛\n  - name: 伊利\n  - name: 小米\n  - name: 华为\n", encoding="utf-8")
    stream = tmp_path / "stream.jsonl"
    write_posts(stream, demo_day(seed=3))
    with stream.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")  # reported and skipped, the rest still replays
    out = tmp_path / "alerts.jsonl"
    code = main(["backtest", "--posts", str(stream), "--out", str(out), "--watchlist", str(watchlist), "--tick", "2m"])
    assert code == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["event"] for line in lines] == ["opened", "resolved"]
    for line in lines:
        for field in (
            "incident_id",
            "kind",
            "brand",
            "root_id",
            "opened_at",
            "updated_at",
            "status",
            "priority",
            "reason",
            "evidence",
            "predicted_reposts",
            "posts",
        ):
            assert field in line
    assert parse_time(lines[0]["opened_at"]).date() == DAY.date()  # simulated, not wall-clock, time


def test_backtest_cli_uses_the_detection_settings(tmp_path: Path, env) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    for name in ("PREDICTED_THRESHOLD", "BIG_ACCOUNT_PREDICTED_THRESHOLD", "VELOCITY_THRESHOLD"):
        env.setenv(f"YUQING_DETECTION__{name}", "1000000000")
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("brands:\n  - name: 蒙牛\n  - name: 伊利\n  - name: 小米\n  - name: 华为\n", encoding="utf-8")
    stream = tmp_path / "stream.jsonl"
    write_posts(stream, demo_day(seed=3))
    out = tmp_path / "alerts.jsonl"
    code = main(["backtest", "--posts", str(stream), "--out", str(out), "--watchlist", str(watchlist), "--tick", "2m"])
    assert code == 0
    assert out.read_text(encoding="utf-8") == ""  # the same stream pages with the shipped thresholds (above)


def test_quiet_years_between_posts_are_skipped_not_ticked_through() -> None:
    watchlist = make_watchlist()
    posts = [
        make_post("weibo:a", datetime(2000, 1, 1, 10, tzinfo=SHANGHAI), negative=True, category="quality", severity=2),
        make_post(
            "weibo:b", datetime(2099, 12, 30, 10, tzinfo=SHANGHAI), negative=True, category="quality", severity=2
        ),
    ]
    result = run_backtest(posts, watchlist)
    assert result.posts == 2
    assert result.ticks < 10_000  # a minute tick through 100 years would be 52 million cycles
    assert result.ended_at is not None and result.ended_at.year == 2099


def test_backtest_finds_the_brands_of_posts_that_name_none_as_ingest_does(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    stream = write_jsonl(tmp_path / "demo_posts.jsonl", generate_demo_posts())  # the demo's file: no `brand`
    out = tmp_path / "alerts.jsonl"
    assert main(["backtest", "--posts", str(stream), "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(line["event"], line["brand"]) for line in lines] == [
        ("opened", "蒙牛"),
        ("escalated", "蒙牛"),
        ("resolved", "蒙牛"),
    ]
    assert "left out 13 posts that ingest would drop (13 no watched brand)" in capsys.readouterr().err


def test_backtest_warns_when_no_post_is_about_a_watched_brand(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    records = [make_record(id=f"weibo:{number}", text="伊利新品不错", brand="伊利") for number in range(3)]
    stream = write_jsonl(tmp_path / "posts.jsonl", records)
    out = tmp_path / "alerts.jsonl"
    assert main(["backtest", "--posts", str(stream), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"warning: no post in {stream} is about a watched brand (蒙牛, 小米, 顺丰, 瑞幸)" in err
    assert out.read_text(encoding="utf-8") == ""


def test_backtest_help_cites_the_data_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["backtest", "--help"])
    out = capsys.readouterr().out
    assert "docs/data-contracts.md" in out and "DESIGN" not in out
