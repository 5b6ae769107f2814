"""Streaming JSON Lines I/O for posts: one bad line is reported with its number and skipped, never fatal;
output files are replaced only once they are completely written."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline.exceptions import ConfigError, InvalidRecord
from pipeline.models import Post
from pipeline.schema import MAX_DEPTH, json_problem

logger = logging.getLogger(__name__)

MAX_LINE_BYTES = 1 << 20
LOGGED_ERRORS = 20  # a library caller's log names this many bad lines per file, then one summary

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Lone surrogates can only enter through \uD800-\uDFFF escapes (strict UTF-8 decoding refuses encoded ones),
# so only a line holding such an escape needs its strings searched.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


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
    `error_counts` still counts every one by kind. `notes` holds file-level advice (such as how to convert
    a GBK file), each given once. With `log_errors` the reader logs the first `LOGGED_ERRORS` bad lines and a
    summary itself; a caller that reports them (the command line) turns that off so that no line is named
    twice.
    """

    path: Path
    max_kept_errors: int = 1000
    log_errors: bool = True
    errors: list[LineError] = field(default_factory=list)
    error_counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    lines_read: int = 0

    def __iter__(self) -> Iterator[Post]:
        name = str(self.path)
        with _open_binary(self.path) as handle:
            for number, (raw, overflow) in enumerate(_raw_lines(handle), start=1):
                self.lines_read = number
                try:
                    post = self._post(raw, overflow, number)
                except InvalidRecord as exc:
                    self._skip(LineError(name, number, str(exc)))
                    continue
                if post is not None:
                    yield post
        if self.log_errors and self.skipped > LOGGED_ERRORS:
            logger.warning("%s: skipped %d bad lines in all (%s)", name, self.skipped, self.summary())

    @property
    def skipped(self) -> int:
        return sum(self.error_counts.values())

    def summary(self) -> str:
        """'3 invalid JSON, 1 not UTF-8': the skipped lines counted by reason."""
        return ", ".join(f"{count} {reason}" for reason, count in sorted(self.error_counts.items()))

    def _post(self, raw: bytes, overflow: int, number: int) -> Post | None:
        if number == 1 and raw.startswith(_UTF16_BOMS):
            self._note(f"{self.path} looks UTF-16-encoded; convert it with: {_iconv('UTF-16', self.path)}")
        try:
            record, suspicious = _decode(raw, overflow)
        except _NotUtf8 as exc:
            if exc.gb18030:
                self._note(
                    f"{self.path} looks GBK/GB18030-encoded, not UTF-8; convert it with: {_iconv('GB18030', self.path)}"
                )
            raise
        if record is _BLANK:
            return None
        post = Post.from_dict(record)  # first, for its messages that name the field
        if suspicious:
            _check_whole(record)  # then what the schema does not keep and so did not look at
        return post

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)
            if self.log_errors:
                logger.warning("%s", note)

    def _skip(self, error: LineError) -> None:
        self.error_counts[_kind_of(error.reason)] += 1
        if len(self.errors) < self.max_kept_errors:
            self.errors.append(error)
        if self.log_errors and self.skipped <= LOGGED_ERRORS:
            logger.warning("skipped %s", error)


def read_posts(path: Path | str, *, log_errors: bool = True) -> PostReader:
    return PostReader(Path(path), log_errors=log_errors)


def require_readable(path: Path | str) -> None:
    """Fail now, with the reason, if `path` cannot be read (before any output is opened or model loaded)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InvalidRecord(f"{path}: cannot open: {exc.strerror}") from exc
    if stat.S_ISDIR(mode):
        raise InvalidRecord(f"{path}: cannot open: it is a folder")
    if stat.S_ISREG(mode):  # a pipe is not opened twice: its writer would see the first reader go away
        with _open_binary(path):
            pass


def read_records(path: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Raw JSON objects with their line numbers (for readers of other record kinds); bad lines raise."""
    with _open_binary(Path(path)) as handle:
        for number, (raw, overflow) in enumerate(_raw_lines(handle), start=1):
            try:
                record, suspicious = _decode(raw, overflow)
                if suspicious:
                    _check_whole(record)
            except InvalidRecord as exc:
                raise InvalidRecord(f"{path}:{number}: {exc}") from exc
            if record is _BLANK:
                continue
            if not isinstance(record, dict):
                raise InvalidRecord(f"{path}:{number}: not a JSON object")
            yield number, record


def _decode(raw: bytes, overflow: int = 0) -> tuple[Any, bool]:
    """One line as strict UTF-8 JSON (NaN, Infinity and duplicate keys refused), and whether it must be
    walked by `_check_whole`. A blank line gives `_BLANK`."""
    if overflow:
        raise InvalidRecord(f"line is longer than 1 MiB ({overflow:,} bytes)")
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM) :]
    if not raw or raw.isspace():  # no copy of the line, unlike strip()
        return _BLANK, False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _NotUtf8(raw, exc) from None
    try:
        record = _DECODER.decode(text)
    except RecursionError:
        raise InvalidRecord(f"record is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise InvalidRecord(f"invalid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})") from None
    except _Refused as exc:
        raise InvalidRecord(f"invalid JSON ({exc})") from None
    except ValueError as exc:
        # What else the decoder raises is an integer literal beyond Python's 4300-digit conversion limit.
        raise InvalidRecord("invalid JSON (a number with more than 4300 digits)") from exc
    # Counting brackets bounds the depth from above, so only a line that could be too deep is walked.
    suspicious = text.count("[") + text.count("{") > MAX_DEPTH or bool(_SURROGATE_ESCAPE.search(text))
    return record, suspicious


def _check_whole(record: Any) -> None:
    """No lone surrogate and no excessive nesting anywhere, even in keys the schema ignores."""
    problem = json_problem(record)
    if problem:
        raise InvalidRecord(f"record {problem}")


def write_posts(path: Path | str, posts: Iterable[Post]) -> int:
    """Write posts as JSON Lines (UTF-8, Chinese kept readable); returns how many were written. The file
    is replaced only when all of them are written."""
    with atomic_writer(path) as handle:
        return write_post_lines(handle, posts)


def write_post_lines(handle: IO[str], posts: Iterable[Post]) -> int:
    count = 0
    for post in posts:
        handle.write(json.dumps(post.to_dict(), ensure_ascii=False))
        handle.write("\n")
        count += 1
    return count


@contextmanager
def atomic_writer(path: Path | str) -> Iterator[IO[str]]:
    """A text handle whose content replaces `path` only if the block completes.

    It writes a temporary file beside the target and renames it over the target at the end, so a failure
    (a missing input, a crash, Ctrl-C) leaves the old file as it was, and reading and writing the same file
    works. A target that is not a regular file (/dev/stdout, a pipe) cannot be renamed over and is written
    directly.
    """
    target = Path(os.path.realpath(path))  # through a symlink, as a plain open would write
    if target.exists() and not target.is_file():
        with _open_output(target) as handle:
            yield handle
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with _open_output(temporary, exclusive=True) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the rename makes it the file
        if target.exists():
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _open_output(path: Path, exclusive: bool = False) -> IO[str]:
    try:
        # 0o666 before the umask: the same permissions a plain open() would give a new file.
        flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
        return open(os.open(path, flags, 0o666), "w", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from exc


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        raise InvalidRecord(f"{path}: cannot open: {exc.strerror}") from exc


def _raw_lines(handle: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """(line, 0), or (b"", its size in bytes) for a line longer than 1 MiB, which is read past without
    being held: memory stays bounded whatever the file holds."""
    while line := handle.readline(MAX_LINE_BYTES + 1):
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line, 0
            continue
        size = len(line)
        while (chunk := handle.readline(1 << 16)) and not chunk.endswith(b"\n"):
            size += len(chunk)
        yield b"", size + len(chunk.rstrip(b"\n"))


class _Blank:
    """The value of a blank line (not None, which is a line of its own: `null`)."""


_BLANK = _Blank()


class _NotUtf8(InvalidRecord):
    def __init__(self, raw: bytes, exc: UnicodeDecodeError) -> None:
        super().__init__(f"not UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1})")
        # A GBK line fails at its first non-ASCII byte and decodes as GB18030 from end to end; a UTF-8 line
        # with one stray byte usually has good UTF-8 before it, and must not be sent through iconv.
        first_non_ascii = _NON_ASCII.search(raw)
        self.gb18030 = first_non_ascii is not None and first_non_ascii.start() == exc.start
        self.gb18030 = self.gb18030 and _decodes_as(raw, "gb18030")


class _Refused(ValueError):
    """Valid for Python's json module, not for JSON: NaN, Infinity, the same key twice."""


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        # Readers disagree on which copy wins, so such a record has no single meaning.
        counts = Counter(key for key, _ in pairs)
        raise _Refused(f"duplicate key {next(key for key, count in counts.items() if count > 1)!r}")
    return record


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)


def _decodes_as(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _iconv(encoding: str, path: Path) -> str:
    return f"iconv -f {encoding} -t UTF-8 {path} > {path.with_suffix('')}.utf8{path.suffix or '.jsonl'}"


_KINDS = (
    ("invalid JSON", "invalid JSON"),
    ("not UTF-8", "not UTF-8"),
    ("longer than 1 MiB", "line too long"),
    ("nested deeper", "nested too deeply"),
    ("missing required", "missing required field"),
    ("no source prefix", "id without source"),
    ("ISO 8601", "unparsable time"),
    ("outside 2000-01-01", "time out of range"),
)


def _kind_of(reason: str) -> str:
    """Coarse reason for the summary: 'invalid JSON', 'missing required field', ..."""
    return next((kind for marker, kind in _KINDS if marker in reason), "invalid field")
