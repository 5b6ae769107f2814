"""Scorer names → scorer objects, spelled out (no import magic). Models load lazily, once per process."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from pipeline.enrich.base import ComplaintScorer, SentimentScorer
from pipeline.exceptions import ConfigError

if TYPE_CHECKING:
    from pipeline.enrich.enricher import Enricher

SCORER_NAMES = ("model", "snownlp")
DEFAULT_SCORER = "model"


@cache
def make_scorers(name: str = DEFAULT_SCORER) -> tuple[SentimentScorer, ComplaintScorer]:
    if name == "snownlp":
        from pipeline.enrich.complaint_rules import RuleComplaintScorer
        from pipeline.enrich.sentiment import SnowNLPScorer

        return SnowNLPScorer(), RuleComplaintScorer()
    if name == "model":
        from pipeline.enrich.model_scorers import ModelComplaintScorer, ModelSentimentScorer

        return ModelSentimentScorer(), ModelComplaintScorer()
    raise ConfigError(f"unknown scorer {name!r}; choose one of {', '.join(SCORER_NAMES)}")


def make_enricher(name: str = DEFAULT_SCORER) -> Enricher:
    # Imported here so that the scorer names cost the command line nothing: the enricher brings in post
    # normalisation (BeautifulSoup) and the settings.
    from pipeline.enrich.enricher import Enricher

    sentiment, complaint = make_scorers(name)
    return Enricher(sentiment, complaint)
