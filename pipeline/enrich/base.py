"""Scorer protocols: what enrichment needs from a sentiment or complaint model.

Scorers work on batches of already-cleaned texts, so that vectorised models pay their overhead once per
batch. New models plug in by satisfying these protocols and registering in `pipeline.enrich.registry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pipeline.models import Complaint, Sentiment


class SentimentScorer(Protocol):
    name: str

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        """One `Sentiment` per text, in order; `score` is P(negative)."""
        ...


class ComplaintScorer(Protocol):
    name: str

    def score(self, texts: Sequence[str], sentiments: Sequence[Sentiment]) -> list[Complaint]:
        """One `Complaint` per text, in order; may use the texts' sentiments as a feature."""
        ...
