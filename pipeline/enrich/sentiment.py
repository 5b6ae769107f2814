"""snownlp sentiment behind the `SentimentScorer` protocol: the client's named baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.models import Sentiment, SentimentLabel

if TYPE_CHECKING:
    from pipeline.config import Settings

# snownlp scores P(positive); on Weibo it calls most posts positive, so the neutral band sits high.
NEGATIVE_BELOW = 0.35
POSITIVE_ABOVE = 0.75


class SnowNLPScorer:
    """Sentiment from `snownlp.SnowNLP(text).sentiments`; imported lazily (its import takes ~2 s)."""

    name = "snownlp"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> SnowNLPScorer:
        return cls()

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        from snownlp import SnowNLP

        return [_from_positive_probability(SnowNLP(text).sentiments if text else 0.5) for text in texts]


def _from_positive_probability(p_positive: float) -> Sentiment:
    label: SentimentLabel
    if p_positive < NEGATIVE_BELOW:
        label = "negative"
    elif p_positive > POSITIVE_ABOVE:
        label = "positive"
    else:
        label = "neutral"
    return Sentiment(label=label, score=1.0 - float(p_positive))
