"""The "unanswered" rule: a critical complaint the brand has not answered N minutes after it was posted.

It reads the `response` records that `pipeline.sources.brand_replies.collect_responses` writes (one per
checked complaint, docs/data-contracts.md "Response records"). A complaint at least `min_severity` severe,
posted at least `after` ago, whose record has no reply, is a hit keyed `unanswered:<post id>`; once the
record shows a reply, the key is `answered` and its incident is resolved at once (not after a quiet period:
a reply is a fact, not a level that may come back).

A complaint counts only once it has been checked, that is once its record exists: a complaint the collector
has not reached yet (its time budget, a block, not a Weibo post) is not known to be unanswered, and is never
reported as such. A record whose comment list was cut short (`complete: false`) counts, and its reason says
so: "no reply among the comments read" is already worth a person's look after the deadline.
A complaint is followed for `follow_for` after it was posted (the collector's look-back); after that it is
no longer reported, and its incident resolves after the usual quiet period, saying that no reply was seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from pipeline.detect.base import EvidencePost, Hit
from pipeline.i18n import Reason, clause
from pipeline.models import SEVERITY_LABELS, Post, format_time, parse_time

KEY_PREFIX = "unanswered:"
MAX_QUOTE = 80  # characters of the complaint quoted in the reason
PostLookup = Callable[[Sequence[str]], Mapping[str, Post]]  # post ids -> the stored posts among them


@dataclass(frozen=True, slots=True)
class UnansweredRules:
    after: timedelta = timedelta(minutes=60)  # `ResponseSettings.unanswered_after_minutes`
    min_severity: int = 3  # `ResponseSettings.unanswered_min_severity`
    follow_for: timedelta = timedelta(hours=48)  # `ResponseSettings.lookback_hours`


@dataclass(frozen=True, slots=True)
class ResponseState:
    """What the unanswered rule needs of one response record."""

    post_id: str
    brand: str
    complaint_at: datetime
    severity: int
    category: str | None = None
    first_reply_at: datetime | None = None
    first_replier: str = ""  # the account name of the earliest reply on record
    complete: bool = True
    comments_read: int = 0

    @classmethod
    def from_record(cls, doc: Mapping[str, Any]) -> ResponseState:
        """One stored record; ValueError/KeyError/TypeError when it is not one."""
        first = doc.get("first_reply_at")
        replies = [reply for reply in doc.get("replies") or [] if isinstance(reply, dict)]
        return cls(
            post_id=str(doc["post_id"]),
            brand=str(doc["brand"]),
            complaint_at=parse_time(str(doc["complaint_at"]), "complaint_at"),
            severity=int(doc.get("severity") or 0),
            category=doc.get("category") if isinstance(doc.get("category"), str) else None,
            first_reply_at=parse_time(first, "first_reply_at") if isinstance(first, str) else None,
            first_replier=str(replies[0].get("account_name") or "") if replies else "",
            complete=bool(doc.get("complete", True)),
            comments_read=int(doc.get("comments_read") or 0),
        )

    def as_of(self, moment: datetime) -> ResponseState:
        """The record as a check at `moment` would have seen it: a later reply not yet there (for replays)."""
        if self.first_reply_at is None or self.first_reply_at <= moment:
            return self
        return replace(self, first_reply_at=None, first_replier="")


@dataclass
class UnansweredCheck:
    """The rule's answer at one time: hits, the keys still waiting, and the keys answered with why."""

    hits: list[Hit] = field(default_factory=list)
    active: set[str] = field(default_factory=set)
    answered: dict[str, Reason] = field(default_factory=dict)


def incident_key(post_id: str) -> str:
    return f"{KEY_PREFIX}{post_id}"


def states_of(records: Iterable[Mapping[str, Any]]) -> list[ResponseState]:
    """The records that parse (a malformed one is skipped: it cannot be judged either way)."""
    states = []
    for doc in records:
        try:
            states.append(ResponseState.from_record(doc))
        except (KeyError, TypeError, ValueError):
            continue
    return states


def check_unanswered(
    states: Iterable[ResponseState],
    now: datetime,
    rules: UnansweredRules,
    *,
    brands: set[str] | None = None,
    posts: PostLookup | None = None,
) -> UnansweredCheck:
    """Apply the rule at `now` (see the module docstring); `posts` finds the complaints for their author,
    text and link (without it, or for a complaint not stored, the reason names the post id only)."""
    result = UnansweredCheck()
    waiting: list[ResponseState] = []
    for state in states:
        if brands is not None and state.brand not in brands:
            continue
        if state.severity < rules.min_severity or state.complaint_at > now:
            continue
        if state.first_reply_at is not None:
            result.answered[incident_key(state.post_id)] = _answered_reason(state)
            continue
        age = now - state.complaint_at
        if rules.after <= age <= rules.follow_for:
            waiting.append(state)
    found = posts([state.post_id for state in waiting]) if posts is not None and waiting else {}
    for state in waiting:
        hit = _hit(state, found.get(state.post_id), now)
        result.hits.append(hit)
        result.active.add(hit.key)
    return result


def _hit(state: ResponseState, post: Post | None, now: datetime) -> Hit:
    minutes = round((now - state.complaint_at).total_seconds() / 60)
    author = post.author if post is not None else None
    url = (post.url if post is not None else "") or f"https://m.weibo.cn/detail/{state.post_id.split(':', 1)[-1]}"
    if post is not None and author is not None and author.name:
        text = " ".join(post.text.split())
        quote = text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "…"
        reason: Reason = [
            clause(
                "unanswered.waiting_by",
                author=author.name,
                severity=_severity_code(state.severity),
                post=state.post_id,
                minutes=minutes,
                text=quote,
            )
        ]
    else:
        reason = [
            clause("unanswered.waiting", severity=_severity_code(state.severity), post=state.post_id, minutes=minutes)
        ]
    if not state.complete:
        reason.append(clause("unanswered.partial", comments=state.comments_read))
    followers = (author.followers or 0) if author is not None else 0
    return Hit(
        kind="unanswered",
        key=incident_key(state.post_id),
        brand=state.brand,
        at=now,
        reason=reason,
        size=1.0,
        evidence={
            "post_id": state.post_id,
            "complaint_at": format_time(state.complaint_at),
            "minutes_unanswered": minutes,
            "complete": state.complete,
            "comments_read": state.comments_read,
        },
        root_id=state.post_id,
        category=state.category,
        severity=state.severity,
        max_followers=followers,
        posts=(EvidencePost(state.post_id, url, followers, state.severity, author.name if author else ""),),
    )


def _answered_reason(state: ResponseState) -> Reason:
    assert state.first_reply_at is not None
    minutes = max(0, round((state.first_reply_at - state.complaint_at).total_seconds() / 60))
    return [
        clause(
            "unanswered.answered",
            account=state.first_replier or "?",
            at=format_time(state.first_reply_at),
            minutes=minutes,
        )
    ]


def _severity_code(severity: int) -> str:
    return SEVERITY_LABELS[severity] if 0 <= severity < len(SEVERITY_LABELS) else "unscored"
