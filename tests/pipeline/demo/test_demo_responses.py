"""`yuqing demo` plays 蒙牛's answers at its own loopback m.weibo.cn: the crisis post is answered late, one critical
complaint never; an "unanswered" incident opens for each, and the late one resolves when its answer appears."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.demo.posts import CRISIS_ROOT_ID
from pipeline.detect.incidents import MACHINE
from pipeline.store.sqlite import SQLiteStore


@pytest.mark.slow
def test_the_demo_answers_late_and_not_at_all_and_the_incidents_follow(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    assert main(["demo"]) == 0
    shown = capsys.readouterr().out
    block = shown[shown.index("回应：") :].split("\n\n")[0].splitlines()
    assert re.fullmatch(
        r"回应：蒙牛 的官方账号（蒙牛乳业、蒙牛客服）是否回复投诉"
        r"（评论接口由本机回放服务器 http://127\.0\.0\.1:\d+ 模拟）",
        block[0],
    )
    first, *opened = [line.strip() for line in block[1:4]]
    assert re.fullmatch(r"13:00  第1轮核查：(\d+) 条投诉，已回复 (\d+) 条，请求 (\d+) 次", first)
    assert opened[0].startswith(
        f"13:00  P2  新事件  蒙牛  北京宝妈小鹿 发布的危急投诉 {CRISIS_ROOT_ID} 已 178 分钟没有官方回复"
    )
    assert opened[1].startswith("13:00  P2  新事件  蒙牛  ") and "危急投诉" in opened[1]
    second, resolved = [line.strip() for line in block[4:6]]
    assert re.fullmatch(r"14:30  第2轮核查：\d+ 条投诉，已回复 \d+ 条，请求 \d+ 次", second)
    assert resolved.startswith("14:30  P2  已解除  蒙牛  已解除：蒙牛乳业 已于 2026-11-22T14:10:00+08:00 回复")
    assert len(block) == 6

    with SQLiteStore(tmp_path / "data" / "demo" / "demo.db") as store:
        incidents = {doc["root_id"]: doc for doc in store.list_records("incident") if doc["kind"] == "unanswered"}
        records = {doc["post_id"]: doc for doc in store.list_records("response")}
    late = incidents.pop(CRISIS_ROOT_ID)
    assert late["status"] == "resolved" and late["resolved_by"] == MACHINE
    ((never_id, never),) = incidents.items()
    assert never["status"] == "open" and records[never_id]["first_reply_at"] is None
    assert records[CRISIS_ROOT_ID]["replies"][0]["kind"] == "repost"
    answered = [doc for doc in records.values() if doc["first_reply_at"]]
    assert len(answered) == len(records) - 1  # every checked complaint but one got its answer
    assert {reply["account_name"] for doc in answered for reply in doc["replies"]} == {"蒙牛乳业", "蒙牛客服"}
    kinds = {reply["kind"] for doc in answered for reply in doc["replies"]}
    assert kinds == {"comment", "inline_reply", "repost"}


@pytest.mark.slow
def test_the_demo_speaks_english_when_asked(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_LANGUAGE", "en")
    assert main(["demo"]) == 0
    shown = capsys.readouterr().out
    assert "Responses: do 蒙牛's accounts (蒙牛乳业、蒙牛客服) answer complaints?" in shown
    assert "has had no official reply for 178 min" in shown and "Resolved: 蒙牛乳业 replied at" in shown
