"""The sentiment head: P(negative) for polarity, and a separate P(neutral) that decides the neutral label.

Most sentiment corpora label polarity only (a review is praise or a grumble; weibo_senti_100k's labels come
from emoticons), so one head learns negative vs positive from all of them. Only smp2020 labels Weibo posts
as neutral, so a second head learns neutral vs emotional from smp2020 alone. A post is neutral when
P(neutral) reaches `neutral_threshold`; otherwise its polarity decides. A fixed band around P(negative) = 0.5
does worse: a confident-sounding news post or question is neither uncertain nor emotional.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from classifiers.labels import SentimentLabel


def _compact(model: LogisticRegression) -> LogisticRegression:
    """float32 weights: halves the artifact; predictions differ below 1e-6."""
    model.coef_ = model.coef_.astype(np.float32)
    return model


class SentimentClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """`fit(X, negative, neutral=..., sample_weight=...)`: `negative` is 1/0 for rows with a polarity label and
    -1 for rows without one; `neutral` is 1/0 for rows whose corpus labels neutrality and -1 elsewhere.

    `predict_proba(X)` gives [P(positive), P(negative)] (the complaint model uses the second column);
    `neutral_probability(X)` P(neutral); `labels(X)` the three-way label.

    Args:
        c: inverse regularisation of the polarity head.
        c_neutral: inverse regularisation of the neutral head.
        neutral_threshold: P(neutral) at or above which a post is labelled neutral.
        max_iter: solver iterations of each head.
    """

    def __init__(
        self, c: float = 4.0, c_neutral: float = 4.0, neutral_threshold: float = 0.4, max_iter: int = 300
    ) -> None:
        self.c = c
        self.c_neutral = c_neutral
        self.neutral_threshold = neutral_threshold
        self.max_iter = max_iter

    def fit(
        self,
        features: Any,
        negative: ArrayLike,
        neutral: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> SentimentClassifier:
        polarity = np.asarray(negative, dtype=np.int64)
        weights = np.ones(len(polarity)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        polar = polarity >= 0
        self.classes_ = np.array([0, 1])
        self.polarity_ = _compact(
            LogisticRegression(C=self.c, max_iter=self.max_iter).fit(
                features[polar], polarity[polar], sample_weight=weights[polar]
            )
        )
        neutrality = np.full(len(polarity), -1) if neutral is None else np.asarray(neutral, dtype=np.int64)
        labelled = neutrality >= 0
        self.neutral_: LogisticRegression | None = None
        if len(np.unique(neutrality[labelled])) == 2:
            self.neutral_ = _compact(
                LogisticRegression(C=self.c_neutral, max_iter=self.max_iter).fit(
                    features[labelled], neutrality[labelled]
                )
            )
        return self

    def predict_proba(self, features: Any) -> NDArray[np.float64]:
        return np.asarray(self.polarity_.predict_proba(features), dtype=np.float64)

    def predict(self, features: Any) -> NDArray[np.int64]:
        return (self.predict_proba(features)[:, 1] >= 0.5).astype(np.int64)

    def neutral_probability(self, features: Any) -> NDArray[np.float64]:
        """P(neutral); zeros when no neutral-labelled data was seen in training."""
        if self.neutral_ is None:
            return np.zeros(features.shape[0])
        return np.asarray(self.neutral_.predict_proba(features)[:, 1], dtype=np.float64)

    def labels(self, features: Any) -> list[SentimentLabel]:
        return [
            label_for(negative, neutral, self.neutral_threshold)
            for negative, neutral in zip(
                self.predict_proba(features)[:, 1], self.neutral_probability(features), strict=True
            )
        ]


def label_for(p_negative: float, p_neutral: float, neutral_threshold: float) -> SentimentLabel:
    if p_neutral >= neutral_threshold:
        return "neutral"
    return "negative" if p_negative >= 0.5 else "positive"
