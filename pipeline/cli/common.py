"""Helpers shared by the command modules: time arguments, progress lines, bad-line reports."""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pipeline.exceptions import ConfigError
from pipeline.models import parse_time

if TYPE_CHECKING:
    from pipeline.jsonl import PostReader

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
NAMED_BAD_LINES = 20  # a broken file gets a readable report, not one line per bad line


def parse_duration(text: str) -> timedelta:
    """'5m', '1h', '7d', '2w' → timedelta."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ConfigError(f"not a duration: {text!r} (use e.g. 30m, 1h, 7d)")
    try:
        return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    except OverflowError:  # beyond timedelta's 999,999,999 days
        raise ConfigError(f"duration too long: {text!r}") from None


def parse_moment(text: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 time, or a duration meaning that long ago ('7d' = seven days before now)."""
    if _DURATION.match(text.strip().lower()):
        try:
            return (now or datetime.now(UTC)) - parse_duration(text)
        except OverflowError:  # before the year 1
            raise ConfigError(f"duration too long: {text!r}") from None
    try:
        return parse_time(text, "time")
    except Exception as exc:
        raise ConfigError(f"not a time: {text!r} (use ISO 8601 like 2026-11-22T10:00+08:00, or 7d)") from exc


class Progress:
    """A single updating line on stderr, at most a few times a second."""

    def __init__(self, label: str, every_s: float = 0.5) -> None:
        self.label, self.every_s = label, every_s
        self._last = 0.0
        self._interactive = sys.stderr.isatty()

    def update(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.every_s:
            self._last = now
            end = "\r" if self._interactive and not force else "\n"
            if self._interactive or force:
                print(f"{self.label}: {text}", end=end, file=sys.stderr, flush=True)


def report_bad_lines(reader: PostReader) -> None:
    """Name the first `NAMED_BAD_LINES` skipped lines, then how many more and the counts by reason, then any
    advice about the whole file. Each line is named once: the reader itself logs nothing (`log_errors`)."""
    for error in reader.errors[:NAMED_BAD_LINES]:
        print(f"skipped {error}", file=sys.stderr)
    if reader.skipped > NAMED_BAD_LINES:
        print(f"... and {reader.skipped - NAMED_BAD_LINES} more", file=sys.stderr)
    if reader.skipped:
        print(f"skipped {reader.skipped} bad lines ({reader.summary()})", file=sys.stderr)
    for note in reader.notes:
        print(note, file=sys.stderr)
