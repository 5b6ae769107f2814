"""What every detector hands to incident fusion: a `Hit` (why something fired, with its evidence)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pipeline.i18n import Language, Reason, render_reason

DetectorKind = Literal["cascade", "surge", "unanswered"]


@dataclass(frozen=True, slots=True)
class EvidencePost:
    """A post quoted in an alert: enough to link it and rank it, not the whole post."""

    post_id: str
    url: str
    followers: int = 0
    severity: int = 0
    author: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """One detector decision that something needs people: a complaint spreading, or one left unanswered.

    `key` names the incident the hit belongs to (`cascade:<root id>`, `surge:<brand>:<category|*>` or
    `unanswered:<post id>`); `size` is what growth milestones are measured on (predicted reposts for a
    cascade, posts in the test window for a surge, 1 for an unanswered complaint); `reason` says why it fired,
    as clauses of the message catalogue (`pipeline.i18n`), so that it can be written in the configured language
    when an incident takes it up and shown again in the other one later.
    """

    kind: DetectorKind
    key: str
    brand: str
    at: datetime
    reason: Reason
    size: float
    evidence: dict[str, Any] = field(default_factory=dict)
    root_id: str | None = None
    category: str | None = None
    predicted_reposts: float | None = None
    severity: int = 0  # highest complaint severity among the evidence posts (0-3)
    max_followers: int = 0  # reach of the biggest account involved
    big_account: bool = False  # a verified or very large account took part
    posts: tuple[EvidencePost, ...] = ()

    def reason_text(self, language: Language) -> str:
        return render_reason(self.reason, language)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A detector's answer at one time: its hits, and the keys still above their (lower) quiet level."""

    hits: list[Hit]
    active: set[str]


def epoch(moment: datetime) -> float:
    """Seconds since the epoch; naive times are rejected because mixing zones silently shifts buckets."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: detection needs time-zone-aware times")
    return moment.timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
