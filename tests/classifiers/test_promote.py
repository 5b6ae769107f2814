from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.artifacts import CURRENT_POINTER, model_dir_for
from classifiers.errors import ModelError
from classifiers.promote import decide, promote_if_better

CURRENT = {
    "weibo_senti_100k": {"accuracy": 0.75},
    "smp2020": {"accuracy": 0.86},
    "ChnSentiCorp_bench": {"accuracy": 0.94},
    "waimai_10k": {"accuracy": 0.89},
    "complaints_zh_gold": {"complaint_f1": 0.86, "severity_macro_f1": 0.55, "severity_mae": 0.30},
    "complaints_zh_gold/weibo_brand": {"complaint_f1": 0.40},
    "weibo_brand_pool": {"complaint_f1": 0.46, "severity_macro_f1": 0.41, "category_accuracy_found": 0.51},
}


def _with(set_name: str, metric: str, value: float) -> dict[str, dict[str, float]]:
    changed = {name: dict(metrics) for name, metrics in CURRENT.items()}
    changed[set_name][metric] = value
    return changed


def test_candidate_equal_or_better_everywhere_is_promoted() -> None:
    decision = decide(_with("smp2020", "accuracy", 0.90), CURRENT)
    assert decision.promote
    assert "smp2020 accuracy: 0.860 → 0.900" in decision.summary()


def test_candidate_worse_on_one_set_is_not_promoted_and_says_which() -> None:
    decision = decide(_with("weibo_brand_pool", "category_accuracy_found", 0.45), CURRENT)
    assert not decision.promote
    assert "weibo_brand_pool category_accuracy_found: 0.510 → 0.450" in decision.summary()


def test_the_gold_splits_weibo_part_has_no_vote_any_more() -> None:
    # Its targets were retired for the brand pool's: about 100 posts, a change there is mostly noise.
    assert decide(_with("complaints_zh_gold/weibo_brand", "complaint_f1", 0.30), CURRENT).promote


def test_lower_ordinal_error_counts_as_better_and_higher_as_worse() -> None:
    assert decide(_with("complaints_zh_gold", "severity_mae", 0.20), CURRENT).promote
    assert not decide(_with("complaints_zh_gold", "severity_mae", 0.40), CURRENT).promote


def test_tolerance_allows_noise_sized_drops() -> None:
    slightly_worse = _with("waimai_10k", "accuracy", 0.886)
    assert decide(slightly_worse, CURRENT).promote  # within the default half point
    assert not decide(slightly_worse, CURRENT, tolerance=0.0).promote
    assert not decide(_with("waimai_10k", "accuracy", 0.884), CURRENT).promote


def test_candidate_missing_a_metric_is_not_promoted() -> None:
    candidate = {name: metrics for name, metrics in CURRENT.items() if name != "smp2020"}
    decision = decide(candidate, CURRENT)
    assert not decision.promote
    assert "missing" in decision.summary()


def test_without_current_metrics_the_candidate_is_promoted() -> None:
    assert decide(CURRENT, None).promote
    assert decide(CURRENT, {}).promote


def _version(root: Path, name: str, metrics: dict[str, dict[str, float]]) -> Path:
    directory = root / name
    directory.mkdir(parents=True)
    for model in ("sentiment", "complaint"):
        (directory / f"{model}.card.json").write_text(json.dumps({"metrics": metrics}), encoding="utf-8")
    (directory / "sentiment.skops").write_bytes(b"placeholder")
    return directory


def test_promotion_moves_the_current_pointer_only_when_allowed(tmp_path: Path) -> None:
    models = tmp_path / "models"
    current = _version(models, "v1", CURRENT)
    worse = _version(models, "v2", _with("smp2020", "accuracy", 0.5))
    better = _version(models, "v3", _with("smp2020", "accuracy", 0.9))

    assert not promote_if_better(worse, current, models).promote
    assert not (models / CURRENT_POINTER).exists()
    assert promote_if_better(better, current, models).promote
    assert (models / CURRENT_POINTER).read_text(encoding="utf-8").strip() == "v3"
    assert model_dir_for(tmp_path) == better


def test_unreadable_current_card_does_not_block_a_candidate(tmp_path: Path) -> None:
    models = tmp_path / "models"
    candidate = _version(models, "v2", CURRENT)
    decision = promote_if_better(candidate, tmp_path / "gone", models)
    assert decision.promote
    assert (models / CURRENT_POINTER).read_text(encoding="utf-8").strip() == "v2"


def test_candidate_outside_the_models_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = _version(tmp_path / "elsewhere", "v2", CURRENT)
    current = _version(tmp_path / "models", "v1", CURRENT)
    with pytest.raises(ModelError, match="must live in"):
        promote_if_better(elsewhere, current, tmp_path / "models")
