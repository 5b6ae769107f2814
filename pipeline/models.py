"""The data contracts of docs/data-contracts.md: posts, their enrichment, and time helpers.

Posts travel as JSON Lines. `Post.from_dict` is the one place a record is validated: the rules are the
pydantic schema of `pipeline.schema`; a bad record raises `InvalidRecord` naming the field and the problem,
and unknown keys are kept in `extra` so nothing a source sent is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from pipeline.exceptions import InvalidRecord
from pipeline.schema import (
    AUTHOR_SCHEMA,
    COMPLAINT_SCHEMA,
    KNOWN_KEYS,
    METRICS_SCHEMA,
    SENTIMENT_SCHEMA,
    AuthorRecord,
    ComplaintRecord,
    MetricsRecord,
    SentimentRecord,
    check_extra,
    explain,
    json_kind,
    validate_post_record,
)
from pipeline.schema import CATEGORIES as CATEGORIES
from pipeline.schema import SHANGHAI as SHANGHAI
from pipeline.schema import SentimentLabel as SentimentLabel
from pipeline.schema import parse_time as parse_time

SEVERITY_LABELS: tuple[str, ...] = ("none", "minor", "major", "critical")


def format_time(value: datetime) -> str:
    """ISO 8601 with offset, seconds precision."""
    return value.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Author:
    """A post's author. `followers` is None when the source does not show it (Weibo search pages): unknown is
    not 0, and cascade prediction treats the two differently (`pipeline.detect.seismic`)."""

    id: str
    name: str = ""
    followers: int | None = None
    verified: bool = False
    verified_type: int = -1

    @property
    def follower_count(self) -> int:
        """The follower count for display and ordering: 0 when unknown."""
        return self.followers or 0

    @classmethod
    def from_dict(cls, raw: object) -> Author:
        return _author(_validated(AUTHOR_SCHEMA, raw, "author"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "followers": self.followers,
            "verified": self.verified,
            "verified_type": self.verified_type,
        }


@dataclass(frozen=True, slots=True)
class Metrics:
    reposts: int = 0
    comments: int = 0
    likes: int = 0

    @classmethod
    def from_dict(cls, raw: object) -> Metrics:
        return _metrics(None if raw is None else _validated(METRICS_SCHEMA, raw, "metrics"))

    def to_dict(self) -> dict[str, int]:
        return {"reposts": self.reposts, "comments": self.comments, "likes": self.likes}


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: SentimentLabel
    score: float  # P(negative)

    @classmethod
    def from_dict(cls, raw: object) -> Sentiment:
        return _sentiment(_validated(SENTIMENT_SCHEMA, raw, "sentiment"))

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(self.score, 4)}


@dataclass(frozen=True, slots=True)
class Complaint:
    is_complaint: bool
    probability: float
    severity: int = 0
    category: str = "none"

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @classmethod
    def from_dict(cls, raw: object) -> Complaint:
        return _complaint(_validated(COMPLAINT_SCHEMA, raw, "complaint"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "is_complaint": self.is_complaint,
            "probability": round(self.probability, 4),
            "severity": self.severity,
            "severity_label": self.severity_label,
            "category": self.category,
        }


@dataclass(frozen=True, slots=True)
class Post:
    """One microblog post (docs/data-contracts.md). `id` is source-prefixed and the upsert key."""

    id: str
    text: str
    created_at: datetime
    source: str = ""
    url: str = ""
    fetched_at: datetime | None = None
    author: Author | None = None
    metrics: Metrics = field(default_factory=Metrics)
    repost_of: str | None = None
    brand: str | None = None
    sentiment: Sentiment | None = None
    complaint: Complaint | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_repost(self) -> bool:
        return self.repost_of is not None

    @property
    def is_negative(self) -> bool:
        return self.sentiment is not None and self.sentiment.label == "negative"

    @classmethod
    def from_dict(cls, raw: object) -> Post:
        """Validate one decoded JSON record; raises `InvalidRecord` naming the field and what is wrong."""
        if not isinstance(raw, dict):
            raise InvalidRecord(f"record is {json_kind(raw)}, not an object")
        record = validate_post_record(raw)
        post_id = record["id"]
        source = (record.get("source") or "").strip() or (post_id.partition(":")[0] if ":" in post_id else "")
        if not source:
            # Without a prefix or a source the id would be stored under a made-up prefix, a different key
            # than the same post gets from a collector ("weibo:<id>"): the upsert would keep two copies.
            raise InvalidRecord(
                f"id {post_id!r} has no source prefix and the record has no source: "
                f'write the id as "weibo:{post_id}" (or its own source\'s prefix) or add "source": "weibo"'
            )
        extra = {} if KNOWN_KEYS.issuperset(raw) else {key: raw[key] for key in raw if key not in KNOWN_KEYS}
        if extra:
            check_extra(extra)
        author, sentiment, complaint = record.get("author"), record.get("sentiment"), record.get("complaint")
        return cls(
            id=post_id,
            text=record["text"],
            created_at=record["created_at"],
            source=source,
            url=record.get("url") or "",
            fetched_at=record.get("fetched_at"),
            author=None if author is None else _author(author),
            metrics=_metrics(record.get("metrics")),
            repost_of=record.get("repost_of"),
            brand=record.get("brand") or None,
            sentiment=None if sentiment is None else _sentiment(sentiment),
            complaint=None if complaint is None else _complaint(complaint),
            extra=extra,
        )

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "url": self.url,
            "text": self.text,
            "created_at": format_time(self.created_at),
            "fetched_at": format_time(self.fetched_at) if self.fetched_at else None,
            "author": self.author.to_dict() if self.author else None,
            "metrics": self.metrics.to_dict(),
            "repost_of": self.repost_of,
            "brand": self.brand,
        }
        if self.sentiment is not None:
            record["sentiment"] = self.sentiment.to_dict()
        if self.complaint is not None:
            record["complaint"] = self.complaint.to_dict()
        record.update(self.extra)
        return record

    def with_changes(self, **changes: Any) -> Post:
        return replace(self, **changes)


_Part = TypeVar("_Part", AuthorRecord, MetricsRecord, SentimentRecord, ComplaintRecord)


def _validated(schema: TypeAdapter[_Part], raw: object, what: str) -> _Part:
    """One part of a record on its own (`Author.from_dict`, ...), under the same rules as inside a post."""
    try:
        return schema.validate_python(raw)
    except ValidationError as exc:
        raise InvalidRecord(explain(exc, root=what)) from None


def _author(record: AuthorRecord) -> Author:
    verified_type = record.get("verified_type")
    return Author(
        id=record.get("id") or "",
        name=record.get("name") or "",
        followers=record.get("followers"),  # None (absent or null) is an unknown count, not 0
        verified=bool(record.get("verified")),
        verified_type=-1 if verified_type is None else verified_type,
    )


def _metrics(record: MetricsRecord | None) -> Metrics:
    if not record:
        return Metrics()
    return Metrics(
        reposts=record.get("reposts") or 0, comments=record.get("comments") or 0, likes=record.get("likes") or 0
    )


def _sentiment(record: SentimentRecord) -> Sentiment:
    return Sentiment(label=record["label"], score=record.get("score", 0.5))


def _complaint(record: ComplaintRecord) -> Complaint:
    return Complaint(
        is_complaint=record.get("is_complaint", False),
        probability=record.get("probability", 0.0),
        severity=record.get("severity", 0),
        category=record.get("category", "none"),
    )
