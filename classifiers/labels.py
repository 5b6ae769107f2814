"""The label vocabulary the models learn and predict. The pipeline has its own (`pipeline.models`); the scorers
that connect them (`pipeline/enrich/model_scorers.py`) convert, and a test checks that the two agree."""

from __future__ import annotations

from typing import Literal

SentimentLabel = Literal["negative", "neutral", "positive"]
CATEGORIES: tuple[str, ...] = (
    "quality",
    "safety",
    "delivery",
    "service",
    "price",
    "integrity",
    "privacy",
    "other",
    "none",
)
