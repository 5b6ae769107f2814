"""Which root posts to follow through their repost timelines: negative, complaints, big accounts, fast ones.

Weibo search shows only part of a cascade; the repost-timeline source fills it in, at a cost in requests.
So the same policy that scopes A1 decides what is fetched, best candidates first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.models import Post


@dataclass(frozen=True, slots=True)
class TrackingPolicy:
    max_age: timedelta = timedelta(hours=24)
    big_account_followers: int = 1_000_000
    min_reposts_prefilter: int = 20  # a root whose repost counter already shows this much momentum
    max_roots: int = 50  # per run, to respect the crawl budget


@dataclass(frozen=True, slots=True)
class TrackedRoot:
    root_id: str
    brand: str | None
    reason: str
    rank: tuple[int, int, int]


def select_roots(posts: Iterable[Post], now: datetime, policy: TrackingPolicy | None = None) -> list[TrackedRoot]:
    """Original posts worth following, most urgent first (big accounts, then severity, then reposts)."""
    policy = policy or TrackingPolicy()
    chosen: list[TrackedRoot] = []
    for post in posts:
        if post.repost_of is not None or now - post.created_at > policy.max_age or post.created_at > now:
            continue
        followers = post.author.follower_count if post.author else 0  # unknown: not a known big account
        big = followers >= policy.big_account_followers or bool(post.author and post.author.verified)
        complaint = bool(post.complaint and post.complaint.is_complaint)
        fast = post.metrics.reposts >= policy.min_reposts_prefilter
        reasons = [
            name
            for name, applies in (
                ("negative", post.is_negative),
                ("complaint", complaint),
                ("big account", big),
                ("repost velocity", fast),
            )
            if applies
        ]
        # A big account or a fast post that is not negative is still followed: its replies may turn.
        if not reasons:
            continue
        severity = post.complaint.severity if post.complaint else 0
        rank = (int(big and (post.is_negative or complaint)), severity, post.metrics.reposts)
        chosen.append(TrackedRoot(post.id, post.brand, ", ".join(reasons), rank))
    chosen.sort(key=lambda root: root.rank, reverse=True)
    return chosen[: policy.max_roots]
