"""The trained classifiers behind the scorer protocols (scorer name "model"), backed by
`classifiers.inference`: artifacts load once per process, on first use, without network.

The boundary between the models and the pipeline: the classifiers know nothing of posts, and their answers
become the posts' labels here (the two label vocabularies are checked equal by a test)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from classifiers.artifacts import model_dir_for
from classifiers.inference import ModelBundle, load_bundle
from pipeline.models import Complaint, Sentiment

if TYPE_CHECKING:
    from pipeline.config import Settings


def _bundle(model_dir: Path | None) -> ModelBundle:
    if model_dir is not None:
        return load_bundle(model_dir)
    from pipeline.config import Settings

    return load_bundle(model_dir_for(Settings().data_dir))


def _model_dir(settings: Settings | None) -> Path | None:
    """The settings' model folder; None (read from the environment when the model first loads) without them."""
    return model_dir_for(settings.data_dir) if settings is not None else None


class ModelSentimentScorer:
    """P(negative) as the score; the label is neutral when the neutral head says so (threshold in the model card)."""

    name = "model"

    def __init__(self, model_dir: Path | None = None) -> None:
        self._model_dir = model_dir
        self._loaded: ModelBundle | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ModelSentimentScorer:
        return cls(_model_dir(settings))

    @property
    def bundle(self) -> ModelBundle:
        if self._loaded is None:
            self._loaded = _bundle(self._model_dir)
        return self._loaded

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        return [Sentiment(label=output.label, score=output.p_negative) for output in self.bundle.sentiments(texts)]


class ModelComplaintScorer:
    """Complaint probability, ordinal severity and category. The sentiment it needs is recomputed from the
    shared features (the same head the sentiment scorer uses), so `sentiments` only has to line up."""

    name = "model"

    def __init__(self, model_dir: Path | None = None) -> None:
        self._model_dir = model_dir
        self._loaded: ModelBundle | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ModelComplaintScorer:
        return cls(_model_dir(settings))

    @property
    def bundle(self) -> ModelBundle:
        if self._loaded is None:
            self._loaded = _bundle(self._model_dir)
        return self._loaded

    def score(self, texts: Sequence[str], sentiments: Sequence[Sentiment]) -> list[Complaint]:
        if len(texts) != len(sentiments):
            raise ValueError(f"{len(texts)} texts but {len(sentiments)} sentiments")
        return [
            Complaint(
                is_complaint=output.is_complaint,
                probability=output.probability,
                severity=output.severity,
                category=output.category,
            )
            for output in self.bundle.complaints(texts)
        ]
