"""Adds sentiment and complaint enrichment to posts, in batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from pipeline.enrich.base import ComplaintScorer, SentimentScorer
from pipeline.models import Post
from pipeline.normalise import text_for_scoring

DEFAULT_BATCH_SIZE = 512


class Enricher:
    """Sentiment is scored on the words the author wrote (`text_for_scoring`: a bare repost inherits the
    sentiment of the chain it passes on); complaint on the whole text, because the grievance a repost
    passes on often sits in its `//@name:` chain (the complaint model is trained on such texts)."""

    def __init__(self, sentiment: SentimentScorer, complaint: ComplaintScorer) -> None:
        self.sentiment = sentiment
        self.complaint = complaint

    def enrich(self, posts: Sequence[Post]) -> list[Post]:
        sentiments = self.sentiment.score([text_for_scoring(post.text) for post in posts])
        complaints = self.complaint.score([post.text for post in posts], sentiments)
        return [
            post.with_changes(sentiment=sentiment, complaint=complaint)
            for post, sentiment, complaint in zip(posts, sentiments, complaints, strict=True)
        ]

    def enrich_batches(self, batches: Iterable[Sequence[Post]], *, keep_scored: bool = False) -> Iterator[list[Post]]:
        """Each batch enriched, in order; with `keep_scored`, posts that arrive with both labels keep them and are
        not scored (the same contract as `pipeline.enrich.parallel.ParallelEnricher`)."""
        for batch in batches:
            result = list(batch)
            missing = [i for i, post in enumerate(result) if not (keep_scored and post.sentiment and post.complaint)]
            for index, post in zip(missing, self.enrich([result[i] for i in missing]) if missing else [], strict=True):
                result[index] = post
            yield result

    def enrich_stream(self, posts: Iterable[Post], batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Post]:
        for batch in batched(posts, batch_size):
            yield from self.enrich(batch)


def batched(items: Iterable[Post], size: int) -> Iterator[list[Post]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
