"""Enrichment spread over processes: batches of posts scored by a pool of workers, results in order.

Each worker builds its own enricher once (models load once per worker, in its initialiser) and scores the
texts it is sent. Only texts go to a worker and only plain tuples come back: pickling whole posts both ways
cost as much as scoring them. The texts are chosen as `Enricher.enrich` chooses them (sentiment on the
author's own words, complaint on the whole text), and `tests/pipeline/enrich/test_parallel.py` checks that
both give the same posts.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from types import TracebackType

from pipeline.enrich.enricher import Enricher
from pipeline.enrich.registry import DEFAULT_SCORER, make_enricher
from pipeline.models import Complaint, Post, Sentiment, SentimentLabel
from pipeline.normalise import text_for_scoring

# (sentiment label, P(negative), is complaint, P(complaint), severity, category) of one post.
Scores = tuple[SentimentLabel, float, bool, float, int, str]

_worker_enricher: Enricher | None = None


class ParallelEnricher:
    """Enriches batches of posts in `workers` processes and yields them back in the order they came.

    Args:
        workers: processes; 1 scores in this process, without a pool.
        factory: makes a worker's enricher; it must pickle (a module-level function, or a
            `functools.partial` of one). Default: the registry's enricher for `DEFAULT_SCORER`.
        ahead: batches in flight at most (default twice the workers), so that memory stays flat however
            long the input.
        start_method: how workers start ("spawn" by default: no state inherited from this process, the
            same on every platform).

    Use it as a context manager (the pool is shut down on exit):

        with ParallelEnricher(workers=2) as enricher:
            for batch in enricher.enrich_batches(batched(posts, 512)):
                store.upsert_posts(batch)
    """

    def __init__(
        self,
        workers: int = 2,
        factory: Callable[[], Enricher] | None = None,
        *,
        ahead: int | None = None,
        start_method: str = "spawn",
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.workers = workers
        self._ahead = ahead if ahead is not None else 2 * workers
        factory = factory if factory is not None else partial(make_enricher, DEFAULT_SCORER)
        self._local: Enricher | None = factory() if workers == 1 else None
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context(start_method),
                initializer=_start_worker,
                initargs=(factory,),
            )

    def enrich_batches(self, batches: Iterable[Sequence[Post]], *, keep_scored: bool = False) -> Iterator[list[Post]]:
        """Each batch enriched as `Enricher.enrich` enriches it, in input order. With `keep_scored`, posts that
        arrive with both a sentiment and a complaint keep them and are not sent to be scored (what
        `pipeline.ingest.enrich_missing` does in process)."""
        if self._pool is None and self._local is None:
            raise RuntimeError("the enricher is closed")
        pending: deque[tuple[Sequence[Post], list[int], Future[list[Scores]] | list[Scores]]] = deque()
        try:
            for batch in batches:
                chosen = [index for index, post in enumerate(batch) if not (keep_scored and _is_scored(post))]
                texts = _scoring_texts([batch[index] for index in chosen])
                if self._pool is None:
                    pending.append((batch, chosen, _scores(self._local, *texts)))
                else:
                    pending.append((batch, chosen, self._pool.submit(_score_in_worker, *texts)))
                if len(pending) >= self._ahead:
                    yield _with_scores(*pending.popleft())
            while pending:
                yield _with_scores(*pending.popleft())
        finally:
            for _, _, scores in pending:  # the caller stopped early or a batch failed
                if isinstance(scores, Future):
                    scores.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._local = None

    def __enter__(self) -> ParallelEnricher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _is_scored(post: Post) -> bool:
    return post.sentiment is not None and post.complaint is not None


def _scoring_texts(posts: Sequence[Post]) -> tuple[list[str], list[str]]:
    """The sentiment and the complaint input of each post, as `Enricher.enrich` chooses them."""
    return [text_for_scoring(post.text) for post in posts], [post.text for post in posts]


def _with_scores(posts: Sequence[Post], chosen: list[int], scores: Future[list[Scores]] | list[Scores]) -> list[Post]:
    """`posts` with the scores of the `chosen` ones put in."""
    done = scores.result() if isinstance(scores, Future) else scores
    enriched = list(posts)
    for index, (label, negative, flag, probability, severity, category) in zip(chosen, done, strict=True):
        enriched[index] = posts[index].with_changes(
            sentiment=Sentiment(label=label, score=negative),
            complaint=Complaint(is_complaint=flag, probability=probability, severity=severity, category=category),
        )
    return enriched


def _start_worker(factory: Callable[[], Enricher]) -> None:
    global _worker_enricher
    _worker_enricher = factory()
    _worker_enricher.sentiment.score([])  # loads the models now rather than in the first batch
    # The models are a few hundred thousand objects that live as long as the worker: kept out of the
    # collector's full passes, which would otherwise walk them all every few batches.
    gc.freeze()


def _score_in_worker(sentiment_texts: list[str], complaint_texts: list[str]) -> list[Scores]:
    assert _worker_enricher is not None, "worker used before its initialiser ran"
    return _scores(_worker_enricher, sentiment_texts, complaint_texts)


def _scores(enricher: Enricher | None, sentiment_texts: list[str], complaint_texts: list[str]) -> list[Scores]:
    assert enricher is not None
    sentiments = enricher.sentiment.score(sentiment_texts)
    complaints = enricher.complaint.score(complaint_texts, sentiments)
    return [
        (
            sentiment.label,
            sentiment.score,
            complaint.is_complaint,
            complaint.probability,
            complaint.severity,
            complaint.category,
        )
        for sentiment, complaint in zip(sentiments, complaints, strict=True)
    ]
