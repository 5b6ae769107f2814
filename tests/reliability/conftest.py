"""The fault-injection suite's parts: real `yuqing` processes, real receivers on loopback, a real store.

Every test here runs the command line in child processes (`python -m pipeline.cli ...`) against a SQLite
store in a temporary folder, kills them for real (`YUQING_FAILPOINTS`, see `pipeline/failpoints.py`, or
SIGKILL) and counts what arrived at a webhook receiver (HTTP on 127.0.0.1), an SMTP server (aiosmtpd on
127.0.0.1) and the file channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.alert.helpers import free_port
from tests.pipeline.detect.streams import demo_day
from tests.reliability.helpers import (
    WATCHLIST,
    Deployment,
    Mailbox,
    WebhookReceiver,
    child_env,
)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    """A store holding the scripted crisis day, a watchlist routing 蒙牛 to file, webhook and e-mail."""
    webhook, mailbox = WebhookReceiver(), Mailbox()
    server, hook_url = webhook.start()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    alerts = tmp_path / "alerts.jsonl"
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST.format(log=alerts, hook=hook_url, smtp=smtp_port), encoding="utf-8")
    with SQLiteStore(tmp_path / "data" / "yuqing.db") as store:
        store.upsert_posts(demo_day(seed=1))
    try:
        yield Deployment(tmp_path, child_env(tmp_path, watchlist), webhook, mailbox, alerts)
    finally:
        controller.stop()
        server.shutdown()
        server.server_close()
