"""How far collection got for one brand and source: the `checkpoint` record, typed.

The record's JSON is unchanged (docs/data-contracts.md): times as ISO strings, `in_progress` the window being
collected (so an interrupted run resumes from its start), and the backoff after a block.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipeline.models import format_time, parse_time
from pipeline.store.records import RecordKind, RecordStore

KIND: RecordKind = "checkpoint"
FIRST_WINDOW = timedelta(hours=2)  # a brand seen for the first time: the last two hours (weibo.md §12.5)


def checkpoint_key(brand: str, source: str) -> str:
    return f"{brand}|{source}"


def _time(value: object) -> datetime | None:
    return parse_time(value) if isinstance(value, str) and value else None


def _text(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


@dataclass
class Checkpoint:
    brand: str
    source: str
    until: datetime | None = None  # collected up to here
    in_progress: tuple[datetime, datetime] | None = None  # the window of a run that has not finished
    last_run_at: datetime | None = None
    backoff_s: float = 0.0  # the last backoff after a block (doubles while blocks go on)
    blocked_until: datetime | None = None
    last_block: str | None = None

    @classmethod
    def load(cls, records: RecordStore, brand: str, source: str) -> Checkpoint:
        doc = records.get_record(KIND, checkpoint_key(brand, source)) or {}
        window = doc.get("in_progress")
        window = window if isinstance(window, dict) else {}
        start, end = _time(window.get("since")), _time(window.get("until"))
        return cls(
            brand=brand,
            source=source,
            until=_time(doc.get("until")),
            in_progress=(start, end) if start is not None and end is not None else None,
            last_run_at=_time(doc.get("last_run_at")),
            backoff_s=float(doc.get("backoff_s") or 0.0),
            blocked_until=_time(doc.get("blocked_until")),
            last_block=doc.get("last_block") or None,
        )

    def save(self, records: RecordStore) -> None:
        records.put_record(KIND, checkpoint_key(self.brand, self.source), self.to_doc())

    def to_doc(self) -> dict[str, Any]:
        window = self.in_progress
        return {
            "brand": self.brand,
            "source": self.source,
            "until": _text(self.until),
            "in_progress": {"since": format_time(window[0]), "until": format_time(window[1])} if window else None,
            "last_run_at": _text(self.last_run_at),
            "backoff_s": self.backoff_s,
            "blocked_until": _text(self.blocked_until),
            "last_block": self.last_block,
        }

    def window(self, now: datetime, overlap: timedelta) -> tuple[datetime, datetime]:
        """Resume an unfinished window from its start; else continue from the last end minus the overlap."""
        if self.in_progress is not None:
            return self.in_progress[0], now
        if self.until is not None:
            return self.until - overlap, now
        return now - FIRST_WINDOW, now

    def blocked(self, kind: str, now: datetime, first_backoff_s: float, max_backoff_s: float) -> None:
        """A block: wait twice as long as last time (at least `first_backoff_s`, at most `max_backoff_s`)."""
        self.backoff_s = min(max(self.backoff_s * 2, first_backoff_s), max_backoff_s)
        self.last_block = kind
        self.blocked_until = now + timedelta(seconds=self.backoff_s)

    def finished(self, until: datetime) -> None:
        """The window is done: advance, forget the window in progress, reset the backoff."""
        self.until, self.in_progress = until, None
        self.backoff_s, self.blocked_until, self.last_block = 0.0, None, None
