"""Analysts' corrections: checked one way, stored one way (CLI and console alike), read back by retraining and
laid over the model's labels for display."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from classifiers.train import feedback_examples
from pipeline.cli import main
from pipeline.config import Settings
from pipeline.exceptions import InvalidRecord
from pipeline.feedback import Correction, Labels, check_labels, corrections, record_correction
from pipeline.models import Post
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post

NOW = datetime(2026, 11, 22, 12, 30, tzinfo=UTC)
POST = make_post(
    id="weibo:7",
    text="抵制某品牌，大家别买",
    sentiment={"label": "negative", "score": 0.9},
    complaint={"is_complaint": True, "probability": 0.8, "severity": 3, "category": "integrity"},
)


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "yuqing.db")
    store.upsert_posts([Post.from_dict(POST)])
    return store


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({}, "give at least one"),
        ({"sentiment": None, "complaint": None}, "give at least one"),
        ({"mood": "sad"}, "unknown label mood"),
        ({"sentiment": "angry"}, "sentiment 'angry' is not one of"),
        ({"complaint": 2}, "complaint 2 is not a whole number from 0 to 1"),
        ({"severity": 4}, "severity 4 is not"),
        ({"severity": True}, "severity True is not"),
        ({"severity": "2"}, "severity '2' is not"),
        ({"category": "weather"}, "category 'weather' is not one of"),
        ({"complaint": 0, "severity": 2}, "not a complaint has severity 0 and category none"),
        ({"complaint": 0, "category": "price"}, "not a complaint has severity 0 and category none"),
        ({"complaint": 1, "severity": 0}, "a complaint has severity 1-3"),
    ],
)
def test_labels_that_make_no_sense_are_refused_with_the_reason(labels: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRecord, match=message):
        check_labels(labels)


def test_labels_are_kept_as_given_in_a_fixed_order() -> None:
    checked = check_labels({"category": "quality", "complaint": True, "severity": 2, "sentiment": None})
    assert checked == {"complaint": 1, "severity": 2, "category": "quality"}
    assert list(checked) == ["complaint", "severity", "category"]


def test_a_correction_is_stored_with_the_posts_text_who_and_when(store: SQLiteStore) -> None:
    record = record_correction(store, "weibo:7", {"complaint": 1, "category": "quality", "severity": 2}, "李分析", NOW)
    assert store.get_record("feedback", "weibo:7") == record
    assert record == {
        "post_id": "weibo:7",
        "text": "抵制某品牌，大家别买",
        "labels": {"complaint": 1, "severity": 2, "category": "quality"},
        "created_at": "2026-11-22T12:30:00+00:00",
        "by": "李分析",
    }
    again = record_correction(store, "weibo:7", {"sentiment": "neutral"}, None, NOW)
    assert store.list_records("feedback") == [again] and "by" not in again  # replaces; no one named, no "by"


def test_a_correction_of_a_post_not_in_the_store_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(InvalidRecord, match="post 'weibo:404' is not in the store"):
        record_correction(store, "weibo:404", {"complaint": 0}, "李分析", NOW)
    assert store.list_records("feedback") == []


def test_retraining_learns_the_correction_as_given(store: SQLiteStore) -> None:
    record_correction(
        store, "weibo:7", {"sentiment": "neutral", "complaint": 1, "severity": 1, "category": "price"}, "李分析", NOW
    )
    sentiment, complaints = feedback_examples(store.list_records("feedback"))
    assert [(example.text, example.negative, example.emotion) for example in sentiment] == [
        ("抵制某品牌，大家别买", -1, "neutral")
    ]
    assert [(e.text, e.complaint, e.severity, e.category) for e in complaints] == [
        ("抵制某品牌，大家别买", 1, 1, "price")
    ]


def test_the_cli_and_the_console_write_the_same_record(settings: Settings, tmp_path: Path) -> None:
    cli_store = SQLiteStore(settings.sqlite_path)
    cli_store.upsert_posts([Post.from_dict(POST)])
    cli_store.close()
    command = ["feedback", "add", "weibo:7", "--complaint", "1", "--severity", "2", "--category", "quality"]
    assert main([*command, "--by", "王值班"]) == 0
    cli_store = SQLiteStore(settings.sqlite_path)
    from_cli = cli_store.get_record("feedback", "weibo:7")
    cli_store.close()
    console_store = SQLiteStore(tmp_path / "console.db")
    console_store.upsert_posts([Post.from_dict(POST)])
    from_console = record_correction(
        console_store, "weibo:7", {"complaint": 1, "severity": 2, "category": "quality"}, "王值班", NOW
    )
    assert from_cli is not None
    assert {key: value for key, value in from_console.items() if key != "created_at"} == {
        key: value for key, value in from_cli.items() if key != "created_at"
    }


def test_a_correction_is_laid_over_the_models_labels(store: SQLiteStore) -> None:
    post = store.get_post("weibo:7")
    assert post is not None
    model = Labels.of(post)
    assert model == Labels("negative", True, 3, "integrity") and model.severity_label == "critical"
    record_correction(store, "weibo:7", {"category": "quality"}, "李分析", NOW)
    correction = corrections(store)["weibo:7"]
    assert correction == Correction("weibo:7", {"category": "quality"}, "李分析", NOW)
    shown = model.corrected(correction)
    assert shown == Labels("negative", True, 3, "quality") and shown.differences(model) == {"category"}
    not_a_complaint = model.corrected(Correction("weibo:7", {"complaint": 0}, None, None))
    assert not_a_complaint == Labels("negative", False, 0, "none")
    assert not_a_complaint.differences(model) == {"complaint", "severity", "category"}
    assert model.corrected(None) is model


def test_records_without_labels_are_no_correction() -> None:
    assert Correction.from_record(None) is None
    assert Correction.from_record({"post_id": "weibo:7", "labels": {}}) is None
    assert Correction.from_record({"post_id": "weibo:7", "labels": "complaint"}) is None
    by_hand = Correction.from_record({"post_id": "weibo:7", "labels": {"complaint": 0}, "created_at": "yesterday"})
    assert by_hand == Correction("weibo:7", {"complaint": 0}, None, None)
