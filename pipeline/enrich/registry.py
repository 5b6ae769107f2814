"""Scorer names → scorer classes, spelled out (`pipeline.plugins`). Models load lazily, once per process."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from pipeline.enrich.base import ComplaintScorer, SentimentScorer
from pipeline.exceptions import ConfigError
from pipeline.plugins import load_class

if TYPE_CHECKING:
    from pipeline.enrich.enricher import Enricher

# Scorer name → its sentiment and complaint scorer classes (`pipeline.plugins`).
SCORERS: dict[str, tuple[str, str]] = {
    "model": (
        "pipeline.enrich.model_scorers:ModelSentimentScorer",
        "pipeline.enrich.model_scorers:ModelComplaintScorer",
    ),
    "snownlp": ("pipeline.enrich.sentiment:SnowNLPScorer", "pipeline.enrich.complaint_rules:RuleComplaintScorer"),
}
SCORER_NAMES = tuple(SCORERS)
DEFAULT_SCORER = "model"


@cache
def make_scorers(name: str = DEFAULT_SCORER) -> tuple[SentimentScorer, ComplaintScorer]:
    """The scorers called `name`, once per process; the model folder is read from the environment when the
    models first load."""
    if name not in SCORERS:
        raise ConfigError(f"unknown scorer {name!r}; choose one of {', '.join(SCORER_NAMES)}")
    sentiment_path, complaint_path = SCORERS[name]
    sentiment: SentimentScorer = load_class(sentiment_path).from_settings()
    complaint: ComplaintScorer = load_class(complaint_path).from_settings()
    return sentiment, complaint


def make_enricher(name: str = DEFAULT_SCORER) -> Enricher:
    # Imported here so that the scorer names cost the command line nothing: the enricher brings in post
    # normalisation (BeautifulSoup) and the settings.
    from pipeline.enrich.enricher import Enricher

    sentiment, complaint = make_scorers(name)
    return Enricher(sentiment, complaint)
