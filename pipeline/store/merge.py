"""How a re-seen post is merged into the stored one; both stores apply it before writing."""

from __future__ import annotations

from pipeline.models import Metrics, Post


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
        author=new.author or old.author,
        fetched_at=max(filter(None, (old.fetched_at, new.fetched_at)), default=None),
        extra={**old.extra, **new.extra},
    )
