from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from pipeline.alert.console import ConsoleAlerter
from pipeline.alert.dispatch import ChannelPool, Dispatcher, DispatchReport, routes_for, send_message
from pipeline.config import ChannelConfig, Watchlist
from pipeline.exceptions import ConfigError
from pipeline.models import SHANGHAI, format_time, parse_time
from pipeline.store.memory import InMemoryRecords
from tests.pipeline.alert.helpers import NOTIFICATION

NOW = parse_time(NOTIFICATION["opened_at"])


def _watchlist(hook_url: str, log: Path) -> Watchlist:
    return Watchlist.model_validate(
        {
            "brands": [{"name": "蒙牛", "route": "team", "urgent_route": "oncall"}, {"name": "小米"}],
            "routes": {
                "default": {"channels": ["log"]},
                "team": {"channels": ["log"]},
                "oncall": {"channels": ["hook", "log"], "escalate_to": "managers", "escalate_after_minutes": 20},
                "managers": {"channels": ["managers-hook"]},
            },
            "channels": {
                "log": {"type": "file", "path": str(log)},
                "hook": {"type": "webhook", "url": hook_url},
                "managers-hook": {"type": "webhook", "url": hook_url.replace("/hook", "/managers")},
            },
        }
    )


def _dispatch(dispatcher: Dispatcher, notifications: list[dict[str, Any]], now: datetime) -> DispatchReport:
    """Queue and deliver, as a cycle does for the notifications it finds in incident outboxes."""
    queued = dispatcher.enqueue(notifications, now)
    delivered = dispatcher.deliver_pending(now)
    delivered.queued, delivered.silenced = queued.queued, queued.silenced
    return delivered


def _lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_routing_by_brand_priority_and_escalation(tmp_path: Path) -> None:
    watchlist = _watchlist("http://127.0.0.1:9/hook", tmp_path / "log.jsonl")
    assert routes_for(watchlist, NOTIFICATION) == ["team", "oncall"]
    assert routes_for(watchlist, {**NOTIFICATION, "priority": "P3"}) == ["team"]
    assert routes_for(watchlist, {**NOTIFICATION, "event": "escalated"}) == ["team", "oncall", "managers"]
    assert routes_for(watchlist, {**NOTIFICATION, "brand": "小米"}) == ["default"]
    assert routes_for(watchlist, {**NOTIFICATION, "brand": "unknown"}) == ["default"]


def test_failing_channel_does_not_stop_the_others_and_is_retried(httpserver: HTTPServer, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    httpserver.expect_ordered_request("/hook").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_json({"ok": True})
    records = InMemoryRecords()
    dispatcher = Dispatcher(_watchlist(httpserver.url_for("/hook"), log), records, backoff=timedelta(minutes=2))

    report = _dispatch(dispatcher, [NOTIFICATION], NOW)
    assert (report.queued, report.sent, report.failed) == (2, 1, 1)
    assert [line["incident_id"] for line in _lines(log)] == [NOTIFICATION["incident_id"]]
    failed = records.get_record("delivery", f"{NOTIFICATION['notification_id']}>hook")
    assert failed is not None and not failed["sent"] and "HTTP 503" in failed["error"]
    assert failed["next_attempt"] == format_time((NOW + timedelta(minutes=2)).astimezone(SHANGHAI))

    assert dispatcher.deliver_pending(NOW + timedelta(minutes=1)).failed == 0  # still backing off
    # The next run (a new process) re-sends only what failed, and the same notification is never queued twice.
    again = Dispatcher(_watchlist(httpserver.url_for("/hook"), log), records)
    report = _dispatch(again, [NOTIFICATION], NOW + timedelta(minutes=3))
    assert (report.queued, report.sent, report.failed) == (0, 1, 0)
    assert len(_lines(log)) == 1
    body = json.loads(httpserver.log[-1][0].get_data(as_text=True))
    assert body["notification_id"] == NOTIFICATION["notification_id"]
    delivered = records.get_record("delivery", f"{NOTIFICATION['notification_id']}>hook")
    assert delivered is not None and delivered["sent"] and delivered["attempts"] == 2


def test_escalation_goes_to_the_second_route(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/managers").respond_with_json({})
    httpserver.expect_request("/hook").respond_with_json({})
    dispatcher = Dispatcher(_watchlist(httpserver.url_for("/hook"), tmp_path / "log.jsonl"), InMemoryRecords())
    escalated = {**NOTIFICATION, "event": "escalated", "notification_id": "cas-0123456789#2"}
    assert _dispatch(dispatcher, [escalated], NOW).sent == 3
    assert sorted(request.path for request, _ in httpserver.log) == ["/hook", "/managers"]


def test_silence_holds_back_deliveries(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    records = InMemoryRecords()
    until = format_time(NOW + timedelta(hours=2))
    records.put_record("silence", "brand:蒙牛", {"brand": "蒙牛", "incident_id": None, "until": until})
    watchlist = _watchlist("http://127.0.0.1:9/hook", log)
    report = _dispatch(Dispatcher(watchlist, records), [{**NOTIFICATION, "priority": "P3"}], NOW)
    assert (report.silenced, report.sent) == (1, 0)
    assert not log.exists()
    later = {**NOTIFICATION, "priority": "P3", "notification_id": "cas-0123456789#5"}
    assert _dispatch(Dispatcher(watchlist, records), [later], NOW + timedelta(hours=3)).sent == 1


def test_send_message_for_the_briefing(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    stream = io.StringIO()
    watchlist = _watchlist("http://127.0.0.1:9/hook", log)
    pool = ChannelPool(
        watchlist, alerters={"hook": ConsoleAlerter("hook", ChannelConfig(type="console"), stream=stream)}
    )
    results = send_message(watchlist, "oncall", "舆情日报", "今日无事件")
    assert [(r.channel, r.sent) for r in results] == [("hook", False), ("log", True)]
    assert _lines(log)[0]["subject"] == "舆情日报"
    results = send_message(watchlist, "oncall", "舆情日报", "今日无事件", channels=pool)
    assert all(r.sent for r in results) and "今日无事件" in stream.getvalue()
    with pytest.raises(ConfigError):
        send_message(watchlist, "nowhere", "s", "t")


def test_escalation_honours_the_escalate_to_of_the_brand_route_beside_an_urgent_route(tmp_path: Path) -> None:
    watchlist = Watchlist.model_validate(
        {
            "brands": [{"name": "蒙牛", "route": "team", "urgent_route": "oncall"}],
            "routes": {
                "team": {"channels": ["log"], "escalate_to": "managers", "escalate_after_minutes": 10},
                "oncall": {"channels": ["log"]},
                "managers": {"channels": ["log"]},
            },
            "channels": {"log": {"type": "file", "path": str(tmp_path / "log.jsonl")}},
        }
    )
    assert routes_for(watchlist, {**NOTIFICATION, "event": "escalated"}) == ["team", "oncall", "managers"]


def test_two_dispatchers_at_once_send_a_delivery_once(httpserver: HTTPServer, tmp_path: Path) -> None:
    """A claim is a conditional write: the second process finds the delivery claimed and leaves it."""
    httpserver.expect_request("/hook").respond_with_json({})
    records = InMemoryRecords()
    watchlist = _watchlist(httpserver.url_for("/hook"), tmp_path / "log.jsonl")
    first, second = Dispatcher(watchlist, records), Dispatcher(watchlist, records)
    first.enqueue([NOTIFICATION], NOW)
    pending = records.list_versioned("delivery", {"sent": False, "silenced": False})
    claims = [first._claim(record, NOW) for record in pending]
    assert all(claim is not None for claim in claims)
    assert second.deliver_pending(NOW).sent == 0  # everything is claimed by the first, whose lease holds
    assert second.deliver_pending(NOW + timedelta(minutes=3)).sent == 2  # the first died: its lease ran out
    assert len(httpserver.log) == 1


def test_messages_are_rendered_in_the_dispatchers_language(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    watchlist = _watchlist("http://127.0.0.1:9/hook", log)
    team_only = {**NOTIFICATION, "priority": "P3"}  # the brand's route only: its file channel
    assert _dispatch(Dispatcher(watchlist, InMemoryRecords()), [team_only], NOW).sent == 1
    english = Dispatcher(watchlist, InMemoryRecords(), language="en")
    assert _dispatch(english, [{**team_only, "notification_id": "cas-0123456789#2"}], NOW).sent == 1
    assert [(line["subject"], line["text"].splitlines()[-3]) for line in _lines(log)] == [
        ("【P3】新事件：蒙牛 相关微博正在扩散（安全问题）", "相关微博："),
        ("[P3] New incident: spreading post about 蒙牛 (safety)", "Top posts:"),
    ]
