"""File channel: one JSON line per message appended to `ChannelConfig.path`.

Exactly once: a message whose idempotency key is already among the last lines of the file (written just
before a crash, so never marked sent) is not appended again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline.alert.base import Alerter, AlertMessage
from pipeline.safe_text import disarm_document


class FileAlerter(Alerter):
    kind = "file"

    def send(self, message: AlertMessage) -> None:
        if self.config.path is None:
            raise self._fail("no path configured")
        # Disarmed like a webhook body: these lines are read by people and forwarded by other tools.
        record = disarm_document({"subject": message.subject, "text": message.text, **message.payload})
        try:
            if message.idempotency_key and _recently_written(self.config.path, message.idempotency_key):
                return
            self.config.path.parent.mkdir(parents=True, exist_ok=True)
            with self.config.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise self._fail(f"cannot write {self.config.path}: {exc.strerror}") from exc


_TAIL_BYTES = 256 * 1024  # a repeat follows its first copy within one dispatch run: the tail is enough


def _recently_written(path: Path, key: str) -> bool:
    if not path.exists():
        return False
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - _TAIL_BYTES), os.SEEK_SET)
        tail = handle.read().decode("utf-8", errors="replace")
    for line in tail.splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # the first, cut line of the tail
            continue
        if isinstance(record, dict) and record.get("notification_id") == key:
            return True
    return False
