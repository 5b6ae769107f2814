"""Analysts' corrections of a post's labels: one "feedback" record per post, checked and written the same way
from `yuqing feedback add` and from the console's post page, read back by retraining
(`classifiers.train.feedback_examples`) and by the console, which shows a corrected label as corrected.

A record is `{"post_id", "text", "labels", "created_at"}` plus `"by"` when who corrected is known; `labels`
holds only the labels the analyst gave (`sentiment`, `complaint` 0/1, `severity` 0-3, `category`). A new
correction of a post replaces the previous one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pipeline.exceptions import InvalidRecord
from pipeline.models import CATEGORIES, SEVERITY_LABELS, Post, format_time, parse_time
from pipeline.store.base import Store

LABEL_NAMES = ("sentiment", "complaint", "severity", "category")
SENTIMENTS = ("negative", "neutral", "positive")


def check_labels(labels: Mapping[str, object]) -> dict[str, Any]:
    """The labels an analyst gave, checked one by one and together; raises `InvalidRecord` saying what is wrong.
    Labels that are None count as not given."""
    given = {name: value for name, value in labels.items() if value is not None}
    unknown = sorted(set(given) - set(LABEL_NAMES))
    if unknown:
        raise InvalidRecord(f"unknown label {', '.join(unknown)}: the labels are {', '.join(LABEL_NAMES)}")
    if not given:
        raise InvalidRecord("give at least one of sentiment, complaint, severity, category")
    checked: dict[str, Any] = {}
    if "sentiment" in given:
        checked["sentiment"] = _one_of("sentiment", given["sentiment"], SENTIMENTS)
    if "complaint" in given:
        checked["complaint"] = _whole("complaint", given["complaint"], 0, 1)
    if "severity" in given:
        checked["severity"] = _whole("severity", given["severity"], 0, len(SEVERITY_LABELS) - 1)
    if "category" in given:
        checked["category"] = _one_of("category", given["category"], CATEGORIES)
    if checked.get("complaint") == 0 and (checked.get("severity", 0) or checked.get("category", "none") != "none"):
        raise InvalidRecord("a post that is not a complaint has severity 0 and category none")
    if checked.get("complaint") == 1 and checked.get("severity") == 0:
        raise InvalidRecord("a complaint has severity 1-3")
    return checked


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InvalidRecord(f"{name} {value!r} is not one of {', '.join(allowed)}")
    return value


def _whole(name: str, value: object, low: int, high: int) -> int:
    # bool is an int to Python, but `True` as a severity is a slip, not a 1 (a complaint may be given as a bool).
    if isinstance(value, bool) and name == "complaint":
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRecord(f"{name} {value!r} is not a whole number from {low} to {high}")
    return value


def record_correction(
    store: Store, post_id: str, labels: Mapping[str, object], by: str | None, now: datetime
) -> dict[str, Any]:
    """Check `labels` and store them as the correction of a stored post; returns the record written.

    The record keeps the post's text, so retraining learns from it even after the post is gone from the store."""
    checked = check_labels(labels)
    post = store.get_post(post_id)
    if post is None:
        raise InvalidRecord(f"post {post_id!r} is not in the store")
    record: dict[str, Any] = {
        "post_id": post.id,
        "text": post.text,
        "labels": checked,
        "created_at": format_time(now),
    }
    if by:
        record["by"] = by
    store.put_record("feedback", post.id, record)
    return record


@dataclass(frozen=True, slots=True)
class Correction:
    """An analyst's correction as read back from the store."""

    post_id: str
    labels: dict[str, Any]
    by: str | None
    at: datetime | None  # None when the stored time is unreadable (a record written by hand)

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Correction | None:
        """The correction of a feedback record, or None for no record or one without usable labels."""
        if not record or not isinstance(record.get("labels"), dict) or not record["labels"]:
            return None
        by = record.get("by")
        try:
            at: datetime | None = parse_time(record.get("created_at"))
        except InvalidRecord:
            at = None
        return cls(
            post_id=str(record.get("post_id") or ""),
            labels=dict(record["labels"]),
            by=str(by) if by else None,
            at=at,
        )


def corrections(store: Store) -> dict[str, Correction]:
    """Every correction in the store by post id (a few per analyst-day: small enough to read whole)."""
    found: dict[str, Correction] = {}
    for record in store.list_records("feedback"):
        correction = Correction.from_record(record)
        if correction is not None:
            found[correction.post_id] = correction
    return found


@dataclass(frozen=True, slots=True)
class Labels:
    """A post's labels, as the models gave them (`Labels.of(post)`) or with a correction laid over them."""

    sentiment: str | None = None
    complaint: bool | None = None
    severity: int | None = None
    category: str | None = None

    @classmethod
    def of(cls, post: Post) -> Labels:
        complaint = post.complaint
        return cls(
            sentiment=post.sentiment.label if post.sentiment else None,
            complaint=complaint.is_complaint if complaint else None,
            severity=complaint.severity if complaint else None,
            category=complaint.category if complaint else None,
        )

    def corrected(self, correction: Correction | None) -> Labels:
        """These labels with the analyst's laid over them. A post corrected to "not a complaint" has no severity
        and no category, as retraining reads it."""
        if correction is None:
            return self
        given = correction.labels
        labels = replace(
            self,
            sentiment=given.get("sentiment", self.sentiment),
            complaint=bool(given["complaint"]) if "complaint" in given else self.complaint,
            severity=given.get("severity", self.severity),
            category=given.get("category", self.category),
        )
        if given.get("complaint") == 0:
            labels = replace(labels, severity=0, category="none")
        return labels

    def differences(self, other: Labels) -> frozenset[str]:
        """Names of the labels whose values differ between the two."""
        return frozenset(name for name in LABEL_NAMES if getattr(self, name) != getattr(other, name))

    @property
    def severity_label(self) -> str | None:
        return SEVERITY_LABELS[self.severity] if self.severity is not None else None
