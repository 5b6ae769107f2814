"""How the pool settings of `TrainConfig` were chosen: 5-fold cross-validation on the train split of the
hand-labelled brand-pool posts (`classifiers/resources/weibo_brand_pool_labels.md`), no test split read.

Folds are made of pool posts (by a hash of the post id); every other labelled complaint (gold train, the extra
Weibo posts) is in every training fold and never scored. The sentiment head and the semantic coordinates are
taken from a trained model folder (`--model-dir`, e.g. a `yuqing train` run of the same corpora): they learn
from sentiment labels only, so the complaint labels of the held-out fold are unseen. Each variant changes one
complaint-head setting; a pool weight w counts each pool post w times.

    .venv/bin/python benchmarks/pool_selection.py --model-dir /tmp/v6a [--variants weight1,weight3,extra_categories]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

# benchmarks/classifiers.py shares its name with the `classifiers` package; drop this folder from the import
# path so that `import classifiers` finds the package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

from classifiers import corpora  # noqa: E402
from classifiers.artifacts import load_models  # noqa: E402
from classifiers.evaluate import complaint_metrics  # noqa: E402
from classifiers.train import TrainConfig, load_training_data, train_complaint  # noqa: E402
from pipeline.config import Settings  # noqa: E402

FOLDS = 5
VARIANTS: dict[str, dict[str, Any]] = {
    "weight1": {"weibo_brand_pool_weight": 1.0},
    "weight3": {"weibo_brand_pool_weight": 3.0},
    "extra_categories": {"weibo_brand_pool_weight": 3.0, "weibo_brand_extra_categories": True},
}
SHOWN = (
    "complaint_f1", "complaint_precision", "complaint_recall", "severity_macro_f1", "severity_recall_1",
    "severity_recall_2", "severity_recall_3", "category_accuracy_found", "category_macro_f1",
)  # fmt: skip


def fold_of(example: corpora.ComplaintExample) -> int:
    return int(hashlib.sha256(example.id.encode()).hexdigest(), 16) % FOLDS


def cross_validate(
    pool: list[corpora.ComplaintExample],
    others: list[corpora.ComplaintExample],
    head: Any,
    semantics: Any,
    config: TrainConfig,
) -> dict[str, float]:
    """The mean over the folds of every complaint metric on the held-out pool posts."""
    scores = []
    for fold in range(FOLDS):
        train = others + [e for e in pool if fold_of(e) != fold]
        held_out = [e for e in pool if fold_of(e) == fold]
        model = train_complaint(head, semantics, train, config)
        features = model.named_steps["features"].transform([e.text for e in held_out])
        scores.append(complaint_metrics(held_out, model.named_steps["classifier"].predict_all(features)))
    return {key: float(np.nanmean([score[key] for score in scores])) for key in scores[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Settings().corpora_dir)
    parser.add_argument("--model-dir", type=Path, required=True, help="trained version folder (sentiment head)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    sentiment, complaint = load_models(args.model_dir)
    head = sentiment.named_steps["classifier"].polarity_
    semantics = complaint.named_steps["classifier"].semantics
    data = load_training_data(args.data_dir, TrainConfig())
    pool = [e for e in data.complaints if e.src == corpora.POOL_SOURCE]
    others = [e for e in data.complaints if e.src != corpora.POOL_SOURCE]
    print(f"{len(pool):,} pool posts in {FOLDS} folds; {len(others):,} other labelled posts in every fold")
    print(f"| variant | {' | '.join(SHOWN)} | seconds |")
    print("|" + "---|" * (len(SHOWN) + 2))
    for name in args.variants.split(","):
        began = time.perf_counter()
        config = dataclasses.replace(TrainConfig(), **VARIANTS[name])
        mean = cross_validate(pool, others, head, semantics, config)
        cells = " | ".join(f"{mean[key]:.3f}" for key in SHOWN)
        print(f"| {name} | {cells} | {time.perf_counter() - began:.0f} |", flush=True)
        print(json.dumps({"variant": name, **mean}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
