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
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from classifiers.artifacts import load_card, load_models, model_dir_for
from classifiers.complaint_model import ComplaintPrediction
from classifiers.errors import ModelError
from classifiers.labels import SentimentLabel
from classifiers.sentiment_model import label_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SentimentOutput:
    """The sentiment model's answer for one text (the pipeline turns it into a post's `Sentiment`)."""

    label: SentimentLabel
    p_negative: float  # in [0, 1]


@dataclass(frozen=True, slots=True)
class ComplaintOutput:
    """The complaint model's answer for one text (the pipeline turns it into a post's `Complaint`)."""

    is_complaint: bool
    probability: float  # in [0, 1]
    severity: int  # 0-3
    category: str  # one of `classifiers.labels.CATEGORIES`


class ModelBundle:
    """The sentiment and complaint models of one version directory."""

    def __init__(self, directory: Path) -> None:
        started = time.perf_counter()
        self.directory = directory
        self.sentiment_pipeline, self.complaint_pipeline = load_models(directory)
        self.sentiment_card = load_card(directory, "sentiment")
        self.complaint_card = load_card(directory, "complaint")
        try:
            # The complaint features are the sentiment features plus, last, the category cue columns (if any).
            self.featurizer = self.complaint_pipeline.named_steps["features"]
            sentiment_features = self.sentiment_pipeline.named_steps["features"]
            self.sentiment_head = self.sentiment_pipeline.named_steps["classifier"]
            self.complaint_head = self.complaint_pipeline.named_steps["classifier"]
        except (AttributeError, KeyError) as exc:
            raise ModelError(f"{directory}: models are not the expected pipelines") from exc
        if not hasattr(self.sentiment_head, "neutral_probability"):
            raise ModelError(f"{directory}: sentiment model has no neutral head (made by an older version; retrain)")
        if {**self.featurizer.get_params(), "category_weight": 0.0} != sentiment_features.get_params():
            raise ModelError(f"{directory}: sentiment and complaint models use different features")
        self._sentiment_width = self.featurizer.category_columns().start
        self._lock = threading.Lock()
        self._last_rows: dict[str, int] = {}
        self._last_matrix: sparse.csr_matrix = self.featurizer.transform([])
        self.load_seconds = time.perf_counter() - started
        logger.info("loaded models %s in %.2f s", directory, self.load_seconds)

    @property
    def version(self) -> str:
        return str(self.sentiment_card.get("version", self.directory.name))

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Feature rows of `texts`. Rows of the previous call are reused: sentiment and complaint are scored
        one after the other on the same posts, on texts that differ only for reposts."""
        wanted = list(texts)
        with self._lock:
            rows, matrix = self._last_rows, self._last_matrix
        missing = [text for text in dict.fromkeys(wanted) if text not in rows]
        if missing == wanted:  # nothing to reuse (the sentiment call of a new batch): no stacking, no reindexing
            result = self.featurizer.transform(wanted)
        else:
            if missing:
                rows = {**rows, **{text: matrix.shape[0] + index for index, text in enumerate(missing)}}
                matrix = sparse.vstack([matrix, self.featurizer.transform(missing)], format="csr")
            result = matrix[[rows[text] for text in wanted]]
        with self._lock:
            self._last_rows = {text: index for index, text in enumerate(wanted)}
            self._last_matrix = result
        return result

    def _sentiment_features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.features(texts)[:, : self._sentiment_width]

    def negative_probability(self, texts: Sequence[str]) -> NDArray[np.float64]:
        if not texts:
            return np.zeros(0)
        return np.asarray(self.sentiment_head.predict_proba(self._sentiment_features(texts))[:, 1], dtype=np.float64)

    def neutral_probability(self, texts: Sequence[str]) -> NDArray[np.float64]:
        if not texts:
            return np.zeros(0)
        return np.asarray(self.sentiment_head.neutral_probability(self._sentiment_features(texts)), dtype=np.float64)

    def sentiments(self, texts: Sequence[str]) -> list[SentimentOutput]:
        if not texts:
            return []
        features = self._sentiment_features(texts)
        # The head's `labels`, without computing P(negative) a second time for the scores.
        negative = self.sentiment_head.predict_proba(features)[:, 1]
        neutral = self.sentiment_head.neutral_probability(features)
        threshold = self.sentiment_head.neutral_threshold
        return [
            SentimentOutput(label_for(p_negative, p_neutral, threshold), min(max(float(p_negative), 0.0), 1.0))
            for p_negative, p_neutral in zip(negative, neutral, strict=True)
        ]

    def complaint_predictions(self, texts: Sequence[str]) -> ComplaintPrediction:
        prediction: ComplaintPrediction = self.complaint_head.predict_all(self.features(texts))
        return prediction

    def complaints(self, texts: Sequence[str]) -> list[ComplaintOutput]:
        if not texts:
            return []
        predicted = self.complaint_predictions(texts)
        return [
            ComplaintOutput(
                is_complaint=bool(flag),
                probability=min(max(float(probability), 0.0), 1.0),
                severity=int(severity),
                category=category,
            )
            for flag, probability, severity, category in zip(
                predicted.is_complaint, predicted.probability, predicted.severity, predicted.category, strict=True
            )
        ]

    def classify(self, texts: Sequence[str]) -> list[tuple[SentimentOutput, ComplaintOutput]]:
        return list(zip(self.sentiments(texts), self.complaints(texts), strict=True))


@cache
def load_bundle(directory: Path) -> ModelBundle:
    """One `ModelBundle` per directory per process."""
    return ModelBundle(directory)


def default_bundle(data_dir: Path | None = None) -> ModelBundle:
    return load_bundle(model_dir_for(data_dir))
