"""How a re-seen post is merged into the stored one; both stores apply it before writing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pipeline.models import Author, Metrics, Post


def merge_posts(old: Post, new: Post) -> Post:
    """Newer fields win, but metrics never shrink (a stale observation never lowers a repost count) and
    enrichment is kept when the new copy has none."""
    metrics = Metrics(
        reposts=max(old.metrics.reposts, new.metrics.reposts),
        comments=max(old.metrics.comments, new.metrics.comments),
        likes=max(old.metrics.likes, new.metrics.likes),
    )
    return new.with_changes(
        metrics=metrics,
        sentiment=new.sentiment or old.sentiment,
        complaint=new.complaint or old.complaint,
        author=_merged_author(old, new),
        fetched_at=max(filter(None, (old.fetched_at, new.fetched_at)), default=None),
        extra={**old.extra, **new.extra},
    )


def _merged_author(old: Post, new: Post) -> Author | None:
    """The newer author, keeping a follower count only the older copy knew (a search page shows none)."""
    if new.author is None or old.author is None:
        return new.author or old.author
    if new.author.followers is None and old.author.followers is not None:
        return replace(new.author, followers=old.author.followers)
    return new.author


def fold_duplicates(posts: Iterable[Post]) -> dict[str, Post]:
    """One post per id, in first-seen order. Copies of one id are merged oldest observation first, so the
    newest copy's fields win while metrics keep their highest value (two lines of one post in one batch, the
    later with lower counts, never lower them)."""
    copies: dict[str, list[Post]] = {}
    for post in posts:
        copies.setdefault(post.id, []).append(post)
    folded: dict[str, Post] = {}
    for post_id, group in copies.items():
        ordered = sorted(group, key=_observed) if len(group) > 1 else group
        merged = ordered[0]
        for later in ordered[1:]:
            merged = merge_posts(merged, later)
        folded[post_id] = merged
    return folded


def _observed(post: Post) -> float:
    return post.fetched_at.timestamp() if post.fetched_at else post.created_at.timestamp()
