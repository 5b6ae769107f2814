"""Shared test helpers of `tests.pipeline.alert`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pipeline.detect.base import EvidencePost, Hit
from pipeline.detect.incidents import IncidentBook, IncidentManager
from pipeline.i18n import clause
from pipeline.models import parse_time
from pipeline.store.sqlite import SQLiteStore

NOTIFICATION: dict[str, Any] = {
    "notification_id": "cas-0123456789#1",
    "event": "opened",
    "incident_id": "cas-0123456789",
    "kind": "cascade",
    "brand": "蒙牛",
    "root_id": "weibo:5238000000100001",
    "category": "safety",
    "opened_at": "2026-11-22T10:53:00+08:00",
    "updated_at": "2026-11-22T10:53:00+08:00",
    "status": "open",
    "priority": "P1",
    # Stored as text only, as every notification was before reasons were also kept as data (`reason_data`).
    "reason": "负面微博 weibo:5238000000100001 在发布后 51 分钟内被转发 52 次（近 60 分钟 52 次）。",
    "evidence": {"observed_reposts": 52},
    "predicted_reposts": 1520,
    "posts": ["weibo:5238000000100001", "weibo:5238000000100002"],
    "urls": ["https://weibo.com/1825856108/nZnVuPYSR", "https://weibo.com/1675778813/nZnVuPYSS"],
}


@dataclass
class _Inbox:
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def open_p1_incident(db_path: Path) -> str:
    """An open P1 cascade incident about 蒙牛 in the store at `db_path`, made the way a detection cycle makes it
    (its "opened" page still in the outbox); returns its id."""
    hit = Hit(
        kind="cascade",
        key="cascade:weibo:1",
        brand="蒙牛",
        at=parse_time("2026-11-22T10:00:00+08:00"),
        reason=[clause("cascade.predicted", predicted=20_000)],
        size=20_000,
        root_id="weibo:1",
        predicted_reposts=20_000,
        posts=(EvidencePost("weibo:1", "https://weibo.com/1/a"),),
    )
    with SQLiteStore(db_path) as store:
        notes = IncidentManager(IncidentBook(store)).process([hit], {hit.key}, hit.at)
    return str(notes[0]["incident_id"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
