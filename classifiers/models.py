"""Model factories: the sentiment and complaint pipelines, scikit-learn style."""

from __future__ import annotations

from typing import Any

from sklearn.pipeline import Pipeline

from classifiers.complaint_model import ComplaintClassifier
from classifiers.features import WeiboFeaturizer
from classifiers.sentiment_model import SentimentClassifier

FEATURE_PARAMS = (
    "char_bits", "char_max_n", "word_bits", "emoticon_bits", "emoticon_weight", "cue_weight", "target_weight",
    "category_weight",
)  # fmt: skip


def _split_params(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    features = {key: value for key, value in params.items() if key in FEATURE_PARAMS}
    rest = {key: value for key, value in params.items() if key not in FEATURE_PARAMS}
    return features, rest


def make_sentiment_pipeline(**params: Any) -> Pipeline:
    """Raw texts → P(negative) and P(neutral): Weibo features + `SentimentClassifier`.

    Parameters are the featuriser's (`FEATURE_PARAMS`) and the classifier's (`c`, `c_neutral`,
    `neutral_threshold`, `max_iter`)."""
    feature_params, classifier_params = _split_params(params)
    return Pipeline(
        [("features", WeiboFeaturizer(**feature_params)), ("classifier", SentimentClassifier(**classifier_params))]
    )


def make_complaint_pipeline(sentiment_head: Any = None, **params: Any) -> Pipeline:
    """Raw texts → complaint, severity and category (`ComplaintClassifier`).

    `sentiment_head` is the fitted classifier step of a sentiment pipeline built with the same feature
    parameters (but no `category_weight`); its P(negative) becomes a feature. Other parameters go to the
    featuriser or the classifier. The featuriser's category cue columns, if any, are read by the category head
    only.
    """
    feature_params, classifier_params = _split_params(params)
    features = WeiboFeaturizer(**feature_params)
    category_columns = features.category_columns()
    classifier = ComplaintClassifier(
        sentiment_head=sentiment_head, category_only=category_columns.stop - category_columns.start, **classifier_params
    )
    return Pipeline([("features", features), ("classifier", classifier)])
