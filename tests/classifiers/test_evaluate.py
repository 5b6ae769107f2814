from __future__ import annotations

import numpy as np
import pytest

from classifiers.complaint_model import ComplaintPrediction
from classifiers.corpora import ComplaintExample
from classifiers.evaluate import complaint_metrics, format_table, sentiment_metrics


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


def test_table_shows_rows_that_only_one_system_has() -> None:
    table = format_table(
        {
            "snownlp": {"smp2020": {"n": 10, "accuracy": 0.7}},
            "ours": {"smp2020": {"n": 10, "accuracy": 0.85}, "full": {"n": 99, "accuracy": 0.8}},
        }
    )
    assert "| smp2020 | acc | 10 | 0.700 | 0.850 |" in table
    assert "| full | acc | 99 | – | 0.800 |" in table
