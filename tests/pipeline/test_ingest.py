"""normalise → enrich → store: a second ingest of the same posts scores none of them again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.config import BrandConfig
from pipeline.enrich.complaint_rules import RuleComplaintScorer
from pipeline.enrich.enricher import Enricher
from pipeline.ingest import ingest
from pipeline.models import Post, Sentiment
from pipeline.normalise import BrandMatcher
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post


class CountingSentimentScorer:
    """A fixed-rule sentiment scorer that remembers which texts it was asked to score."""

    name = "counting"

    def __init__(self) -> None:
        self.scored: list[str] = []

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        self.scored.extend(texts)
        return [Sentiment("negative" if "慢" in text else "positive", 0.8 if "慢" in text else 0.2) for text in texts]


def _posts(texts: list[str]) -> list[Post]:
    return [Post.from_dict(make_post(id=f"weibo:{n}", text=text, brand=None)) for n, text in enumerate(texts)]


def test_a_second_ingest_scores_only_posts_whose_text_changed(tmp_path: Path) -> None:
    sentiment = CountingSentimentScorer()
    enricher = Enricher(sentiment, RuleComplaintScorer())
    matcher = BrandMatcher([BrandConfig(name="顺丰")])
    with SQLiteStore(tmp_path / "posts.db") as store:
        first = ingest(_posts(["顺丰快递太慢", "顺丰服务很好"]), matcher=matcher, enricher=enricher, store=store)
        assert first.stored.inserted == 2 and len(sentiment.scored) == 2

        again = ingest(
            _posts(["顺丰快递太慢", "顺丰服务很好，就是有点慢"]), matcher=matcher, enricher=enricher, store=store
        )
        assert sentiment.scored[2:] == ["顺丰服务很好，就是有点慢"]  # the unchanged post kept its labels
        assert (again.stored.updated, again.stored.unchanged) == (1, 1)
        stored = store.get_post("weibo:1")
        assert stored is not None and stored.sentiment is not None and stored.sentiment.label == "negative"
