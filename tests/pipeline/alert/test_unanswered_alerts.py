"""Unanswered-complaint incidents go to the brand's service route, and their stranger's words arrive inert."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from pipeline.alert.dispatch import Dispatcher, routes_for
from pipeline.alert.render import render
from pipeline.config import Watchlist
from pipeline.detect.engine import DetectionEngine
from pipeline.models import SHANGHAI, Author, Complaint, Post, format_time
from pipeline.store.sqlite import SQLiteStore

POSTED = datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
HOSTILE_NAME = "<img src=x onerror=alert(1)>**@all**"
HOSTILE_TEXT = "<script>alert('x')</script>[点我](javascript:alert(2)) 快递丢了"


def watchlist(tmp_path: Path, hook_url: str, *, service_route: str | None = "service") -> Watchlist:
    return Watchlist.model_validate(
        {
            "brands": [
                {"name": "顺丰", "route": "pr", "urgent_route": "urgent", "service_route": service_route},
            ],
            "routes": {
                "default": {"channels": ["pr-file"]},
                "pr": {"channels": ["pr-file"]},
                "urgent": {"channels": ["urgent-file"]},
                "service": {"channels": ["service-hook", "service-file"], "escalate_to": "leads"},
                "leads": {"channels": ["leads-file"]},
            },
            "channels": {
                "pr-file": {"type": "file", "path": str(tmp_path / "pr.jsonl")},
                "urgent-file": {"type": "file", "path": str(tmp_path / "urgent.jsonl")},
                "service-file": {"type": "file", "path": str(tmp_path / "service.jsonl")},
                "leads-file": {"type": "file", "path": str(tmp_path / "leads.jsonl")},
                "service-hook": {"type": "webhook", "url": hook_url},
            },
        }
    )


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def unanswered_incident(store: SQLiteStore, watched: Watchlist) -> list[dict[str, Any]]:
    """One critical complaint with a hostile author and text, checked and unanswered for an hour."""
    post = Post(
        id="weibo:5240000000000001",
        text=HOSTILE_TEXT,
        created_at=POSTED,
        source="weibo",
        url="https://weibo.com/4001/QgMA80001",
        author=Author(id="4001", name=HOSTILE_NAME, followers=310),
        brand="顺丰",
        complaint=Complaint(is_complaint=True, probability=0.9, severity=3, category="delivery"),
    )
    store.upsert_posts([post])
    store.put_record(
        "response",
        post.id,
        {"post_id": post.id, "brand": "顺丰", "complaint_at": format_time(POSTED), "severity": 3,
         "category": "delivery", "checked_at": format_time(POSTED + timedelta(minutes=50)), "complete": True,
         "comments_read": 2, "first_reply_at": None, "replies": []},
    )  # fmt: skip
    return DetectionEngine(store, watched, complaint_posts=store.get_posts).run(POSTED + timedelta(minutes=61))


def test_an_unanswered_complaint_pages_the_service_route_only(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/service", method="POST").respond_with_data("ok")
    watched = watchlist(tmp_path, httpserver.url_for("/service"))
    with SQLiteStore(tmp_path / "yuqing.db") as store:
        (note,) = unanswered_incident(store, watched)
        assert note["priority"] == "P2" and routes_for(watched, note) == ["service"]
        report = Dispatcher(watched, store).run(POSTED + timedelta(minutes=61))
    assert report.sent == 2 and report.failed == 0
    (request, _response) = httpserver.log[0]
    hooked = request.get_json()
    assert hooked["kind"] == "unanswered" and hooked["subject"] == "【P2】新事件：顺丰 的投诉待回复（物流配送）"
    assert hooked["urls"] == ["https://weibo.com/4001/QgMA80001"]
    (filed,) = lines(tmp_path / "service.jsonl")
    assert filed["notification_id"] == note["notification_id"]
    assert lines(tmp_path / "pr.jsonl") == [] and lines(tmp_path / "urgent.jsonl") == []


def test_escalation_follows_the_service_route_and_without_one_the_brand_route_is_used(tmp_path: Path) -> None:
    watched = watchlist(tmp_path, "http://127.0.0.1:9/service")
    note = {"brand": "顺丰", "kind": "unanswered", "priority": "P2", "event": "escalated"}
    assert routes_for(watched, note) == ["service", "leads"]
    plain = watchlist(tmp_path, "http://127.0.0.1:9/service", service_route=None)
    assert routes_for(plain, {**note, "event": "opened"}) == ["pr"]  # the brand's route, not its urgent route
    assert routes_for(plain, {**note, "kind": "cascade", "event": "opened"}) == ["pr", "urgent"]


def test_the_complaints_author_and_text_are_inert_in_every_channel(tmp_path: Path) -> None:
    watched = watchlist(tmp_path, "http://127.0.0.1:9/service")
    with SQLiteStore(tmp_path / "yuqing.db") as store:
        (note,) = unanswered_incident(store, watched)
    message = render(note)
    assert "<script>" not in message.html and "<img" not in message.html
    assert "&lt;script&gt;" in message.html
    assert "](javascript:" not in message.markdown and "**@all**" not in message.markdown
    assert "<img" not in (message.slack or "")
    assert "已 61 分钟没有官方回复" in message.text
    english = render(note, language="en")
    assert "has had no official reply for 61 min" in english.text and "awaiting a reply" in english.subject
