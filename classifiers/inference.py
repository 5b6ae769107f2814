"""Trained models at inference time: loaded once per process, no network, no training data.

`ModelBundle.classify(texts)` featurises a batch once and runs both models on the same matrix; the last
batch's features are kept so that the sentiment and complaint scorers, called one after the other on the
same texts, featurise once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from classifiers.artifacts import load_card, load_model, model_dir_for
from classifiers.complaint_model import ComplaintPrediction
from pipeline.exceptions import ModelError
from pipeline.models import Complaint, Sentiment, SentimentLabel

logger = logging.getLogger(__name__)

DEFAULT_NEUTRAL_BAND = (0.4, 0.6)


class ModelBundle:
    """The sentiment and complaint models of one version directory."""

    def __init__(self, directory: Path) -> None:
        started = time.perf_counter()
        self.directory = directory
        self.sentiment_pipeline: Any = load_model(directory, "sentiment")
        self.complaint_pipeline: Any = load_model(directory, "complaint")
        self.sentiment_card = load_card(directory, "sentiment")
        self.complaint_card = load_card(directory, "complaint")
        band = self.sentiment_card.get("neutral_band", DEFAULT_NEUTRAL_BAND)
        self.positive_below, self.negative_from = float(band[0]), float(band[1])
        try:
            self.featurizer = self.sentiment_pipeline.named_steps["features"]
            self.sentiment_head = self.sentiment_pipeline.named_steps["classifier"]
            self.complaint_head = self.complaint_pipeline.named_steps["classifier"]
        except (AttributeError, KeyError) as exc:
            raise ModelError(f"{directory}: models are not the expected pipelines") from exc
        if self.featurizer.get_params() != self.complaint_pipeline.named_steps["features"].get_params():
            raise ModelError(f"{directory}: sentiment and complaint models use different features")
        self._lock = threading.Lock()
        self._last: tuple[tuple[str, ...], sparse.csr_matrix] | None = None
        self.load_seconds = time.perf_counter() - started
        logger.info("loaded models %s in %.2f s", directory, self.load_seconds)

    @property
    def version(self) -> str:
        return str(self.sentiment_card.get("version", self.directory.name))

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        key = tuple(texts)
        with self._lock:
            if self._last is not None and self._last[0] == key:
                return self._last[1]
        matrix = self.featurizer.transform(list(key))
        with self._lock:
            self._last = (key, matrix)
        return matrix

    def negative_probability(self, texts: Sequence[str]) -> NDArray[np.float64]:
        if not texts:
            return np.zeros(0)
        return np.asarray(self.sentiment_head.predict_proba(self.features(texts))[:, 1], dtype=np.float64)

    def sentiments(self, texts: Sequence[str]) -> list[Sentiment]:
        return [self.sentiment_from_probability(p) for p in self.negative_probability(texts)]

    def sentiment_from_probability(self, p_negative: float) -> Sentiment:
        label: SentimentLabel
        if p_negative >= self.negative_from:
            label = "negative"
        elif p_negative < self.positive_below:
            label = "positive"
        else:
            label = "neutral"
        return Sentiment(label=label, score=min(max(float(p_negative), 0.0), 1.0))

    def complaint_predictions(self, texts: Sequence[str]) -> ComplaintPrediction:
        prediction: ComplaintPrediction = self.complaint_head.predict_all(self.features(texts))
        return prediction

    def complaints(self, texts: Sequence[str]) -> list[Complaint]:
        if not texts:
            return []
        predicted = self.complaint_predictions(texts)
        return [
            Complaint(
                is_complaint=bool(flag),
                probability=min(max(float(probability), 0.0), 1.0),
                severity=int(severity),
                category=category,
            )
            for flag, probability, severity, category in zip(
                predicted.is_complaint, predicted.probability, predicted.severity, predicted.category, strict=True
            )
        ]

    def classify(self, texts: Sequence[str]) -> list[tuple[Sentiment, Complaint]]:
        return list(zip(self.sentiments(texts), self.complaints(texts), strict=True))


@cache
def load_bundle(directory: Path) -> ModelBundle:
    """One `ModelBundle` per directory per process."""
    return ModelBundle(directory)


def default_bundle(data_dir: Path | None = None) -> ModelBundle:
    return load_bundle(model_dir_for(data_dir))
