"""How the classifier settings were chosen: cross-validation on the train splits, no test split read.

1. Category cue weight: the folds of 2, category macro-F1 of the category head on the true complaints (the
   complaint and severity heads do not read the cue columns, so only the category changes), with and without
   the guidelines' rule for "other" (`ComplaintClassifier.categories`).
2. Complaint threshold and severity cuts: stratified 5-fold cross-validation (2 repeats) on the
   complaints_zh_gold train split (strata: source × complaint), with and without the semantic coordinates.
   P(negative) and the coordinates come from sentiment texts without any gold text, so that the folds' texts
   are unseen by every part of the model. The extra labelled Weibo posts (`classifiers/resources/
   weibo_brand_extra.md`) join every training fold and are never scored: every figure is on gold posts.
3. Emoticon weight: 5-fold cross-validation on smp2020 train (the only corpus whose emoticon tags are both
   kept and labelled by people); each fold trains the whole sentiment model on every other corpus plus the
   other four folds.
4. Neutral threshold: 5-fold cross-validation of the neutral head on smp2020 train, three-way accuracy
   (surprise left out).

Prints a table per setting; `classifiers.train.TrainConfig` holds the chosen values.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, cross_val_predict

# benchmarks/classifiers.py shares its name with the `classifiers` package; drop this folder from the import
# path so that `import classifiers` finds the package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

from classifiers import corpora  # noqa: E402
from classifiers.preprocess import preprocess  # noqa: E402
from classifiers.semantics import LatentSemantics  # noqa: E402
from classifiers.sentiment_model import SentimentClassifier  # noqa: E402
from classifiers.train import (  # noqa: E402
    TrainConfig,
    fit_semantics,
    load_training_data,
    sentiment_targets,
    train_complaint,
    train_sentiment,
)
from pipeline.config import Settings  # noqa: E402

THRESHOLDS = (0.2, 0.3, 0.35, 0.4, 0.5)
CUTS = (0.25, 0.35, 0.45, 0.55, 0.65)
NEUTRAL_THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
EMOTICON_WEIGHTS = (0.0, 0.5, 1.0, 2.0)
CATEGORY_WEIGHTS = (0.0, 1.0, 3.0, 6.0, 10.0, 15.0)
WEIBO = ("weibo_brand", "weibo_senti_100k")
TABLES = ("category", "complaint", "emoticon", "neutral")


def out_of_fold(
    gold: list[corpora.ComplaintExample],
    extra: list[corpora.ComplaintExample],
    head: Any,
    semantics: LatentSemantics | None,
    config: TrainConfig,
    repeats: int,
) -> dict[str, NDArray[np.float64]]:
    """Out-of-fold P(complaint), P(severity ≥ 2), P(severity ≥ 3) per repeat for every gold train text; the
    `extra` labelled posts join every training fold and are never scored."""
    strata = [f"{e.src}/{e.complaint}" for e in gold]
    shape = (repeats, len(gold))
    out = {name: np.zeros(shape) for name in ("complaint", "major", "critical")}
    folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=7).split(np.zeros(len(gold)), strata)
    for number, (train, test) in enumerate(folds):
        print(f"fold {number + 1}/{5 * repeats}", file=sys.stderr, flush=True)
        model = train_complaint(head, semantics, [gold[i] for i in train] + extra, config)
        features = model.named_steps["features"].transform([gold[i].text for i in test])
        classifier = model.named_steps["classifier"]
        out["complaint"][number // 5, test] = classifier.predict_proba(features)[:, 1]
        major, critical = classifier.severity_probabilities(features)
        out["major"][number // 5, test], out["critical"][number // 5, test] = major, critical
    return out


def complaint_table(out: dict[str, NDArray[np.float64]], gold: list[corpora.ComplaintExample], title: str) -> None:
    truth = np.array([e.complaint for e in gold])
    severity = np.array([e.severity for e in gold])
    sources = np.array([e.src for e in gold])
    weibo, brand = np.isin(sources, WEIBO), sources == "weibo_brand"
    repeats = out["complaint"].shape[0]
    print(f"\n{title}\n\n| threshold | complaint F1 | Weibo F1 | weibo_brand F1 | reviews F1 |\n|---|---|---|---|---|")
    for threshold in THRESHOLDS:
        called = out["complaint"] >= threshold
        cells = [
            np.mean([f1_score(truth[mask], called[r][mask]) for r in range(repeats)])
            for mask in (np.ones(len(truth), bool), weibo, brand, ~weibo)
        ]
        print(f"| {threshold:.2f} | " + " | ".join(f"{cell:.3f}" for cell in cells) + " |")
    threshold = TrainConfig().threshold
    print(f"\nseverity macro-F1 at complaint threshold {threshold} (rows: major cut, columns: critical cut)\n")
    print("| major \\ critical | " + " | ".join(f"{cut:.2f}" for cut in CUTS) + " |")
    print("|---" * (len(CUTS) + 1) + "|")
    for major_cut in CUTS:
        cells = []
        for critical_cut in CUTS:
            scores = []
            for r in range(repeats):
                levels = 1 + (out["major"][r] >= major_cut) + (out["critical"][r] >= critical_cut)
                predicted = np.where(out["complaint"][r] >= threshold, levels, 0)
                scores.append(f1_score(severity, predicted, average="macro", labels=[0, 1, 2, 3]))
            cells.append(f"{np.mean(scores):.3f}")
        print(f"| {major_cut:.2f} | " + " | ".join(cells) + " |")


def category_table(
    gold: list[corpora.ComplaintExample],
    extra: list[corpora.ComplaintExample],
    head: Any,
    semantics: LatentSemantics,
    config: TrainConfig,
    repeats: int,
) -> None:
    """Out-of-fold category macro-F1 on the true complaints (all of them, and the Weibo ones) per cue weight."""
    strata = [f"{e.src}/{e.complaint}" for e in gold]
    complaints = np.array([e.complaint == 1 for e in gold])
    weibo = complaints & np.isin([e.src for e in gold], WEIBO)
    truth = np.array([e.category for e in gold], dtype=object)
    print("\ncategory cue weight (CV, complaints_zh_gold train)\n")
    print("| cue weight | category macro-F1, complaints | Weibo complaints | without the rule for other: complaints |")
    print("|---|---|---|---|")
    for weight in CATEGORY_WEIGHTS:
        setting = dataclasses.replace(config, category_weight=weight)
        predicted = np.empty((2, repeats, len(gold)), dtype=object)  # with, without the rule for "other"
        folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=7)
        for number, (train, test) in enumerate(folds.split(np.zeros(len(gold)), strata)):
            model = train_complaint(head, semantics, [gold[i] for i in train] + extra, setting)
            features = model.named_steps["features"].transform([gold[i].text for i in test])
            for rule in (True, False):
                chosen = model.named_steps["classifier"].categories(features, other_rule=rule)
                predicted[int(not rule), number // 5, test] = chosen
        cells = [
            np.mean(
                [
                    f1_score(truth[mask], predicted[variant, r][mask].astype(str), average="macro", zero_division=0)
                    for r in range(repeats)
                ]
            )
            for variant, mask in ((0, complaints), (0, weibo), (1, complaints))
        ]
        print(f"| {weight:.0f} | " + " | ".join(f"{cell:.3f}" for cell in cells) + " |", flush=True)


def neutral_table(data_dir: Path, config: TrainConfig) -> None:
    examples = [e for e in corpora.smp2020(data_dir, "train") if e.emotion != "surprise"]
    sentiment, features = train_sentiment(examples, config, progress=lambda _: None)
    neutral = np.array([int(e.emotion == "neutral") for e in examples])
    p_neutral = cross_val_predict(
        LogisticRegression(C=config.neutral_c, max_iter=300), features, neutral,
        cv=StratifiedKFold(5, shuffle=True, random_state=0), method="predict_proba",
    )[:, 1]  # fmt: skip
    # Polarity here is the in-sample head's: the same for every threshold, so the comparison stays fair.
    negative = sentiment.named_steps["classifier"].predict_proba(features)[:, 1] >= 0.5
    truth = np.array(
        [
            "neutral" if n else "negative" if e.negative == 1 else "positive"
            for n, e in zip(neutral, examples, strict=True)
        ]
    )
    print("\n| neutral threshold | 3-way accuracy | neutral share | neutral recall |\n|---|---|---|---|")
    for threshold in NEUTRAL_THRESHOLDS:
        labels = np.where(p_neutral >= threshold, "neutral", np.where(negative, "negative", "positive"))
        recall = (labels[neutral == 1] == "neutral").mean()
        print(
            f"| {threshold:.1f} | {(labels == truth).mean():.3f} | {(labels == 'neutral').mean():.3f} | {recall:.3f} |"
        )


def emoticon_table(
    examples: list[corpora.SentimentExample], features: sparse.csr_matrix, featurizer: Any, config: TrainConfig
) -> None:
    """Polarity and three-way accuracy on held-out smp2020 folds, per weight of the emoticon block."""
    if not (config.emoticon_bits and config.emoticon_weight):
        print("\nThe emoticon block is off in TrainConfig: no emoticon table.")
        return
    labels, neutral, weights = sentiment_targets(examples, config)
    emotion = np.array([e.emotion if e.src == "smp2020" else "" for e in examples])
    smp = np.flatnonzero((emotion != "") & (emotion != "surprise"))
    others = np.flatnonzero(emotion == "")
    truth = np.where(neutral[smp] == 1, "neutral", np.where(labels[smp] == 1, "negative", "positive"))
    block = featurizer.emoticon_columns()
    tagged = features[smp][:, block].getnnz(axis=1) > 0
    print("\n| emoticon weight | binary accuracy | 3-way accuracy | binary, tagged posts | 3-way, tagged posts |")
    print("|---|---|---|---|---|")
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(smp, emotion[smp]))
    for weight in EMOTICON_WEIGHTS:
        scale = np.ones(features.shape[1], dtype=np.float32)
        scale[block] = weight / config.emoticon_weight
        weighted = sparse.csr_matrix(features @ sparse.diags(scale))
        right_polarity, right_label = np.zeros(len(smp), bool), np.zeros(len(smp), bool)
        for train, test in folds:
            print(f"emoticon weight {weight}: fold", file=sys.stderr, flush=True)
            rows = np.r_[others, smp[train]]
            model = SentimentClassifier(c=config.sentiment_c, c_neutral=config.neutral_c,
                                        neutral_threshold=config.neutral_threshold)  # fmt: skip
            model.fit(weighted[rows], labels[rows], neutral=neutral[rows], sample_weight=weights[rows])
            held_out = weighted[smp[test]]
            right_polarity[test] = model.predict(held_out) == labels[smp[test]]
            right_label[test] = np.array(model.labels(held_out)) == truth[test]
        polar = labels[smp] >= 0
        cells = [right_polarity[polar].mean(), right_label.mean(), right_polarity[polar & tagged].mean(),
                 right_label[tagged].mean()]  # fmt: skip
        print(f"| {weight:.1f} | " + " | ".join(f"{cell:.3f}" for cell in cells) + " |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Settings().corpora_dir)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--tables", nargs="+", choices=TABLES, default=list(TABLES), help="which tables to make")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    config = TrainConfig()
    data = load_training_data(args.data_dir, config)
    # Folds are made of gold posts; the extra Weibo labels are training data only, in every fold.
    gold = [e for e in data.complaints if e.src in corpora.GOLD_SOURCES]
    extra = [e for e in data.complaints if e.src not in corpora.GOLD_SOURCES]
    gold_texts = {preprocess(e.text) for e in gold}
    # No gold text may reach the sentiment head or the semantic coordinates: the folds must be unseen.
    sentiment_examples = [e for e in data.sentiment if preprocess(e.text) not in gold_texts]
    print(f"sentiment head on {len(sentiment_examples):,} texts (no gold text) ...", file=sys.stderr, flush=True)
    sentiment, matrix = train_sentiment(sentiment_examples, config, progress=lambda _: None)
    head = sentiment.named_steps["classifier"].polarity_
    semantics = fit_semantics(matrix, config)
    if "category" in args.tables:
        category_table(gold, extra, head, semantics, config, args.repeats)
    if "complaint" in args.tables:
        variants = (("with semantic coordinates (shipped)", semantics), ("without semantic coordinates", None))
        for title, chosen in variants:
            out = out_of_fold(gold, extra, head, chosen, config, args.repeats)
            complaint_table(out, gold, title)
    if "emoticon" in args.tables:
        emoticon_table(sentiment_examples, matrix, sentiment.named_steps["features"], config)
    if "neutral" in args.tables:
        neutral_table(args.data_dir, config)
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
