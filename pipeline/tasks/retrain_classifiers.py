"""The weekly retraining's task bodies (DAG `retrain_classifiers`): train a candidate on the corpora and the
analysts' corrections, evaluate it, promote it when it is not worse. Without corpora on the machine there is
nothing to train on: `train` says so in one line and the run is skipped, not failed and retried."""

from __future__ import annotations

import logging
from typing import Any

from classifiers.corpora import CorpusMissing
from classifiers.retrain import evaluate_candidate, promote_candidate, train_candidate
from classifiers.train import TrainConfig
from pipeline.config import Settings
from pipeline.store import open_store

logger = logging.getLogger(__name__)

__all__ = ["CorporaAbsent", "evaluate_candidate", "promote_candidate", "train"]


class CorporaAbsent(Exception):
    """Raised instead of training when the corpora are not on this machine (the DAG turns it into a skip)."""


def analyst_feedback(settings: Settings) -> list[dict[str, Any]]:
    """Corrections recorded with `yuqing feedback add`."""
    store = open_store(settings)
    try:
        return store.list_records("feedback")
    finally:
        store.close()


def train(settings: Settings, config: TrainConfig | None = None) -> str:
    """Train a candidate version; returns its folder. Logs one line and raises `CorporaAbsent` without corpora."""
    try:
        if not settings.corpora_dir.is_dir():
            raise CorpusMissing(f"no corpora at {settings.corpora_dir} (set YUQING_CORPORA_DIR)")
        return train_candidate(settings, config, feedback=analyst_feedback(settings))
    except CorpusMissing as exc:
        logger.warning("retraining skipped: %s", exc)
        raise CorporaAbsent(f"retraining skipped: {exc}") from None
