"""Console channel: the message written to a text stream (stdout by default)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from pipeline.alert.base import Alerter, AlertMessage
from pipeline.safe_text import disarm


class ConsoleAlerter(Alerter):
    kind = "console"

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream

    def send(self, message: AlertMessage) -> None:
        stream = self.stream or sys.stdout
        # Disarmed: a control character from a post could move the cursor or add a hyperlink in a terminal.
        stream.write(f"{disarm(message.text)}\n{'-' * 60}\n")
        stream.flush()
