"""Streaming JSON Lines I/O for posts: one bad line is reported with its number and skipped, never fatal."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline.exceptions import InvalidRecord
from pipeline.models import Post

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LineError:
    """Why one input line was skipped."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class PostReader:
    """Iterate the posts of a JSONL file in constant memory; skipped lines collect in `errors`.

    Keeping only the first `max_kept_errors` errors in full keeps memory flat on a huge broken file;
    `error_counts` still counts every one by kind.
    """

    path: Path
    max_kept_errors: int = 1000
    errors: list[LineError] = field(default_factory=list)
    error_counts: Counter[str] = field(default_factory=Counter)
    lines_read: int = 0

    def __iter__(self) -> Iterator[Post]:
        name = str(self.path)
        with _open_text(self.path) as handle:
            for number, line in enumerate(handle, start=1):
                self.lines_read = number
                if not line.strip():
                    continue
                try:
                    yield Post.from_dict(_decode(line))
                except InvalidRecord as exc:
                    self._skip(LineError(name, number, str(exc)))

    @property
    def skipped(self) -> int:
        return sum(self.error_counts.values())

    def _skip(self, error: LineError) -> None:
        self.error_counts[_kind_of(error.reason)] += 1
        if len(self.errors) < self.max_kept_errors:
            self.errors.append(error)
        logger.warning("skipped %s", error)


def read_posts(path: Path | str) -> PostReader:
    return PostReader(Path(path))


def read_records(path: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Raw JSON objects with their line numbers (for readers of other record kinds); bad lines raise."""
    with _open_text(Path(path)) as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    record = _decode(line)
                except InvalidRecord as exc:
                    raise InvalidRecord(f"{path}:{number}: {exc}") from exc
                if not isinstance(record, dict):
                    raise InvalidRecord(f"{path}:{number}: not a JSON object")
                yield number, record


def write_posts(path: Path | str, posts: Iterable[Post]) -> int:
    """Write posts as JSON Lines (UTF-8, Chinese kept readable); returns how many were written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as handle:
        return write_post_lines(handle, posts)


def write_post_lines(handle: IO[str], posts: Iterable[Post]) -> int:
    count = 0
    for post in posts:
        handle.write(json.dumps(post.to_dict(), ensure_ascii=False))
        handle.write("\n")
        count += 1
    return count


def _open_text(path: Path) -> IO[str]:
    try:
        # errors="replace": a stray invalid byte spoils one line's text, not the whole file.
        return path.open("r", encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InvalidRecord(f"{path}: cannot open: {exc.strerror}") from exc


def _decode(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidRecord(f"invalid JSON ({exc.msg} at column {exc.colno})") from exc


def _kind_of(reason: str) -> str:
    """Coarse reason for the summary: 'invalid JSON', 'missing required field(s)', ..."""
    if reason.startswith("invalid JSON"):
        return "invalid JSON"
    if reason.startswith("missing required"):
        return "missing required field"
    if "ISO 8601" in reason:
        return "unparsable time"
    return "invalid field"
