"""What every collection source shares: page statuses, the fetched page, the run summary, the protocol."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypedDict

from pipeline.models import Post, format_time


class PageStatus(StrEnum):
    """What a response turned out to be, decided before any parsing (weibo.md §7)."""

    OK = "ok"
    NO_RESULTS = "no_results"  # the site says so explicitly ("抱歉，未找到…相关结果")
    EMPTY = "empty"  # a real result page without cards (can sit mid-pagination)
    END = "end"  # the API says there is nothing more (ok:0, empty list)
    LOGIN_REQUIRED = "login_required"
    VISITOR_WALL = "visitor_wall"
    CAPTCHA = "captcha"
    BOT_SHELL = "bot_shell"
    RATE_LIMITED = "rate_limited"
    ACCOUNT_BANNED = "account_banned"
    BUSY = "busy"
    SERVER_ERROR = "server_error"
    UNPARSEABLE = "unparseable"

    @property
    def is_usable(self) -> bool:
        return self in _USABLE


_USABLE = frozenset({PageStatus.OK, PageStatus.NO_RESULTS, PageStatus.EMPTY, PageStatus.END})


@dataclass(frozen=True, slots=True)
class RawPage:
    """One fetched response as it came in, with its classification and the time it was fetched."""

    status: PageStatus
    http_status: int
    url: str
    final_url: str
    body: bytes
    text: str
    fetched_at: datetime
    headers: dict[str, str] = field(default_factory=dict)
    reason: str = ""  # why it got this status, for the report

    def to_record(self) -> dict[str, object]:
        """The raw page as a store record (kept for reprocessing when `keep_raw` is on)."""
        return {
            "status": self.status.value,
            "http_status": self.http_status,
            "url": self.url,
            "final_url": self.final_url,
            "text": self.text,
            "fetched_at": format_time(self.fetched_at),
            "reason": self.reason,
        }


@dataclass
class CollectSummary:
    """Counts for one run; `blocked` counts blocks by kind, never folded into "no results"."""

    pages: int = 0
    posts: int = 0
    duplicates: int = 0
    filtered: int = 0  # hits dropped because the brand term was not in the text
    blocked: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)  # server errors, unparseable pages, network
    skipped: list[str] = field(default_factory=list)  # sources not run (backing off after a block)
    messages: list[str] = field(default_factory=list)

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked)

    def merge(self, other: CollectSummary) -> None:
        self.pages += other.pages
        self.posts += other.posts
        self.duplicates += other.duplicates
        self.filtered += other.filtered
        self.blocked.update(other.blocked)
        self.failed.update(other.failed)
        self.skipped.extend(other.skipped)
        self.messages.extend(other.messages)

    def __str__(self) -> str:
        parts = [f"pages={self.pages}", f"posts={self.posts}", f"duplicates={self.duplicates}"]
        if self.filtered:
            parts.append(f"filtered={self.filtered}")
        blocks = ", ".join(f"{kind}={count}" for kind, count in sorted(self.blocked.items()))
        parts.append(f"blocked: {blocks or 'none'}")
        if self.failed:
            parts.append("failed: " + ", ".join(f"{k}={v}" for k, v in sorted(self.failed.items())))
        if self.skipped:
            parts.append("skipped: " + ", ".join(self.skipped))
        return " ".join(parts)


class SourceOptions(TypedDict, total=False):
    """What `make_source` passes to a source's `from_settings` besides the settings and the HTTP session."""

    sleep: Callable[[float], None]  # the polite delay's sleep (tests pass a no-op)
    base_url: str | None  # another host (a loopback server in tests); None: the configured one
    on_page: Callable[[RawPage], None] | None  # each raw answer, for the raw-page archive


class Source(Protocol):
    """A collection source: posts for one keyword within [since, until), counted into `summary`. A source
    yields each post once over all its searches (`pipeline.sources.tally`); nothing after it de-duplicates.

    A block raises `pipeline.exceptions.Blocked` (or `RateLimited`) after the posts already seen were
    yielded; the caller records it and stops this source.
    """

    name: str
    summary: CollectSummary

    def search(self, keyword: str, since: datetime, until: datetime, max_pages: int = 50) -> Iterator[Post]: ...
