from __future__ import annotations

import csv
import functools
import json
import logging
from pathlib import Path

import pytest

from classifiers import corpora
from classifiers.preprocess import preprocess, strip_emoticons
from classifiers.train import TrainConfig, load_training_data, reporting_texts


def _weibo_reviews(corpora_dir: Path) -> list[str]:
    with (corpora_dir / "weibo_senti_100k" / "weibo_senti_100k_recovered.csv").open(encoding="utf-8") as handle:
        return [row["review"].strip() for row in csv.DictReader(handle)]


def _label(row: int, review: str, complaint: int = 1) -> dict[str, object]:
    labels = {"complaint": 1, "severity": 2, "category": "service"} if complaint else {
        "complaint": 0, "severity": 0, "category": "none",
    }  # fmt: skip
    return {"row": row, "sha256": corpora.text_digest(review), **labels}


def _write(path: Path, lines: list[object]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def test_extra_labels_take_the_text_of_the_row_their_hash_names(
    tiny_corpora: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reviews = _weibo_reviews(tiny_corpora)
    labels = _write(
        tmp_path / "labels.jsonl",
        [_label(0, reviews[0]), _label(1, reviews[0]), _label(len(reviews) + 5, reviews[0]), _label(2, reviews[2], 0)],
    )
    with caplog.at_level(logging.WARNING):
        examples = corpora.weibo_brand_extra(tiny_corpora, labels)
    assert [(e.id, e.complaint, e.severity, e.category) for e in examples] == [
        ("weibo_senti_100k/0", 1, 2, "service"),
        ("weibo_senti_100k/2", 0, 0, "none"),
    ]
    assert examples[0].text == strip_emoticons(reviews[0]) and "[" in reviews[0]
    assert {e.src for e in examples} == {"weibo_brand_extra"}
    assert "2 labelled rows do not match" in caplog.text


def test_an_unreadable_or_inconsistent_label_is_reported_by_line_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = {"row": 3, "sha256": "0123456789abcdef", "complaint": 1, "severity": 3, "category": "safety"}
    lines: list[object] = [
        good,
        "{not json",
        {**good, "complaint": 0},
        {**good, "category": "weather"},
        {key: value for key, value in good.items() if key != "sha256"},
        {**good, "row": 4},
    ]
    with caplog.at_level(logging.WARNING):
        labels = corpora.read_extra_labels(_write(tmp_path / "labels.jsonl", lines))
    assert [label.row for label in labels] == [3, 4]
    for number in (2, 3, 4, 5):
        assert f"labels.jsonl:{number}: skipped unreadable label" in caplog.text
    assert "labels.jsonl:1:" not in caplog.text and "labels.jsonl:6:" not in caplog.text


def test_the_shipped_extra_labels_all_read() -> None:
    lines = corpora.EXTRA_LABELS.read_text(encoding="utf-8").splitlines()
    labels = corpora.read_extra_labels(corpora.EXTRA_LABELS)
    assert len(labels) == len(lines) == 5520
    assert len({label.row for label in labels}) == len(labels)
    # A brand mention is rarely a complaint: about one post in nine, as in complaints_zh_gold's weibo_brand part.
    assert 0.05 < sum(label.complaint for label in labels) / len(labels) < 0.25


def test_extra_labels_join_the_complaint_data_but_never_a_reporting_text(
    tiny_corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reviews = _weibo_reviews(tiny_corpora)
    held_out = reporting_texts(tiny_corpora)
    in_test = [row for row, review in enumerate(reviews) if preprocess(strip_emoticons(review)) in held_out]
    in_train = [row for row in range(len(reviews)) if row not in in_test]
    chosen = in_train[:3] + in_test[:2]
    assert len(chosen) == 5
    labels = _write(tmp_path / "labels.jsonl", [_label(row, reviews[row]) for row in chosen])
    monkeypatch.setattr(corpora, "weibo_brand_extra", functools.partial(corpora.weibo_brand_extra, labels=labels))
    data = load_training_data(tiny_corpora, TrainConfig())
    extra = [e for e in data.complaints if e.src == "weibo_brand_extra"]
    assert sorted(e.id for e in extra) == sorted(f"weibo_senti_100k/{row}" for row in in_train[:3])
    assert data.counts["complaint/weibo_brand_extra"] == 3


def _pool_label(post_id: str, text: str, split: str, group: str, complaint: int = 1) -> dict[str, object]:
    labels = {"complaint": 1, "severity": 3, "category": "safety"} if complaint else {}
    return {
        "id": post_id,
        "sha256": corpora.text_digest(text),
        "complaint": 0,
        "severity": 0,
        "category": "none",
        **labels,
        "split": split,
        "copies_of": group,
    }


def test_pool_labels_name_posts_by_hash_and_keep_a_few_copies_of_a_campaign(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "weibo_brand_pool").mkdir()
    posts = {f"p{n}": f"#话题{n}#太航医院治死我母亲，我要投诉" for n in range(6)} | {
        "q": "蒙牛新品不错",
        "r": "改过的字",
    }
    pool_file = tmp_path / "weibo_brand_pool" / "covid.jsonl"
    pool_file.write_text("".join(json.dumps({"id": k, "text": v}, ensure_ascii=False) + "\n" for k, v in posts.items()))
    rows = [_pool_label(f"p{n}", posts[f"p{n}"], "train", "p0") for n in range(6)]
    rows += [_pool_label("q", "蒙牛新品不错", "test", "q", complaint=0), _pool_label("r", "原来的字", "train", "r")]
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")

    with caplog.at_level(logging.WARNING):
        train = corpora.weibo_brand_pool(tmp_path, "train", labels)
    assert [example.id for example in train] == ["p0", "p1", "p2"]  # MAX_COPIES of the campaign; r's text changed
    assert "1 labelled posts do not match" in caplog.text
    test = corpora.weibo_brand_pool(tmp_path, "test", labels)
    assert [(example.id, example.complaint, example.category) for example in test] == [("q", 0, "none")]


def test_the_shipped_pool_labels_all_read() -> None:
    rows = [json.loads(line) for line in corpora.POOL_LABELS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 6000
    assert {row["split"] for row in rows} == {"train", "test"}
    assert all(corpora._extra_label({**row, "row": 0}) for row in rows)
    assert all("text" not in row for row in rows)  # ids and hashes only
