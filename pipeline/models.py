"""The data contracts of DESIGN §4: posts, their enrichment, and time helpers.

Posts travel as JSON Lines. `Post.from_dict` is the one place a record is validated; it raises
`InvalidRecord` naming the problem, and keeps unknown keys in `extra` so nothing a source sent is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pipeline.exceptions import InvalidRecord

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

SentimentLabel = Literal["negative", "neutral", "positive"]
SEVERITY_LABELS: tuple[str, ...] = ("none", "minor", "major", "critical")
CATEGORIES: tuple[str, ...] = (
    "quality",
    "safety",
    "delivery",
    "service",
    "price",
    "integrity",
    "privacy",
    "other",
    "none",
)
_KNOWN_KEYS = frozenset(
    {
        "id",
        "source",
        "url",
        "text",
        "created_at",
        "fetched_at",
        "author",
        "metrics",
        "repost_of",
        "brand",
        "sentiment",
        "complaint",
    }
)


def parse_time(value: object, what: str = "time") -> datetime:
    """Parse an ISO 8601 timestamp; a naive one is taken as Asia/Shanghai (Weibo's own zone)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidRecord(f"{what} is not an ISO 8601 time: {value!r}") from exc
    else:
        raise InvalidRecord(f"{what} is not an ISO 8601 time: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def format_time(value: datetime) -> str:
    """ISO 8601 with offset, seconds precision."""
    return value.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    name: str = ""
    followers: int = 0
    verified: bool = False
    verified_type: int = -1

    @classmethod
    def from_dict(cls, raw: object) -> Author:
        if not isinstance(raw, dict):
            raise InvalidRecord(f"author is not an object: {raw!r}")
        return cls(
            id=str(raw.get("id", "")),
            name=str(raw.get("name") or ""),
            followers=_non_negative_int(raw.get("followers", 0), "author.followers"),
            verified=bool(raw.get("verified", False)),
            verified_type=_int(raw.get("verified_type", -1), "author.verified_type"),
        )

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
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise InvalidRecord(f"metrics is not an object: {raw!r}")
        return cls(
            reposts=_non_negative_int(raw.get("reposts", 0), "metrics.reposts"),
            comments=_non_negative_int(raw.get("comments", 0), "metrics.comments"),
            likes=_non_negative_int(raw.get("likes", 0), "metrics.likes"),
        )

    def to_dict(self) -> dict[str, int]:
        return {"reposts": self.reposts, "comments": self.comments, "likes": self.likes}


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: SentimentLabel
    score: float  # P(negative)

    @classmethod
    def from_dict(cls, raw: object) -> Sentiment:
        if not isinstance(raw, dict) or raw.get("label") not in ("negative", "neutral", "positive"):
            raise InvalidRecord(f"sentiment is not a valid enrichment: {raw!r}")
        return cls(label=raw["label"], score=_probability(raw.get("score", 0.5), "sentiment.score"))

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
        if not isinstance(raw, dict):
            raise InvalidRecord(f"complaint is not an object: {raw!r}")
        severity = _int(raw.get("severity", 0), "complaint.severity")
        if not 0 <= severity <= 3:
            raise InvalidRecord(f"complaint.severity must be 0-3, got {severity}")
        category = str(raw.get("category", "none"))
        if category not in CATEGORIES:
            raise InvalidRecord(f"complaint.category {category!r} is not one of {', '.join(CATEGORIES)}")
        return cls(
            is_complaint=bool(raw.get("is_complaint", False)),
            probability=_probability(raw.get("probability", 0.0), "complaint.probability"),
            severity=severity,
            category=category,
        )

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
    """One microblog post (DESIGN §4). `id` is source-prefixed and the upsert key."""

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
        """Validate one decoded JSON record; raises `InvalidRecord` saying what is wrong."""
        if not isinstance(raw, dict):
            raise InvalidRecord(f"record is a {type(raw).__name__}, not an object")
        missing = [key for key in ("id", "text", "created_at") if raw.get(key) in (None, "")]
        if missing:
            raise InvalidRecord(f"missing required field(s): {', '.join(missing)}")
        if not isinstance(raw["text"], str):
            raise InvalidRecord("text is not a string")
        post_id = str(raw["id"])
        source = str(raw.get("source") or (post_id.partition(":")[0] if ":" in post_id else ""))
        author = raw.get("author")
        sentiment = raw.get("sentiment")
        complaint = raw.get("complaint")
        fetched_at = raw.get("fetched_at")
        repost_of = raw.get("repost_of")
        brand = raw.get("brand")
        return cls(
            id=post_id,
            text=raw["text"],
            created_at=parse_time(raw["created_at"], "created_at"),
            source=source,
            url=str(raw.get("url") or ""),
            fetched_at=parse_time(fetched_at, "fetched_at") if fetched_at else None,
            author=Author.from_dict(author) if author is not None else None,
            metrics=Metrics.from_dict(raw.get("metrics")),
            repost_of=str(repost_of) if repost_of else None,
            brand=str(brand) if brand else None,
            sentiment=Sentiment.from_dict(sentiment) if sentiment is not None else None,
            complaint=Complaint.from_dict(complaint) if complaint is not None else None,
            extra={key: value for key, value in raw.items() if key not in _KNOWN_KEYS},
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


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidRecord(f"{what} is not a number: {value!r}")
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidRecord(f"{what} is not a number: {value!r}") from exc


def _non_negative_int(value: object, what: str) -> int:
    if value is None:
        return 0
    number = _int(value, what)
    if number < 0:
        raise InvalidRecord(f"{what} is negative: {number}")
    return number


def _probability(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRecord(f"{what} is not a number: {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise InvalidRecord(f"{what} must be within 0-1, got {value}")
    return float(value)
