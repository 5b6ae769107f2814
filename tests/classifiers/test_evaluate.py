from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from classifiers.complaint_model import ComplaintPrediction
from classifiers.corpora import ComplaintExample, SentimentExample
from classifiers.evaluate import (
    EvalSets,
    category_report,
    complaint_metrics,
    evaluate,
    format_table,
    sentiment_metrics,
)


def test_sentiment_metrics_use_p_negative_at_one_half() -> None:
    metrics = sentiment_metrics([1, 0, 1, 0], np.array([0.9, 0.2, 0.4, 0.6]))
    assert metrics["accuracy"] == pytest.approx(0.5)
    assert metrics["negative_share"] == pytest.approx(0.5)


def test_complaint_metrics_score_severity_as_ordinal_too() -> None:
    truth = [
        ComplaintExample("1", "weibo_brand", "a", 1, 3, "safety"),
        ComplaintExample("2", "weibo_brand", "b", 0, 0, "none"),
        ComplaintExample("3", "waimai_10k", "c", 1, 1, "delivery"),
    ]
    predicted = ComplaintPrediction(
        np.array([0.9, 0.1, 0.8]), np.array([True, False, True]), np.array([2, 0, 1]), ["safety", "none", "delivery"]
    )
    metrics = complaint_metrics(truth, predicted)
    assert metrics["complaint_f1"] == pytest.approx(1.0)
    assert metrics["severity_mae"] == pytest.approx(1 / 3)
    assert metrics["category_macro_f1"] == pytest.approx(1.0)
    assert metrics["severity_macro_f1"] < 1.0


def test_complaint_metrics_report_precision_and_recall() -> None:
    truth = [
        ComplaintExample("1", "weibo_brand", "a", 1, 2, "service"),
        ComplaintExample("2", "weibo_brand", "b", 1, 1, "price"),
        ComplaintExample("3", "weibo_brand", "c", 1, 1, "quality"),
        ComplaintExample("4", "weibo_brand", "d", 0, 0, "none"),
    ]
    # one complaint caught, two missed, one false complaint
    predicted = ComplaintPrediction(
        np.array([0.9, 0.1, 0.2, 0.7]),
        np.array([True, False, False, True]),
        np.array([2, 0, 0, 1]),
        ["service", "none", "none", "other"],
    )
    metrics = complaint_metrics(truth, predicted)
    assert metrics["complaint_precision"] == pytest.approx(1 / 2)
    assert metrics["complaint_recall"] == pytest.approx(1 / 3)
    table = format_table({"ours": {"complaints_zh_gold": metrics}})
    assert "| complaints_zh_gold | complaint precision | 4 | 0.500 |" in table
    assert "| complaints_zh_gold | complaint recall | 4 | 0.333 |" in table


def test_table_shows_rows_that_only_one_system_has() -> None:
    table = format_table(
        {
            "snownlp": {"smp2020": {"n": 10, "accuracy": 0.7}},
            "ours": {"smp2020": {"n": 10, "accuracy": 0.85}, "full": {"n": 99, "accuracy": 0.8}},
        }
    )
    assert "| smp2020 | acc | 10 | 0.700 | 0.850 |" in table
    assert "| full | acc | 99 | – | 0.800 |" in table


class _ReadsOnlyEmoticons:
    """Negative exactly when the post carries [怒], positive otherwise: right on every tagged post here."""

    def negative_probability(self, texts: Sequence[str]) -> NDArray[np.float64]:
        return np.array([0.9 if "[怒]" in text else 0.1 for text in texts])

    def sentiments_labels(self, texts: Sequence[str]) -> list[str]:
        return ["negative" if "[怒]" in text else "positive" for text in texts]

    def complaint_predictions(self, texts: Sequence[str]) -> ComplaintPrediction:
        raise AssertionError("no complaint set given")


def test_posts_with_emoticon_tags_are_also_reported_on_their_own() -> None:
    examples = [
        SentimentExample("客服不理人[怒]", 1, "smp2020", "angry"),
        SentimentExample("好开心[哈哈]", 0, "smp2020", "happy"),
        SentimentExample("太失望了", 1, "smp2020", "sad"),
        SentimentExample("很好", 0, "smp2020", "happy"),
    ] * 20
    few_tags = [SentimentExample("好[哈哈]", 0, "weibo_senti_100k"), SentimentExample("差", 1, "weibo_senti_100k")]
    sets = EvalSets(sentiment={"smp2020": examples, "weibo_senti_100k": few_tags}, complaints=[])
    results = evaluate(_ReadsOnlyEmoticons(), sets)
    assert results["smp2020/with emoticons"]["n"] == 40
    assert results["smp2020/with emoticons"]["accuracy"] == pytest.approx(1.0)
    assert results["smp2020"]["accuracy"] == pytest.approx(0.75)
    assert "weibo_senti_100k/with emoticons" not in results  # one tagged post says nothing


def test_category_report_counts_only_complaints_found() -> None:
    examples = [
        ComplaintExample("1", "t", "a", 1, 3, "safety"),
        ComplaintExample("2", "t", "b", 1, 2, "safety"),
        ComplaintExample("3", "t", "c", 1, 2, "quality"),
        ComplaintExample("4", "t", "d", 1, 1, "integrity"),  # missed: no category to judge
        ComplaintExample("5", "t", "e", 0, 0, "none"),
    ]
    predicted = ComplaintPrediction(
        np.array([0.9, 0.8, 0.7, 0.1, 0.6]),
        np.array([True, True, True, False, True]),
        np.array([3, 2, 2, 0, 1]),
        ["safety", "quality", "quality", "none", "price"],
    )
    report = category_report(examples, predicted)
    assert report.categories == ("quality", "safety")
    assert report.confusion == {"quality": {"quality": 1, "safety": 0}, "safety": {"quality": 1, "safety": 1}}
    assert report.recall == {"quality": 1.0, "safety": 0.5}
    assert report.precision == {"quality": 0.5, "safety": 1.0}
    assert report.support == {"quality": 1, "safety": 2}
    assert report.markdown().splitlines()[2] == "| quality | 1 | 0 | 1 | 0.50 | 1.00 |"
