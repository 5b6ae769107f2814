"""Evaluation on the reporting test splits: our models and snownlp side by side, per source as well.

Sets: weibo_senti_100k test (emoticons stripped), smp2020 eval (happy → positive; angry, sad, fear →
negative; three-way accuracy with neutral; neutral and surprise also reported as label shares; its posts
with emoticon tags also on their own),
ChnSentiCorp_bench test, waimai_10k test and complaints_zh_gold test (complaint F1, severity macro-F1 and
ordinal MAE, category macro-F1).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, precision_score, recall_score

from classifiers import corpora
from classifiers.complaint_model import ComplaintPrediction
from classifiers.corpora import ComplaintExample, SentimentExample
from classifiers.preprocess import emoticon_tags

Metrics = dict[str, dict[str, float]]
LABELS = ("negative", "neutral", "positive")
SENTIMENT_SETS = ("weibo_senti_100k", "smp2020", "ChnSentiCorp_bench", "waimai_10k")
MIN_TAGGED = 30  # a "with emoticons" row needs this many tagged posts to say anything


class Predictor(Protocol):
    def negative_probability(self, texts: Sequence[str]) -> NDArray[np.float64]: ...

    def sentiments_labels(self, texts: Sequence[str]) -> list[str]: ...

    def complaint_predictions(self, texts: Sequence[str]) -> ComplaintPrediction: ...


@dataclass
class EvalSets:
    sentiment: dict[str, list[SentimentExample]]
    complaints: list[ComplaintExample]
    pool: list[ComplaintExample] = field(default_factory=list)  # weibo_brand_pool's test split, reported apart


def _sample(examples: list[SentimentExample], limit: int | None) -> list[SentimentExample]:
    if limit is None or len(examples) <= limit:
        return examples
    return random.Random(0).sample(examples, limit)


def load_eval_sets(data_dir: Path, limit: int | None = None) -> EvalSets:
    """The reporting test splits; `limit` takes a fixed random sample of each sentiment set."""
    sets = {
        "weibo_senti_100k": corpora.weibo_senti(data_dir, "test"),
        "smp2020": corpora.smp2020(data_dir, "test"),
        "ChnSentiCorp_bench": corpora.chnsenticorp(data_dir, "test"),
        "waimai_10k": corpora.waimai(data_dir, "test"),
    }
    return EvalSets(
        sentiment={name: _sample(examples, limit) for name, examples in sets.items()},
        complaints=corpora.complaints_gold(data_dir, "test"),
        pool=_pool_test(data_dir),
    )


def _pool_test(data_dir: Path) -> list[ComplaintExample]:
    """The pool's test split when the pool is on this machine (an older corpora folder may not have it)."""
    try:
        return corpora.weibo_brand_pool(data_dir, "test")
    except corpora.CorpusMissing:
        return []


def sentiment_metrics(truth: Sequence[int], p_negative: NDArray[np.float64]) -> dict[str, float]:
    predicted = (p_negative >= 0.5).astype(int)
    return {
        "n": float(len(truth)),
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "negative_share": float(predicted.mean()) if len(predicted) else 0.0,
    }


def complaint_metrics(examples: Sequence[ComplaintExample], predicted: ComplaintPrediction) -> dict[str, float]:
    truth_severity = [e.severity for e in examples]
    truth_complaint = [e.complaint for e in examples]
    return {
        "n": float(len(examples)),
        "complaint_f1": float(f1_score(truth_complaint, predicted.is_complaint, zero_division=0)),
        # What an analyst sees: how many posts called complaints are complaints, how many complaints are caught.
        "complaint_precision": float(precision_score(truth_complaint, predicted.is_complaint, zero_division=0)),
        "complaint_recall": float(recall_score(truth_complaint, predicted.is_complaint, zero_division=0)),
        "severity_macro_f1": float(
            f1_score(truth_severity, predicted.severity, average="macro", labels=[0, 1, 2, 3], zero_division=0)
        ),
        "severity_mae": float(mean_absolute_error(truth_severity, predicted.severity)),
        "category_macro_f1": float(
            f1_score([e.category for e in examples], predicted.category, average="macro", zero_division=0)
        ),
        # Of the complaints found, how many go to the right team; and how many of each level are caught.
        "category_accuracy_found": _found_category_accuracy(examples, predicted),
        **{
            f"severity_recall_{level}": float(
                recall_score(truth_severity, predicted.severity, labels=[level], average="macro", zero_division=0)
            )
            for level in (1, 2, 3)
        },
    }


def _found_category_accuracy(examples: Sequence[ComplaintExample], predicted: ComplaintPrediction) -> float:
    found = [
        (example.category, category)
        for example, flag, category in zip(examples, predicted.is_complaint, predicted.category, strict=True)
        if example.complaint and flag
    ]
    return sum(truth == guess for truth, guess in found) / len(found) if found else math.nan


@dataclass(frozen=True)
class CategoryReport:
    """How the complaints that were found are routed: per true category, precision and recall of the category
    among complaints found, and the confusion matrix (rows: truth, columns: predicted)."""

    categories: tuple[str, ...]
    precision: dict[str, float]
    recall: dict[str, float]
    support: dict[str, int]
    confusion: dict[str, dict[str, int]]

    def markdown(self) -> str:
        names = self.categories
        lines = [f"| truth \\ predicted | {' | '.join(names)} | n | precision | recall |"]
        lines.append("|" + "---|" * (len(names) + 4))
        for truth in names:
            cells = " | ".join(str(self.confusion[truth][guess]) for guess in names)
            figures = f"{self.precision[truth]:.2f} | {self.recall[truth]:.2f}"
            lines.append(f"| {truth} | {cells} | {self.support[truth]} | {figures} |")
        return "\n".join(lines)


def category_report(examples: Sequence[ComplaintExample], predicted: ComplaintPrediction) -> CategoryReport:
    """Per-category precision and recall over the complaints the model found (a missed complaint has no
    category to judge; `complaint_recall` counts it)."""
    found = [
        (example.category, guess)
        for example, flag, guess in zip(examples, predicted.is_complaint, predicted.category, strict=True)
        if example.complaint and flag
    ]
    names = tuple(sorted({truth for truth, _ in found} | {guess for _, guess in found}))
    confusion = {truth: dict.fromkeys(names, 0) for truth in names}
    for truth, guess in found:
        confusion[truth][guess] += 1
    support = {name: sum(confusion[name].values()) for name in names}
    called = {name: sum(confusion[truth][name] for truth in names) for name in names}
    return CategoryReport(
        categories=names,
        precision={name: confusion[name][name] / called[name] if called[name] else math.nan for name in names},
        recall={name: confusion[name][name] / support[name] if support[name] else math.nan for name in names},
        support=support,
        confusion=confusion,
    )


def _subset(predicted: ComplaintPrediction, mask: NDArray[np.bool_]) -> ComplaintPrediction:
    return ComplaintPrediction(
        predicted.probability[mask],
        predicted.is_complaint[mask],
        predicted.severity[mask],
        [category for category, keep in zip(predicted.category, mask, strict=True) if keep],
    )


def evaluate(predictor: Predictor, sets: EvalSets) -> Metrics:
    """Every metric on every set, with `<set>/<src>` rows for the complaint sources."""
    results: Metrics = {}
    for name, examples in sets.sentiment.items():
        polar = [e for e in examples if e.negative >= 0]
        results[name] = sentiment_metrics(
            [e.negative for e in polar], predictor.negative_probability([e.text for e in polar])
        )
        # Real posts carry emoticon tags; only smp2020 keeps them (weibo_senti_100k's are its labels, removed).
        tagged = [e for e in polar if emoticon_tags(e.text)]
        if len(tagged) >= MIN_TAGGED:
            results[f"{name}/with emoticons"] = sentiment_metrics(
                [e.negative for e in tagged], predictor.negative_probability([e.text for e in tagged])
            )
        three_way = [e for e in examples if e.emotion in ("neutral", *corpora.SMP_NEGATIVE, *corpora.SMP_POSITIVE)]
        if three_way:
            labels = predictor.sentiments_labels([e.text for e in three_way])
            truth = ["neutral" if e.negative < 0 else "negative" if e.negative else "positive" for e in three_way]
            results[f"{name} (3-way)"] = {"n": float(len(three_way)), "accuracy": float(accuracy_score(truth, labels))}
        for emotion in ("neutral", "surprise"):
            others = [e.text for e in examples if e.emotion == emotion]
            if others:
                labels = predictor.sentiments_labels(others)
                shares = {f"{label}_share": labels.count(label) / len(labels) for label in LABELS}
                results[f"{name}/{emotion}"] = {"n": float(len(others)), **shares}
    if sets.complaints:
        predicted = predictor.complaint_predictions([e.text for e in sets.complaints])
        results["complaints_zh_gold"] = complaint_metrics(sets.complaints, predicted)
        sources = np.array([e.src for e in sets.complaints])
        for src in sorted(set(sources)):
            mask = sources == src
            chosen = [e for e, keep in zip(sets.complaints, mask, strict=True) if keep]
            results[f"complaints_zh_gold/{src}"] = complaint_metrics(chosen, _subset(predicted, mask))
    if sets.pool:
        predicted = predictor.complaint_predictions([e.text for e in sets.pool])
        results[corpora.POOL_SOURCE] = complaint_metrics(sets.pool, predicted)
    return results


class BundlePredictor:
    """Adapts `classifiers.inference.ModelBundle` to `Predictor`."""

    def __init__(self, bundle: object) -> None:
        self.bundle = bundle

    def negative_probability(self, texts: Sequence[str]) -> NDArray[np.float64]:
        return self.bundle.negative_probability(texts)  # type: ignore[attr-defined, no-any-return]

    def sentiments_labels(self, texts: Sequence[str]) -> list[str]:
        return [s.label for s in self.bundle.sentiments(texts)]  # type: ignore[attr-defined]

    def complaint_predictions(self, texts: Sequence[str]) -> ComplaintPrediction:
        return self.bundle.complaint_predictions(texts)  # type: ignore[attr-defined, no-any-return]


def evaluate_bundle(bundle: object, sets: EvalSets) -> Metrics:
    return evaluate(BundlePredictor(bundle), sets)


HEADLINE = {
    "accuracy": "acc",
    "macro_f1": "macro-F1",
    "negative_share": "neg share",
    "complaint_f1": "complaint F1",
    "complaint_precision": "complaint precision",
    "complaint_recall": "complaint recall",
    "severity_macro_f1": "severity macro-F1",
    "severity_mae": "severity MAE",
    "category_macro_f1": "category macro-F1",
    "negative_share_": "neg share",
    "neutral_share": "neutral share",
    "positive_share": "pos share",
}


def format_table(columns: dict[str, Metrics]) -> str:
    """A Markdown table: one row per (set, metric), one column per system."""
    names = list(columns)
    header = f"| set | metric | n | {' | '.join(names)} |"
    lines = [header, "|" + "---|" * (3 + len(names))]
    rows: dict[str, dict[str, float]] = {}
    for name in names:
        for row, metrics in columns[name].items():
            rows.setdefault(row, metrics)
    for row, metrics in rows.items():
        for metric in metrics:
            if metric == "n":
                continue
            values = [columns[name].get(row, {}).get(metric) for name in names]
            cells = ["–" if value is None else f"{value:.3f}" for value in values]
            label = HEADLINE.get(metric, metric)
            lines.append(f"| {row} | {label} | {int(metrics.get('n', 0))} | {' | '.join(cells)} |")
    return "\n".join(lines)
