from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.exceptions import InvalidRecord
from pipeline.models import Complaint, Post, Sentiment
from tests.conftest import make_post


def test_round_trip_keeps_every_field_and_unknown_keys() -> None:
    record = make_post(brand="蒙牛", region="北京", sentiment={"label": "negative", "score": 0.9})
    post = Post.from_dict(record)
    assert post.created_at.utcoffset() == timedelta(hours=8)
    assert post.extra == {"region": "北京"}
    again = post.to_dict()
    assert again["region"] == "北京"
    assert again["author"]["followers"] == 5321
    assert Post.from_dict(again) == post


def test_naive_time_is_taken_as_shanghai() -> None:
    post = Post.from_dict(make_post(created_at="2026-11-22T10:00:00"))
    assert post.created_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (make_post(id=None), "missing required field(s): id"),
        (make_post(text=""), "missing required field(s): text"),
        (make_post(created_at="yesterday"), "created_at is not an ISO 8601 time"),
        (make_post(metrics={"reposts": -1}), "metrics.reposts is negative"),
        (make_post(author="someone"), "author is not an object"),
        (make_post(complaint={"severity": 5}), "complaint.severity must be 0-3"),
        (make_post(complaint={"category": "weather"}), "complaint.category 'weather' is not one of"),
        (make_post(sentiment={"label": "angry"}), "sentiment is not a valid enrichment"),
    ],
)
def test_invalid_records_say_what_is_wrong(record: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRecord, match=message.replace("(", r"\(").replace(")", r"\)")):
        Post.from_dict(record)


def test_enrichment_serialises_as_design_contract() -> None:
    post = Post.from_dict(make_post()).with_changes(
        sentiment=Sentiment("negative", 0.93), complaint=Complaint(True, 0.91, 3, "safety")
    )
    record = post.to_dict()
    assert record["sentiment"] == {"label": "negative", "score": 0.93}
    assert record["complaint"] == {
        "is_complaint": True,
        "probability": 0.91,
        "severity": 3,
        "severity_label": "critical",
        "category": "safety",
    }
