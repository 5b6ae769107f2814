"""The weekly retraining's task bodies (DAG `retrain_classifiers`): train a candidate on the corpora and the
analysts' corrections, evaluate it, promote it when it is not worse. Without corpora on the machine there is
nothing to train on: `train` says so in one line and the run is skipped, not failed and retried."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from classifiers.artifacts import model_dir_for, record_metrics
from classifiers.corpora import CorpusMissing
from classifiers.promote import promote_if_better
from classifiers.train import TrainConfig, new_version, run_training
from pipeline.config import Settings
from pipeline.store import open_store

logger = logging.getLogger(__name__)


class CorporaAbsent(Exception):
    """Raised instead of training when the corpora are not on this machine (the DAG turns it into a skip)."""


def analyst_feedback(settings: Settings) -> list[dict[str, Any]]:
    """Corrections recorded with `yuqing feedback add`."""
    with open_store(settings) as store:
        return store.list_records("feedback")


def train_config(params: Mapping[str, Any]) -> TrainConfig:
    """The training options a DAG run was triggered with (its params: limit, char_bits, word_bits)."""
    return TrainConfig(limit=params["limit"], char_bits=params["char_bits"], word_bits=params["word_bits"])


def train(settings: Settings, config: TrainConfig | None = None) -> str:
    """Train a candidate version; returns its folder. Logs one line and raises `CorporaAbsent` without corpora."""
    try:
        if not settings.corpora_dir.is_dir():
            raise CorpusMissing(f"no corpora at {settings.corpora_dir} (set YUQING_CORPORA_DIR)")
        return train_candidate(settings, config, feedback=analyst_feedback(settings))
    except CorpusMissing as exc:
        logger.warning("retraining skipped: %s", exc)
        raise CorporaAbsent(f"retraining skipped: {exc}") from None


def models_dir(settings: Settings) -> Path:
    return settings.data_dir / "models"


def train_candidate(
    settings: Settings, config: TrainConfig | None = None, feedback: list[dict[str, Any]] | None = None
) -> str:
    """Train a new version under `<data_dir>/models/<version>` (not yet evaluated nor promoted), with the analyst
    corrections given (as `yuqing feedback add` stores them)."""
    feedback = feedback or []
    logger.info("retraining with %d analyst corrections", len(feedback))
    out_dir = models_dir(settings) / new_version()
    run_training(settings.corpora_dir, out_dir, config or TrainConfig(), feedback=feedback, evaluate=False)
    return str(out_dir)


def evaluate_candidate(settings: Settings, candidate: str, limit: int | None = None) -> dict[str, Any]:
    """Evaluate a version on every reporting set and record the metrics in its model cards."""
    from classifiers.evaluate import evaluate_bundle, load_eval_sets
    from classifiers.inference import ModelBundle

    directory = Path(candidate)
    bundle = ModelBundle(directory)
    metrics = evaluate_bundle(bundle, load_eval_sets(settings.corpora_dir, limit=limit))
    record_metrics(directory, metrics)
    return {key: value for key, value in metrics.items() if "/" not in key}


def promote_candidate(settings: Settings, candidate: str) -> dict[str, Any]:
    """Promote the candidate if it is not worse than the current version on every set; say why either way."""
    current = model_dir_for(settings.data_dir)
    decision = promote_if_better(Path(candidate), current, models_dir(settings))
    result = {"promoted": decision.promote, "candidate": Path(candidate).name, "current": current.name}
    result["reasons"] = decision.reasons
    logger.info("retrain decision: %s", json.dumps(result, ensure_ascii=False))
    return result
