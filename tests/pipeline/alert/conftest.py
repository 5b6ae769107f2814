"""Real receivers on localhost for the channel tests: an SMTP server (aiosmtpd) and HTTP (pytest-httpserver)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.pipeline.alert.helpers import (
    _Inbox,
    free_port,
)


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
