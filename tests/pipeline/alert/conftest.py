"""Real receivers on localhost for the channel tests: an SMTP server (aiosmtpd) and HTTP (pytest-httpserver)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

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
    "reason": "Negative post weibo:5238000000100001 has 52 reposts 51 min after it was posted.",
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
