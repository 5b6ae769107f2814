from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.enrich.enricher import Enricher
from pipeline.enrich.model_scorers import ModelComplaintScorer, ModelSentimentScorer
from pipeline.models import CATEGORIES, Complaint, Post, Sentiment
from tests.classifiers.helpers import TINY_CONFIG, write_tiny_corpora

TEXTS = ["京东客服太差了，退款拖了一个月，我要投诉", "顺丰小哥很快，满意", "", "//@某人:", "這家店服務很差！！！"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from classifiers.train import run_training

    corpora = write_tiny_corpora(tmp_path_factory.mktemp("corpora"))
    return run_training(corpora, tmp_path_factory.mktemp("models") / "vtest", TINY_CONFIG, progress=lambda _: None)


def test_sentiment_scorer_contract(model_dir: Path) -> None:
    sentiments = ModelSentimentScorer(model_dir).score(TEXTS)
    assert len(sentiments) == len(TEXTS)
    assert all(isinstance(s, Sentiment) and 0.0 <= s.score <= 1.0 for s in sentiments)
    assert {s.label for s in sentiments} <= {"negative", "neutral", "positive"}
    assert sentiments[0].score > sentiments[1].score
    assert ModelSentimentScorer(model_dir).score([]) == []


def test_sentiment_label_is_neutral_from_the_neutral_head_else_by_polarity(model_dir: Path) -> None:
    scorer = ModelSentimentScorer(model_dir)
    bundle = scorer.bundle
    neutral = bundle.neutral_probability(TEXTS)
    threshold = bundle.sentiment_head.neutral_threshold
    for sentiment, p_neutral in zip(scorer.score(TEXTS), neutral, strict=True):
        polarity = "negative" if sentiment.score >= 0.5 else "positive"
        assert sentiment.label == ("neutral" if p_neutral >= threshold else polarity)


def test_complaint_scorer_contract(model_dir: Path) -> None:
    sentiments = ModelSentimentScorer(model_dir).score(TEXTS)
    complaints = ModelComplaintScorer(model_dir).score(TEXTS, sentiments)
    assert len(complaints) == len(TEXTS)
    for complaint in complaints:
        assert isinstance(complaint, Complaint)
        assert 0.0 <= complaint.probability <= 1.0
        assert complaint.category in CATEGORIES
        assert 0 <= complaint.severity <= 3
        assert (complaint.severity == 0) == (not complaint.is_complaint)
        assert (complaint.category == "none") == (not complaint.is_complaint)
    assert complaints[0].is_complaint
    assert not complaints[1].is_complaint


def test_complaint_scorer_rejects_misaligned_sentiments(model_dir: Path) -> None:
    with pytest.raises(ValueError, match="2 texts but 1 sentiments"):
        ModelComplaintScorer(model_dir).score(["a", "b"], [Sentiment("neutral", 0.5)])


def test_enricher_with_model_scorers_fills_every_field(model_dir: Path) -> None:
    enricher = Enricher(ModelSentimentScorer(model_dir), ModelComplaintScorer(model_dir))
    post = Post.from_dict({"id": "weibo:1", "text": TEXTS[0], "created_at": "2026-11-22T10:00:00+08:00"})
    [enriched] = enricher.enrich([post])
    assert enriched.sentiment is not None and enriched.complaint is not None
    assert enriched.to_dict()["complaint"]["severity_label"] in ("none", "minor", "major", "critical")
