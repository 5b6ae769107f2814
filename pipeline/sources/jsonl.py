"""The JSON Lines source: posts dropped as `*.jsonl` files into an inbox folder (replays, exports, tests)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from pipeline.jsonl import LineError, read_posts
from pipeline.models import Post

logger = logging.getLogger(__name__)


class JsonlSource:
    """Reads every `*.jsonl` file of `inbox`, in name order; bad lines are collected in `errors`."""

    name = "jsonl"

    def __init__(self, inbox: Path) -> None:
        self.inbox = inbox
        self.errors: list[LineError] = []

    def fetch(self) -> Iterator[Post]:
        if not self.inbox.is_dir():
            logger.info("jsonl source: inbox %s does not exist, nothing to read", self.inbox)
            return
        for path in sorted(self.inbox.glob("*.jsonl")):
            reader = read_posts(path)
            yield from reader
            self.errors.extend(reader.errors)
