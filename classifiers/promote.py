"""The promotion rule for retrained models: a candidate replaces the current version only when it is not
worse on any evaluation set's headline metric (by more than `TOLERANCE`); otherwise the current one stays and
the decision says why.

Real brand-mention Weibo posts are the domain that matters: the brand pool's hand-labelled test split (1,126
posts) stands for it with three metrics (complaint F1, severity macro-F1, the right category among the
complaints found). The gold split's weibo_brand part (about 100 posts) no longer has a vote: its targets were
retired for the pool's. `TOLERANCE` is half a point: on sets of one or two thousand posts a smaller change is
within sampling noise, and a candidate much better in the domain should not be kept out by it."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifiers.artifacts import CURRENT_POINTER, load_card
from classifiers.errors import ModelError

logger = logging.getLogger(__name__)

# The metric that stands for each evaluation set, and whether higher is better.
HEADLINE_METRICS: dict[str, tuple[str, bool]] = {
    "weibo_senti_100k": ("accuracy", True),
    "smp2020": ("accuracy", True),
    "ChnSentiCorp_bench": ("accuracy", True),
    "waimai_10k": ("accuracy", True),
    "complaints_zh_gold": ("complaint_f1", True),
    "complaints_zh_gold#severity": ("severity_macro_f1", True),
    "complaints_zh_gold#ordinal": ("severity_mae", False),
    "weibo_brand_pool": ("complaint_f1", True),
    "weibo_brand_pool#severity": ("severity_macro_f1", True),
    "weibo_brand_pool#category": ("category_accuracy_found", True),
}
TOLERANCE = 0.005


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verdict = "promote" if self.promote else "keep current"
        return f"{verdict}: " + "; ".join(self.reasons)


def _value(metrics: dict[str, dict[str, float]], key: str) -> tuple[str, float | None]:
    set_name, _, _ = key.partition("#")
    metric, _ = HEADLINE_METRICS[key]
    value = metrics.get(set_name, {}).get(metric)
    return metric, None if value is None or math.isnan(value) else float(value)


def decide(
    candidate: dict[str, dict[str, float]],
    current: dict[str, dict[str, float]] | None,
    tolerance: float = TOLERANCE,
) -> PromotionDecision:
    """Promote when, on every headline metric the current model has, the candidate is at least as good
    (within `tolerance`). A candidate missing a metric the current model reports is not promoted."""
    if not current:
        return PromotionDecision(True, ["no current model metrics to compare with"])
    worse: list[str] = []
    reasons: list[str] = []
    for key, (_, higher_is_better) in HEADLINE_METRICS.items():
        metric, before = _value(current, key)
        _, after = _value(candidate, key)
        set_name = key.partition("#")[0]
        if before is None:
            continue
        if after is None:
            worse.append(f"{set_name} {metric}: missing in candidate (current {before:.3f})")
            continue
        change = after - before if higher_is_better else before - after
        line = f"{set_name} {metric}: {before:.3f} → {after:.3f}"
        (worse if change < -tolerance else reasons).append(line)
    if worse:
        return PromotionDecision(False, ["worse on " + ", ".join(worse)])
    return PromotionDecision(True, ["not worse on any set: " + ", ".join(reasons)])


def promote_if_better(
    candidate_dir: Path, current_dir: Path, models_dir: Path, tolerance: float = TOLERANCE
) -> PromotionDecision:
    """Compare model cards and, when the rule allows, point `<models_dir>/CURRENT` at the candidate."""
    if candidate_dir.parent.resolve() != models_dir.resolve():
        raise ModelError(f"candidate {candidate_dir} must live in {models_dir} to be promoted")
    candidate = load_card(candidate_dir, "complaint").get("metrics", {})
    try:
        current: dict[str, Any] | None = load_card(current_dir, "complaint").get("metrics", {})
    except ModelError as exc:
        logger.warning("current model card unreadable, comparing with nothing: %s", exc)
        current = None
    decision = decide(candidate, current, tolerance)
    if decision.promote:
        models_dir.mkdir(parents=True, exist_ok=True)
        pointer = models_dir / CURRENT_POINTER
        temporary = pointer.with_suffix(".tmp")
        temporary.write_text(candidate_dir.name + "\n", encoding="utf-8")
        temporary.replace(pointer)  # atomic: readers see the old or the new version, never half
        logger.info("promoted %s: %s", candidate_dir.name, decision.summary())
    else:
        logger.warning("kept %s: %s", current_dir.name, decision.summary())
    return decision
