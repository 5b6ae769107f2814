"""The classifiers keep their own label vocabulary (they know nothing of the pipeline); it must stay the posts'."""

from __future__ import annotations

from typing import get_args

from classifiers import labels
from pipeline import models


def test_the_models_labels_are_the_posts_labels() -> None:
    assert labels.CATEGORIES == models.CATEGORIES
    assert get_args(labels.SentimentLabel) == get_args(models.SentimentLabel)
