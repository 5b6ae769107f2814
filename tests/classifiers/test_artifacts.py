from __future__ import annotations

import copy
import json
import socket
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io

from classifiers.artifacts import (
    MODEL_NAMES,
    SHARED_POLARITY_HEAD,
    bundled_dir,
    load_card,
    load_model,
    load_models,
    save_models,
)
from classifiers.errors import ModelError
from classifiers.evaluate import SENTIMENT_SETS
from classifiers.inference import ModelBundle

CARD_KEYS = {"version", "trained_at", "training_data", "metrics", "known_weaknesses", "config", "model", "file"}


def _card_problems(directory: Path) -> list[str]:
    problems = []
    for name in MODEL_NAMES:
        card = json.loads((directory / f"{name}.card.json").read_text(encoding="utf-8"))
        problems += [f"{name}: no {key}" for key in CARD_KEYS - card.keys()]
        metrics = card.get("metrics", {})
        for evaluation_set in (*SENTIMENT_SETS, "complaints_zh_gold", "complaints_zh_gold/weibo_brand"):
            if evaluation_set not in metrics:
                problems.append(f"{name}: no metrics for {evaluation_set}")
        if not card.get("known_weaknesses"):
            problems.append(f"{name}: known weaknesses empty")
        if not card.get("training_data"):
            problems.append(f"{name}: training data not described")
    return problems


def test_trained_version_has_complete_model_cards(tiny_model_dir: Path) -> None:
    assert _card_problems(tiny_model_dir) == []


def test_bundled_version_is_complete_and_small() -> None:
    directory = bundled_dir()
    assert _card_problems(directory) == []
    # The complaint model keeps the feature columns its training texts use (8.7 MB, the polarity head it shares
    # with the sentiment model left out). A file beyond 10 MB means something grew.
    for name in MODEL_NAMES:
        assert (directory / f"{name}.skops").stat().st_size < 10_000_000


def test_the_shared_polarity_head_is_saved_once_and_put_back_on_load(tiny_model_dir: Path) -> None:
    assert load_model(tiny_model_dir, "complaint").named_steps["classifier"].sentiment_head == SHARED_POLARITY_HEAD
    sentiment, complaint = load_models(tiny_model_dir)
    assert complaint.named_steps["classifier"].sentiment_head is sentiment.named_steps["classifier"].polarity_


def test_a_complaint_model_with_a_sentiment_head_of_its_own_keeps_it(tiny_model_dir: Path, tmp_path: Path) -> None:
    sentiment, complaint = load_models(tiny_model_dir)
    classifier = complaint.named_steps["classifier"]
    own_head = copy.deepcopy(classifier.sentiment_head)
    own_head.coef_ = own_head.coef_ * 2  # no longer the sentiment model's head
    classifier.sentiment_head = own_head
    save_models(tmp_path, sentiment, complaint, {name: load_card(tiny_model_dir, name) for name in MODEL_NAMES})

    assert classifier.sentiment_head is own_head  # saving leaves the caller's pipeline as it was
    _, reloaded = load_models(tmp_path)
    texts = ["京东客服太差了，我要投诉", "今天天气不错"]
    assert reloaded.named_steps["classifier"].sentiment_head is not sentiment.named_steps["classifier"].polarity_
    np.testing.assert_array_equal(reloaded.predict_proba(texts), complaint.predict_proba(texts))


def test_bundled_model_names_the_main_grievance_of_a_post_with_two() -> None:
    # The demo's most reposted post: a foreign object and diarrhoea (safety), then customer service stalling.
    post = (
        "今天给孩子冲的蒙牛纯牛奶里喝出一块黑色异物，孩子喝完就开始拉肚子！生产日期11月3日，批号都拍下来了。"
        "打客服电话一直推脱，已经打12315投诉了，@蒙牛乳业 必须给个说法！"
    )
    (complaint,) = ModelBundle(bundled_dir()).complaints([post])
    assert complaint.is_complaint
    assert complaint.category == "safety"


def test_models_load_without_network(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("model loading tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    bundle = ModelBundle(tiny_model_dir)
    assert len(bundle.classify(["京东客服太差了，我要投诉"])) == 1


def test_artifacts_are_skops_zip_files_not_pickles(tiny_model_dir: Path) -> None:
    for name in MODEL_NAMES:
        assert zipfile.is_zipfile(tiny_model_dir / f"{name}.skops")


class Untrusted:
    pass


def test_loading_refuses_types_outside_the_project(tmp_path: Path) -> None:
    skops.io.dump({"payload": Untrusted()}, tmp_path / "sentiment.skops")
    with pytest.raises(ModelError, match="untrusted"):
        load_model(tmp_path, "sentiment")


def test_missing_or_broken_artifact_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path, "sentiment")
    (tmp_path / "sentiment.skops").write_bytes(b"not a zip file")
    with pytest.raises(ModelError, match="cannot load"):
        load_model(tmp_path, "sentiment")


def test_loading_inside_airflow_does_not_flood_the_log_with_deprecation_warnings() -> None:
    """skops looks a type's module up in every loaded module; Airflow's deprecated attributes each warned,
    1,160 log lines per task that loaded the models."""
    import subprocess
    import sys

    code = (
        "import warnings\n"
        "import airflow.sdk, airflow.utils.timezone, airflow.utils.trigger_rule\n"
        "from classifiers.artifacts import bundled_dir, load_model\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    load_model(bundled_dir(), 'complaint')\n"
        "print(sum('deprecated' in str(w.message) for w in caught))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert result.stdout.strip().splitlines()[-1] == "0"
