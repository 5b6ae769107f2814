"""Console channel: the message written to a text stream (stdout by default)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from pipeline.alert.base import Alerter, AlertMessage


class ConsoleAlerter(Alerter):
    kind = "console"

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream

    def send(self, message: AlertMessage) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"{message.text}\n{'-' * 60}\n")
        stream.flush()
