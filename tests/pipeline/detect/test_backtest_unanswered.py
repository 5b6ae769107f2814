"""The unanswered rule replayed minute by minute from response records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.config import Watchlist
from pipeline.detect.backtest import run_backtest
from pipeline.jsonl import write_posts
from pipeline.models import SHANGHAI, format_time
from tests.pipeline.detect.streams import make_post

POSTED = datetime(2026, 12, 5, 10, 0, 20, tzinfo=SHANGHAI)


def response(post_id: str, severity: int, reply_after: timedelta | None, posted: datetime = POSTED) -> dict[str, Any]:
    reply_at = posted + reply_after if reply_after is not None else None
    return {
        "post_id": post_id,
        "brand": "蒙牛",
        "complaint_at": format_time(posted),
        "severity": severity,
        "category": "quality",
        "checked_at": format_time(posted + timedelta(days=1)),
        "complete": True,
        "comments_read": 3,
        "first_reply_at": format_time(reply_at) if reply_at else None,
        "replies": [
            {
                "account_uid": "1",
                "account_name": "蒙牛客服",
                "kind": "comment",
                "at": format_time(reply_at),
                "text": "您好",
                "url": "",
            }
        ]
        if reply_at
        else [],
    }


def test_an_incident_opens_n_minutes_after_an_unanswered_critical_complaint_and_resolves_at_the_reply(
    watchlist: Watchlist,
) -> None:
    posts = [
        make_post(f"weibo:{name}", POSTED, negative=True, category="quality", severity=severity, author=name)
        for name, severity in (("late", 3), ("never", 3), ("quick", 3), ("minor", 2))
    ]
    responses = [
        response("weibo:late", 3, timedelta(minutes=150)),
        response("weibo:never", 3, None),
        response("weibo:quick", 3, timedelta(minutes=30)),  # answered within the hour: nothing to do
        response("weibo:minor", 2, None),  # not critical
    ]
    result = run_backtest(posts, watchlist, responses=responses)
    events = [(note["event"], note["root_id"], note["updated_at"][11:16]) for note in result.notifications]
    assert events == [
        ("opened", "weibo:late", "11:01"),  # the first minute tick at least 60 min after 10:00:20
        ("opened", "weibo:never", "11:01"),
        ("resolved", "weibo:late", "12:31"),  # the first tick once the 12:30:20 reply exists
    ]
    states = {doc["root_id"]: doc["status"] for doc in result.incidents}
    assert states == {"weibo:late": "resolved", "weibo:never": "open"}
    # The replayed posts give the alert its author and text.
    assert result.notifications[0]["reason"] == "late 发布的危急投诉 weibo:late 已 61 分钟没有官方回复：「牛奶有异味」"


def test_without_response_records_the_rule_has_nothing_to_replay(watchlist: Watchlist) -> None:
    posts = [make_post("weibo:late", POSTED, negative=True, category="quality", severity=3)]
    assert run_backtest(posts, watchlist).notifications == []


def test_response_records_alone_are_replayed(watchlist: Watchlist) -> None:
    result = run_backtest([], watchlist, responses=[response("weibo:late", 3, timedelta(minutes=90))])
    assert [note["event"] for note in result.notifications] == ["opened", "resolved"]


def test_the_backtest_command_replays_response_records_and_skips_a_bad_line(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("brands:\n  - name: 蒙牛\n", encoding="utf-8")
    stream = tmp_path / "stream.jsonl"
    post = make_post("weibo:never", POSTED, negative=True, category="quality", severity=3, author="never")
    write_posts(stream, [post.with_changes(text="蒙牛的奶喝出异物，客服不理人")])
    records = tmp_path / "responses.jsonl"
    records.write_text(json.dumps(response("weibo:never", 3, None)) + "\n[1, 2]\n", encoding="utf-8")
    out = tmp_path / "alerts.jsonl"
    arguments = ["backtest", "--posts", str(stream), "--out", str(out), "--watchlist", str(watchlist)]
    assert main([*arguments, "--responses", str(records)]) == 0
    notes = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(note["kind"], note["event"], note["root_id"]) for note in notes][:1] == [
        ("unanswered", "opened", "weibo:never")
    ]
    assert f"{records}:2: skipped, not a JSON object" in capsys.readouterr().err
    assert main(arguments) == 0  # without the records, nothing to replay for this rule
    assert not any(json.loads(line)["kind"] == "unanswered" for line in out.read_text(encoding="utf-8").splitlines())
