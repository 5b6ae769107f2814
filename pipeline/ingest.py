"""normalise → enrich → store for a stream of posts, in batches, with a summary of what happened."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipeline.enrich.enricher import Enricher, batched
from pipeline.enrich.parallel import ParallelEnricher
from pipeline.exceptions import DropPost
from pipeline.models import Post
from pipeline.normalise import BrandMatcher, normalise
from pipeline.store.base import Store, UpsertCounts

logger = logging.getLogger(__name__)

BATCH_SIZE = 2048  # scoring has a fixed cost per batch: bigger batches score 1.2-1.4 x faster


@dataclass
class IngestSummary:
    read: int = 0
    stored: UpsertCounts = field(default_factory=UpsertCounts)
    dropped: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        dropped = ", ".join(f"{count} {reason}" for reason, count in sorted(self.dropped.items()))
        return (
            f"read {self.read} posts: {self.stored.inserted} new, {self.stored.updated} updated, "
            f"{self.stored.unchanged} unchanged; dropped {sum(self.dropped.values())}"
            + (f" ({dropped})" if dropped else "")
        )


def prepare(posts: Iterable[Post], matcher: BrandMatcher, summary: IngestSummary) -> list[Post]:
    """Normalise a batch and drop what no watched brand is about; drops are counted by reason."""
    kept: list[Post] = []
    for post in posts:
        summary.read += 1
        try:
            kept.append(normalise(post, matcher))
        except DropPost as drop:
            summary.dropped[drop.reason] += 1
    return kept


def enrich_missing(posts: list[Post], enricher: Enricher, store: Store | None = None) -> list[Post]:
    """Score only posts that arrive without enrichment; posts scored upstream keep their labels, and so do posts
    the store holds with the same text and labels (a second ingest of a file scores nothing again)."""
    [scored] = enricher.enrich_batches([with_stored_labels(posts, store)], keep_scored=True)
    return scored


def with_stored_labels(posts: list[Post], store: Store | None) -> list[Post]:
    """Posts without labels take those of their stored copy when its text is the same."""
    stored = store.get_posts([post.id for post in posts if post.sentiment is None]) if store is not None else {}
    return [_with_stored_labels(post, stored.get(post.id)) for post in posts]


def _with_stored_labels(post: Post, stored: Post | None) -> Post:
    if post.sentiment is not None or stored is None or stored.text != post.text:
        return post
    if stored.sentiment is None or stored.complaint is None:
        return post
    return post.with_changes(sentiment=stored.sentiment, complaint=stored.complaint)


def ingest(
    posts: Iterable[Post],
    *,
    matcher: BrandMatcher,
    enricher: Enricher | ParallelEnricher,
    store: Store,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[IngestSummary], None] | None = None,
) -> IngestSummary:
    """With a `ParallelEnricher`, batches are scored in worker processes while this one normalises the next and
    stores the last (`summary.read` then runs a few batches ahead of what is stored)."""
    summary = IngestSummary()
    prepared = (with_stored_labels(prepare(batch, matcher, summary), store) for batch in batched(posts, batch_size))
    for ready in enricher.enrich_batches(prepared, keep_scored=True):
        summary.stored += store.upsert_posts(ready)
        if on_batch is not None:
            on_batch(summary)
    logger.info("ingest: %s", summary)
    return summary
