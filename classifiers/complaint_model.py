"""The complaint head: is-complaint, ordinal severity and category from shared text features.

Severity respects the order of its levels: two cumulative binary models give P(severity ≥ 2 | complaint)
and P(severity ≥ 3 | complaint), the second capped by the first, so a post is never "critical" without
also being at least "major". A fitted sentiment head (linear, on the same features) adds P(negative) as
one more column, and a fitted `LatentSemantics` adds dense semantic coordinates: both were learnt from
~150k sentiment-corpus texts, the complaint data has 1.6k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from classifiers.category_cues import CATEGORY_CUES
from classifiers.labels import CATEGORIES

COMPLAINT_CATEGORIES: tuple[str, ...] = tuple(category for category in CATEGORIES if category != "none")
CUE_LISTS: tuple[str, ...] = tuple(category for category, _ in CATEGORY_CUES)  # the order of the cue columns


@dataclass(frozen=True, slots=True)
class ComplaintPrediction:
    """Column-wise predictions for a batch: one entry per text."""

    probability: NDArray[np.float64]
    is_complaint: NDArray[np.bool_]
    severity: NDArray[np.int64]
    category: list[str]


def _fit_binary(
    features: sparse.csr_matrix, target: NDArray[Any], weights: NDArray[np.float64], c: float
) -> LogisticRegression | float:
    """A logistic model, or the constant rate when the target has one class only (tiny training sets)."""
    if len(np.unique(target)) < 2:
        return float(target[0]) if len(target) else 0.0
    return LogisticRegression(C=c, max_iter=2000).fit(features, target, sample_weight=weights)


def _positive_probability(model: LogisticRegression | float, features: sparse.csr_matrix) -> NDArray[np.float64]:
    if isinstance(model, float):
        return np.full(features.shape[0], model)
    return np.asarray(model.predict_proba(features)[:, 1], dtype=np.float64)


class ComplaintClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Complaint, severity (0-3, ordinal) and category, fitted on severity labels plus categories.

    `fit(X, severity, categories=..., sample_weight=...)`: severity 0 means "not a complaint".
    `predict(X)` returns severities; `predict_proba(X)` the two columns [P(no complaint), P(complaint)];
    `predict_all(X)` every output at once.

    Args:
        sentiment_head: a fitted binary classifier on the same features whose class 1 is "negative".
        sentiment_weight: scale of its P(negative) column.
        semantics: a fitted `classifiers.semantics.LatentSemantics` on the same features, or None.
        semantics_weight: scale of its (unit-length) coordinates.
        c_complaint, c_severity, c_category: inverse regularisation of the three parts.
        category_only: how many of the last feature columns only the category head reads (the featuriser's
            category cue columns): they name what a complaint is about, not whether it is one. They also keep
            "other" from posts that hold cue words of specific categories only (see `categories`).
        threshold: P(complaint) at or above which a post is called a complaint.
        major_cut, critical_cut: P(severity ≥ 2) and P(severity ≥ 3) at or above which a complaint is major
            or critical. Critical complaints are rare in training, so a cut below 0.5 keeps them from being
            swallowed by "major" (both cuts chosen by cross-validation on the train split).
    """

    def __init__(
        self,
        sentiment_head: Any = None,
        sentiment_weight: float = 1.0,
        semantics: Any = None,
        semantics_weight: float = 2.0,
        c_complaint: float = 4.0,
        c_severity: float = 4.0,
        c_category: float = 4.0,
        category_only: int = 0,
        threshold: float = 0.5,
        major_cut: float = 0.5,
        critical_cut: float = 0.5,
    ) -> None:
        self.sentiment_head = sentiment_head
        self.sentiment_weight = sentiment_weight
        self.semantics = semantics
        self.semantics_weight = semantics_weight
        self.c_complaint = c_complaint
        self.c_severity = c_severity
        self.c_category = c_category
        self.category_only = category_only
        self.threshold = threshold
        self.major_cut = major_cut
        self.critical_cut = critical_cut

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Models saved before the category cue columns existed: every head read the same columns.
        state.setdefault("category_only", 0)
        if "columns_" in state:
            state.setdefault("category_columns_", state["columns_"])
        super().__setstate__(state)

    def _widened(self, features: Any) -> sparse.csr_matrix:
        """The features plus the P(negative) column and the semantic coordinates."""
        matrix = sparse.csr_matrix(features, dtype=np.float32)
        # The sentiment head and the coordinates were fitted on features without the category cue columns.
        shared = matrix[:, : matrix.shape[1] - self.category_only] if self.category_only else matrix
        if self.sentiment_head is None:
            negative = np.zeros(matrix.shape[0], dtype=np.float32)
        else:
            negative = np.asarray(self.sentiment_head.predict_proba(shared)[:, 1], dtype=np.float32)
        blocks = [matrix, sparse.csr_matrix((negative * self.sentiment_weight).reshape(-1, 1))]
        if self.semantics is not None:
            blocks.append(sparse.csr_matrix(self.semantics.transform(shared) * self.semantics_weight))
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    def _used_columns(self, features: Any) -> sparse.csr_matrix:
        """The widened matrix restricted to the columns seen in training: a column never seen gets a zero
        weight anyway, and dropping it makes fitting fast and the artifact small."""
        return self._widened(features)[:, self.columns_]

    def fit(
        self,
        features: Any,
        severity: ArrayLike,
        categories: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> ComplaintClassifier:
        widened = self._widened(features)
        seen = np.unique(widened.indices).astype(np.int64)
        n_features = features.shape[1]  # P(negative) and the semantic coordinates come after these
        category_only = (seen >= n_features - self.category_only) & (seen < n_features)
        self.columns_, self.category_columns_ = seen[~category_only], seen
        matrix = widened[:, self.columns_]
        levels = np.asarray(severity, dtype=np.int64)
        if levels.min(initial=0) < 0 or levels.max(initial=0) > 3:
            raise ValueError("severity labels must be 0-3")
        weights = np.ones(len(levels)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        labels = np.asarray(["other"] * len(levels) if categories is None else categories, dtype=object)
        self.classes_ = np.array([0, 1])
        self.complaint_ = _fit_binary(matrix, (levels > 0).astype(int), weights, self.c_complaint)
        complaints = levels > 0
        sub, sub_weights, sub_levels = matrix[complaints], weights[complaints], levels[complaints]
        self.at_least_major_ = _fit_binary(sub, (sub_levels >= 2).astype(int), sub_weights, self.c_severity)
        self.at_least_critical_ = _fit_binary(sub, (sub_levels >= 3).astype(int), sub_weights, self.c_severity)
        sub_categories = labels[complaints]
        known = np.isin(sub_categories, COMPLAINT_CATEGORIES)
        if len(np.unique(sub_categories[known])) >= 2:
            by_category = widened[complaints][:, self.category_columns_]
            self.category_: LogisticRegression | str = LogisticRegression(C=self.c_category, max_iter=2000).fit(
                by_category[known], sub_categories[known], sample_weight=sub_weights[known]
            )
        else:
            self.category_ = str(sub_categories[known][0]) if known.any() else "other"
        return self

    def severity_probabilities(self, features: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """P(severity ≥ 2 | complaint) and P(severity ≥ 3 | complaint), the second capped by the first."""
        return self._severity_probabilities(self._used_columns(features))

    def _severity_probabilities(self, matrix: sparse.csr_matrix) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        p_major = _positive_probability(self.at_least_major_, matrix)
        return p_major, np.minimum(_positive_probability(self.at_least_critical_, matrix), p_major)

    def categories(self, features: Any, other_rule: bool = True) -> list[str]:
        """The category for every text, whether or not it is called a complaint: the category head's choice, with
        the guidelines' rule for "other" unless `other_rule` is off (`_without_other_where_cued`)."""
        return self._categories(features, self._widened(features), other_rule)

    def _categories(self, features: Any, widened: sparse.csr_matrix, other_rule: bool = True) -> list[str]:
        if isinstance(self.category_, str):
            return [self.category_] * widened.shape[0]
        probabilities = self.category_.predict_proba(widened[:, self.category_columns_])
        classes = [str(label) for label in self.category_.classes_]
        if other_rule and self.category_only == len(CUE_LISTS) and "other" in classes:
            probabilities = self._without_other_where_cued(features, probabilities, classes)
        return [classes[index] for index in probabilities.argmax(axis=1)]

    def _without_other_where_cued(
        self, features: Any, probabilities: NDArray[np.float64], classes: list[str]
    ) -> NDArray[np.float64]:
        """The guidelines keep "other" for a complaint that fits none of the categories. Where the head picks
        "other" for a post with cue words of specific categories and none of "other"'s own, only the cued
        categories stay in the running: the linear head gives "other" to posts with two grievances (异物 and
        客服推脱) when each cue list alone is not enough."""
        matrix = sparse.csr_matrix(features)
        cued = matrix[:, matrix.shape[1] - self.category_only :].toarray() > 0  # columns in `CUE_LISTS` order
        allowed = np.zeros(probabilities.shape, dtype=bool)
        for column, name in enumerate(CUE_LISTS):
            if name != "other" and name in classes:
                allowed[:, classes.index(name)] = cued[:, column]
        switch = (
            (probabilities.argmax(axis=1) == classes.index("other"))
            & ~cued[:, CUE_LISTS.index("other")]
            & allowed.any(axis=1)
        )
        return np.where(switch[:, None] & ~allowed, 0.0, probabilities)

    def predict_all(self, features: Any) -> ComplaintPrediction:
        widened = self._widened(features)
        matrix = widened[:, self.columns_]
        probability = _positive_probability(self.complaint_, matrix)
        is_complaint = probability >= self.threshold
        p_major, p_critical = self._severity_probabilities(matrix)
        levels = 1 + (p_major >= self.major_cut) + (p_critical >= self.critical_cut)
        severity = np.where(is_complaint, levels, 0).astype(np.int64)
        named = self._categories(features, widened)
        category = [name if flag else "none" for name, flag in zip(named, is_complaint, strict=True)]
        return ComplaintPrediction(probability, is_complaint, severity, category)

    def predict_proba(self, features: Any) -> NDArray[np.float64]:
        probability = _positive_probability(self.complaint_, self._used_columns(features))
        return np.column_stack([1.0 - probability, probability])

    def predict(self, features: Any) -> NDArray[np.int64]:
        return self.predict_all(features).severity
