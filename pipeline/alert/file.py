"""File channel: one JSON line per message appended to `ChannelConfig.path`."""

from __future__ import annotations

import json

from pipeline.alert.base import Alerter, AlertMessage


class FileAlerter(Alerter):
    kind = "file"

    def send(self, message: AlertMessage) -> None:
        if self.config.path is None:
            raise self._fail("no path configured")
        record = {"subject": message.subject, "text": message.text, **message.payload}
        try:
            self.config.path.parent.mkdir(parents=True, exist_ok=True)
            with self.config.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise self._fail(f"cannot write {self.config.path}: {exc.strerror}") from exc
