from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from pipeline.enrich.enricher import Enricher, batched
from pipeline.enrich.model_scorers import ModelComplaintScorer, ModelSentimentScorer
from pipeline.enrich.parallel import ParallelEnricher
from pipeline.ingest import enrich_missing
from pipeline.models import Complaint, Post, Sentiment
from tests.classifiers.helpers import TINY_CONFIG, write_tiny_corpora
from tests.classifiers.test_hashing import varied_texts


def tiny_enricher(model_dir: Path) -> Enricher:
    """A worker's enricher: module-level, so that it pickles into spawned workers."""
    return Enricher(ModelSentimentScorer(model_dir), ModelComplaintScorer(model_dir))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from classifiers.train import run_training

    corpora = write_tiny_corpora(tmp_path_factory.mktemp("corpora"))
    return run_training(corpora, tmp_path_factory.mktemp("models") / "vtest", TINY_CONFIG, progress=lambda _: None)


@pytest.fixture(scope="module")
def pool(model_dir: Path) -> Iterator[ParallelEnricher]:
    with ParallelEnricher(workers=2, factory=partial(tiny_enricher, model_dir), ahead=3) as enricher:
        yield enricher


def _posts(count: int = 300) -> list[Post]:
    created = datetime(2026, 11, 1, tzinfo=UTC)
    return [Post(id=f"weibo:{index}", text=text, created_at=created) for index, text in enumerate(varied_texts(count))]


def test_a_pool_gives_the_posts_the_enricher_gives_in_order(pool: ParallelEnricher, model_dir: Path) -> None:
    posts = _posts()
    batches = [posts[:1], [], posts[1:120], posts[120:121], posts[121:]]
    expected = [tiny_enricher(model_dir).enrich(batch) for batch in batches]
    assert list(pool.enrich_batches(batches)) == expected


def test_one_worker_enriches_in_this_process(model_dir: Path) -> None:
    posts = _posts(50)
    with ParallelEnricher(workers=1, factory=partial(tiny_enricher, model_dir)) as enricher:
        assert enricher._pool is None
        assert list(enricher.enrich_batches([posts[:20], posts[20:]])) == [
            tiny_enricher(model_dir).enrich(posts[:20]),
            tiny_enricher(model_dir).enrich(posts[20:]),
        ]


def test_batches_are_read_only_a_few_ahead_of_what_was_handed_back(pool: ParallelEnricher) -> None:
    read = 0

    def batches() -> Iterator[list[Post]]:
        nonlocal read
        for batch in batched(_posts(200), 10):
            read += 1
            yield batch

    results = pool.enrich_batches(batches())
    next(results)
    assert read == 3  # `ahead` batches in flight, the first of them handed back
    results.close()  # stopping early leaves the pool usable
    assert len(next(pool.enrich_batches([_posts(5)]))) == 5


@pytest.mark.parametrize("workers", [1, 2])
def test_posts_scored_upstream_keep_their_labels_as_in_ingest(
    workers: int, pool: ParallelEnricher, model_dir: Path
) -> None:
    posts = _posts(60)
    upstream = Post(id="weibo:up", text="京东客服太差了", created_at=posts[0].created_at)
    upstream = upstream.with_changes(
        sentiment=Sentiment(label="positive", score=0.0), complaint=Complaint(is_complaint=False, probability=0.0)
    )
    batch = [*posts[:30], upstream, *posts[30:]]
    expected = enrich_missing(batch, tiny_enricher(model_dir))
    if workers == 1:
        with ParallelEnricher(workers=1, factory=partial(tiny_enricher, model_dir)) as local:
            assert list(local.enrich_batches([batch], keep_scored=True)) == [expected]
    else:
        assert list(pool.enrich_batches([batch], keep_scored=True)) == [expected]
    assert expected[30] is upstream


def test_a_closed_enricher_says_so(model_dir: Path) -> None:
    enricher = ParallelEnricher(workers=1, factory=partial(tiny_enricher, model_dir))
    enricher.close()
    with pytest.raises(RuntimeError, match="closed"):
        next(enricher.enrich_batches([_posts(2)]))


def test_at_least_one_worker() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ParallelEnricher(workers=0)
