"""The monitoring cycle asks whether the brand answered, at a real loopback m.weibo.cn; the detection cycle turns
an unanswered critical complaint into an incident for the service team and resolves it when the reply comes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.config import Settings
from pipeline.jsonl import write_posts
from pipeline.models import SHANGHAI, Author, Complaint, Post
from pipeline.sources.health import list_health
from pipeline.store.sqlite import SQLiteStore
from pipeline.tasks.complaint_monitor import answers_for_brand, store_batch
from pipeline.tasks.spread_tracker import run_cycle

POSTED = datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
MID_A, MID_B, MID_REPOST = "5240000000000001", "5240000000000002", "5240000000000003"
WATCHLIST = """
brands:
  - name: 顺丰
    sources: [weibo-search]
    route: pr
    service_route: service
    official_accounts:
      - {uid: "1400000001", name: 顺丰速运}
      - {uid: "1400000002", name: 顺丰客服, role: service}
  - name: 伊利
    sources: [jsonl]
    route: pr
    official_accounts: [{uid: "1500000001", name: 伊利}]
routes:
  pr: {channels: [pr-file]}
  service: {channels: [service-file]}
channels:
  pr-file: {type: file, path: %(pr)s}
  service-file: {type: file, path: %(service)s}
"""


class Weibo:
    """The comment and repost APIs; `replies[mid]` are the official comments visible now, `status` forces one."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.replies: dict[str, list[dict[str, Any]]] = {}
        self.status: int | None = None
        self.server = httpserver
        httpserver.expect_request("/comments/hotflow").respond_with_handler(self._hotflow)
        httpserver.expect_request("/api/statuses/repostTimeline").respond_with_handler(self._reposts)

    def _hotflow(self, request: Request) -> Response:
        if self.status is not None:
            return Response("", status=self.status)
        mid = request.args["id"]
        comments = [comment(f"{mid}1", 5001, "同问，快递也不动", minute=5), *self.replies.get(mid, [])]
        body = {"ok": 1, "data": {"data": comments, "total_number": len(comments), "max_id": 0, "max_id_type": 0}}
        return Response(json.dumps(body), content_type="application/json; charset=utf-8")

    def _reposts(self, request: Request) -> Response:
        return Response(json.dumps({"ok": 0, "msg": "还没有人转发过"}), content_type="application/json")

    def asked(self) -> list[tuple[str, str]]:
        return [(request.path, request.args["id"]) for request, _response in self.server.log]


def comment(comment_id: str, uid: int, text: str, minute: int) -> dict[str, Any]:
    return {
        "id": comment_id,
        "created_at": f"{POSTED + timedelta(minutes=minute):%a %b %d %H:%M:%S} +0800 2026",
        "text": text,
        "user": {"id": uid, "screen_name": f"用户{uid}", "followers_count": 10},
        "comments": False,
    }


def post(mid: str, *, severity: int = 3, complaint: bool = True, repost_of: str | None = None) -> Post:
    return Post(
        id=f"weibo:{mid}",
        text="顺丰快递三天没动，客服电话打不通",
        created_at=POSTED,
        source="weibo",
        url=f"https://weibo.com/4001/{mid}",
        author=Author(id="4001", name="投诉的小王", followers=310),
        brand="顺丰",
        repost_of=repost_of,
        complaint=Complaint(is_complaint=complaint, probability=0.9, severity=severity, category="delivery"),
    )


@pytest.fixture
def weibo(httpserver: HTTPServer) -> Weibo:
    return Weibo(httpserver)


@pytest.fixture
def configured(env: pytest.MonkeyPatch, tmp_path: Path, httpserver: HTTPServer) -> Settings:
    watchlist = tmp_path / "watchlist.yaml"
    paths = {"pr": tmp_path / "pr.jsonl", "service": tmp_path / "service.jsonl"}
    watchlist.write_text(WATCHLIST % paths, encoding="utf-8")
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    env.setenv("YUQING_WEIBO__MOBILE_BASE_URL", httpserver.url_for("").rstrip("/"))
    env.setenv("YUQING_WEIBO__DELAY_S", "0")
    env.setenv("YUQING_WEIBO__JITTER_S", "0")
    env.setenv("YUQING_WEIBO__MAX_RETRIES", "0")
    return Settings()


def batch(settings: Settings, brand: str, posts: list[Post]) -> str:
    path = settings.data_dir / "batches" / "run" / f"{brand}.enriched.jsonl"
    write_posts(path, posts)
    return str(path)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def stored_and_answered(settings: Settings, brand: str, posts: list[Post], now: datetime) -> dict[str, Any]:
    """The store step, then the answers step, as the DAG runs them."""
    counts: dict[str, Any] = store_batch(settings, batch(settings, brand, posts))
    return {**counts, "responses": answers_for_brand(settings, brand, now)}


def test_the_answers_step_collects_the_answers_to_the_brands_complaints(configured: Settings, weibo: Weibo) -> None:
    weibo.replies[MID_A] = [comment("9001", 1400000002, "您好，请私信运单号", minute=40)]
    posts = [
        post(MID_A),
        post(MID_B),
        post("5240000000000009", complaint=False),
        post(MID_REPOST, repost_of=f"weibo:{MID_A}"),
    ]
    counts = stored_and_answered(configured, "顺丰", posts, POSTED + timedelta(hours=1))
    assert counts["inserted"] == 4
    assert counts["responses"] == {"checked": 2, "answered": 1, "partial": 0, "left": 0, "blocked": None}
    # Originals that are complaints only; comments and reposts of each, through one fetcher.
    assert weibo.asked() == [
        ("/comments/hotflow", MID_A), ("/api/statuses/repostTimeline", MID_A),
        ("/comments/hotflow", MID_B), ("/api/statuses/repostTimeline", MID_B),
    ]  # fmt: skip
    with SQLiteStore(configured.sqlite_path) as store:
        records = {doc["post_id"]: doc for doc in store.list_records("response")}
        health = {(row["brand"], row["source"]): row["state"] for row in list_health(store)}
    assert records[f"weibo:{MID_A}"]["first_reply_at"] == "2026-12-05T10:40:00+08:00"
    assert records[f"weibo:{MID_B}"]["first_reply_at"] is None
    assert health[("顺丰", "weibo-comments")] == "ok"


def test_comments_and_reposts_share_one_request_cap(
    configured: Settings, weibo: Weibo, env: pytest.MonkeyPatch
) -> None:
    env.setenv("YUQING_WEIBO__MAX_REQUESTS_PER_RUN", "3")
    counts = stored_and_answered(Settings(), "顺丰", [post(MID_A), post(MID_B)], POSTED + timedelta(hours=1))
    # Two sources with a cap each would have made four requests; one shared fetcher stops at the third.
    assert len(weibo.asked()) == 3
    assert counts["responses"]["blocked"] and counts["responses"]["partial"] == 1


def test_a_block_stops_the_response_collection_not_the_cycle(configured: Settings, weibo: Weibo) -> None:
    weibo.status = 418
    counts = stored_and_answered(configured, "顺丰", [post(MID_A), post(MID_B)], POSTED + timedelta(hours=1))
    assert counts["inserted"] == 2  # the posts are stored whatever the comment API says
    assert counts["responses"]["checked"] == 0 and counts["responses"]["left"] == 1
    assert counts["responses"]["blocked"].startswith("rate_limited: ")
    assert len(weibo.asked()) == 1  # nothing else was asked after the block
    with SQLiteStore(configured.sqlite_path) as store:
        (row,) = [row for row in list_health(store) if row["source"] == "weibo-comments"]
    assert row["state"] == "blocked"


def test_brands_without_accounts_or_weibo_are_not_asked(configured: Settings, weibo: Weibo) -> None:
    counts = stored_and_answered(configured, "伊利", [post(MID_A).with_changes(brand="伊利")], POSTED)
    assert counts["responses"] == {"skipped": "no official accounts or no Weibo source"} and weibo.asked() == []


def test_an_unanswered_complaint_opens_for_the_service_team_and_resolves_with_the_reply(
    configured: Settings, weibo: Weibo, tmp_path: Path
) -> None:
    stored_and_answered(configured, "顺丰", [post(MID_A)], POSTED + timedelta(minutes=30))
    run_cycle(configured, POSTED + timedelta(minutes=61))
    (opened,) = lines(tmp_path / "service.jsonl")
    assert (opened["event"], opened["kind"], opened["priority"]) == ("opened", "unanswered", "P2")
    assert "投诉的小王 发布的危急投诉" in opened["text"]

    weibo.replies[MID_A] = [comment("9001", 1400000001, "您好，已私信", minute=75)]
    answers_for_brand(configured, "顺丰", POSTED + timedelta(minutes=80))
    run_cycle(configured, POSTED + timedelta(minutes=81))
    events = [line["event"] for line in lines(tmp_path / "service.jsonl")]
    assert events == ["opened", "resolved"]
    assert lines(tmp_path / "pr.jsonl") == []
