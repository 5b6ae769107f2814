"""`yuqing train`, `yuqing evaluate` and `yuqing feedback add|list`: the classifiers' command line."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.exceptions import ConfigError
from pipeline.models import CATEGORIES

if TYPE_CHECKING:
    from pipeline.config import Settings


def register(commands: Any) -> None:
    parser = commands.add_parser("train", help="train the sentiment and complaint models from the corpora")
    parser.add_argument("--data-dir", type=Path, help="corpora folder (default: YUQING_CORPORA_DIR)")
    parser.add_argument("--out", type=Path, help="version folder to write (default: <data_dir>/models/v<time>)")
    parser.add_argument("--limit", type=int, help="use at most this many texts per corpus (quick runs)")
    parser.add_argument("--with-feedback", action="store_true", help="add analyst corrections from the store")
    parser.set_defaults(handler=run_train)

    parser = commands.add_parser("evaluate", help="print our models and snownlp side by side on the test splits")
    parser.add_argument("--data-dir", type=Path, help="corpora folder (default: YUQING_CORPORA_DIR)")
    parser.add_argument("--model-dir", type=Path, help="model version folder (default: the current one)")
    parser.add_argument("--limit", type=int, default=2000, help="texts per sentiment set (snownlp is slow)")
    parser.add_argument("--no-snownlp", action="store_true", help="evaluate our models only")
    parser.set_defaults(handler=run_evaluate)

    feedback = commands.add_parser("feedback", help="analyst corrections used by retraining")
    actions = feedback.add_subparsers(dest="feedback_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="record the correct labels of a stored post")
    add.add_argument("post_id")
    add.add_argument("--sentiment", choices=["negative", "neutral", "positive"])
    add.add_argument("--complaint", type=int, choices=[0, 1])
    add.add_argument("--severity", type=int, choices=[0, 1, 2, 3])
    add.add_argument("--category", choices=CATEGORIES)
    add.add_argument("--by", default=_person(), help="who corrected the labels (default: your login)")
    add.set_defaults(handler=run_feedback_add)
    listing = actions.add_parser("list", help="show recorded corrections")
    listing.set_defaults(handler=run_feedback_list)


def _progress(message: str) -> None:
    print(f"train: {message}", file=sys.stderr, flush=True)


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    from classifiers.train import TrainConfig, new_version, run_training
    from pipeline.tasks.retrain_classifiers import analyst_feedback

    data_dir = args.data_dir or settings.corpora_dir
    if not data_dir.is_dir():
        raise ConfigError(f"corpora folder not found: {data_dir} (pass --data-dir or set YUQING_CORPORA_DIR)")
    out_dir = args.out or settings.data_dir / "models" / new_version()
    feedback = analyst_feedback(settings) if args.with_feedback else []
    run_training(data_dir, out_dir, TrainConfig(limit=args.limit), feedback=feedback, progress=_progress)
    print(out_dir)
    return 0


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from classifiers.artifacts import model_dir_for
    from classifiers.evaluate import BundlePredictor, evaluate, format_table, load_eval_sets
    from classifiers.inference import load_bundle
    from pipeline.enrich.baseline import SnowNLPPredictor

    data_dir = args.data_dir or settings.corpora_dir
    bundle = load_bundle(args.model_dir or model_dir_for(settings.data_dir))
    sets = load_eval_sets(data_dir, limit=args.limit)
    columns = {}
    if not args.no_snownlp:
        print("evaluating snownlp (slow) ...", file=sys.stderr, flush=True)
        columns["snownlp"] = evaluate(SnowNLPPredictor(), sets)
    print(f"evaluating model {bundle.version} ...", file=sys.stderr, flush=True)
    columns[f"model {bundle.version}"] = evaluate(BundlePredictor(bundle), sets)
    print(format_table(columns))
    return 0


def _person() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container without a passwd entry
        return None


def run_feedback_add(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.feedback import record_correction
    from pipeline.store import open_store

    labels = {
        "sentiment": args.sentiment,
        "complaint": args.complaint,
        "severity": args.severity,
        "category": args.category,
    }
    with open_store(settings) as store:
        # Who ran the command is not known for sure on a shared machine, so the record names no one.
        record = record_correction(store, args.post_id, labels, by=args.by, now=datetime.now(UTC))
    print(f"recorded feedback for {record['post_id']}: {record['labels']}")
    return 0


def run_feedback_list(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.store import open_store

    with open_store(settings) as store:
        records = store.list_records("feedback")
    for record in records:
        labels = " ".join(f"{key}={value}" for key, value in sorted(record.get("labels", {}).items()))
        print(f"{record.get('post_id')}\t{record.get('created_at')}\t{labels}\t{str(record.get('text', ''))[:40]}")
    print(f"{len(records)} corrections", file=sys.stderr)
    return 0
