"""The client's baseline as an evaluation predictor: snownlp sentiment with the keyword complaint rules, scored
by `classifiers.evaluate` beside the trained models (`yuqing model evaluate`, benchmarks/classifiers.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from classifiers.complaint_model import ComplaintPrediction
from pipeline.enrich.complaint_rules import RuleComplaintScorer
from pipeline.enrich.sentiment import _from_positive_probability


class SnowNLPPredictor:
    """The client's baseline: snownlp sentiment plus the keyword complaint rules of `pipeline.enrich`."""

    def __init__(self, classifier: object | None = None) -> None:
        self.classifier = classifier  # a retrained snownlp `Sentiment`, or None for the stock model

    def negative_probability(self, texts: Sequence[str]) -> NDArray[np.float64]:
        if self.classifier is not None:
            return np.array([1.0 - self.classifier.classify(text) if text else 0.5 for text in texts])  # type: ignore[attr-defined]
        from snownlp import SnowNLP

        return np.array([1.0 - SnowNLP(text).sentiments if text else 0.5 for text in texts])

    def sentiments_labels(self, texts: Sequence[str]) -> list[str]:
        return [_from_positive_probability(1.0 - p).label for p in self.negative_probability(texts)]

    def complaint_predictions(self, texts: Sequence[str]) -> ComplaintPrediction:
        sentiments = [_from_positive_probability(1.0 - p) for p in self.negative_probability(texts)]
        complaints = RuleComplaintScorer().score(list(texts), sentiments)
        return ComplaintPrediction(
            np.array([c.probability for c in complaints]),
            np.array([c.is_complaint for c in complaints], dtype=bool),
            np.array([c.severity for c in complaints], dtype=np.int64),
            [c.category for c in complaints],
        )
