"""Elasticsearch index names, templates, ILM policies and the documents the Elasticsearch store writes.

Posts live in monthly indices (`<prefix>-posts-YYYY.MM`, the UTC month of `created_at`, which never
changes) behind the alias `<prefix>-posts`; metric observations go to the append-only data stream
`<prefix>-snapshots`; records go to one index per kind (`<prefix>-records-incident`, ...). Every post
document carries the exact Post contract in `post` (stored, not indexed) beside flat, typed fields for
queries and Kibana: a jieba-segmented `text_seg` (whitespace analysed) beside the raw `text` (standard,
with a `cjk` bigram subfield) and a `terms` keyword array for word clouds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline.models import Post, format_time
from pipeline.segment import segment_for_search, terms

TEMPLATE_PRIORITY = 500  # above the built-in logs-*/metrics-* templates (priority 100/200)
WORDS_ANALYZER = "yuqing_words"

POST_PROPERTIES: dict[str, Any] = {
    "post_id": {"type": "keyword"},
    "source": {"type": "keyword"},
    "url": {"type": "keyword", "index": False},
    "brand": {"type": "keyword"},
    "created_at": {"type": "date"},
    "fetched_at": {"type": "date"},
    "first_seen": {"type": "date"},
    "last_seen": {"type": "date"},
    "indexed_at": {"type": "date"},  # when the store first wrote it: what detection has read up to
    "text": {"type": "text", "analyzer": "standard", "fields": {"cjk": {"type": "text", "analyzer": "cjk"}}},
    "text_seg": {"type": "text", "analyzer": WORDS_ANALYZER},
    "terms": {"type": "keyword"},
    "author_id": {"type": "keyword"},
    "author_name": {"type": "keyword"},
    # null when the source shows no count (search pages): no `null_value`, so unknown counts stay out of
    # ranges and averages instead of counting as 0 followers
    "author_followers": {"type": "long"},
    "author_verified": {"type": "boolean"},
    "region": {"type": "keyword"},
    "is_repost": {"type": "boolean"},
    "repost_of": {"type": "keyword"},
    "sentiment_label": {"type": "keyword"},
    "sentiment_score": {"type": "float"},
    "is_complaint": {"type": "boolean"},
    "complaint_probability": {"type": "float"},
    "severity": {"type": "byte"},
    "severity_label": {"type": "keyword"},
    "category": {"type": "keyword"},
    "reposts": {"type": "integer"},
    "comments": {"type": "integer"},
    "likes": {"type": "integer"},
    "post": {"type": "object", "enabled": False},  # the JSONL contract, returned as is
}

SNAPSHOT_PROPERTIES: dict[str, Any] = {
    "@timestamp": {"type": "date"},
    "post_id": {"type": "keyword"},
    "brand": {"type": "keyword"},
    "reposts": {"type": "integer"},
    "comments": {"type": "integer"},
    "likes": {"type": "integer"},
}

RECORD_PROPERTIES: dict[str, Any] = {
    "record_kind": {"type": "keyword"},
    "record_key": {"type": "keyword"},
    "match": {"type": "keyword"},  # "field=<json value>" of top-level scalars, for `where` filters
    "record": {"type": "object", "enabled": False},
}

# Incidents are shown in Kibana, so their contract fields (docs/data-contracts.md) are typed; anything else a
# detector adds is kept in _source but not indexed (dynamic: false), and a malformed value cannot make a write fail.
INCIDENT_PROPERTIES: dict[str, Any] = {
    "record_kind": {"type": "keyword"},
    "record_key": {"type": "keyword"},
    "match": {"type": "keyword"},
    "minutes_to_ack": {"type": "float"},
    "record": {
        "type": "object",
        "dynamic": False,
        "properties": {
            "incident_id": {"type": "keyword"},
            "kind": {"type": "keyword"},
            "brand": {"type": "keyword"},
            "root_id": {"type": "keyword"},
            "status": {"type": "keyword"},
            "priority": {"type": "keyword"},
            "reason": {"type": "text"},
            "opened_at": {"type": "date", "ignore_malformed": True},
            "updated_at": {"type": "date", "ignore_malformed": True},
            "acknowledged_at": {"type": "date", "ignore_malformed": True},
            "resolved_at": {"type": "date", "ignore_malformed": True},
            "predicted_reposts": {"type": "long", "ignore_malformed": True},
            "evidence": {"type": "object", "enabled": False},
            "posts": {"type": "object", "enabled": False},
        },
    },
}


@dataclass(frozen=True, slots=True)
class IndexNames:
    """Every name the store uses, derived from one prefix so that tests can run side by side."""

    prefix: str = "yuqing"

    @property
    def posts_alias(self) -> str:
        return f"{self.prefix}-posts"

    @property
    def posts_pattern(self) -> str:
        return f"{self.prefix}-posts-*"

    def posts_index(self, created_at: datetime) -> str:
        month = created_at.astimezone(UTC)
        return f"{self.prefix}-posts-{month:%Y.%m}"

    @property
    def snapshots(self) -> str:
        return f"{self.prefix}-snapshots"

    def records(self, kind: str) -> str:
        return f"{self.prefix}-records-{kind}"

    @property
    def records_pattern(self) -> str:
        return f"{self.prefix}-records-*"

    @property
    def posts_policy(self) -> str:
        return f"{self.prefix}-posts"

    @property
    def snapshots_policy(self) -> str:
        return f"{self.prefix}-snapshots"


def ilm_policies(names: IndexNames) -> dict[str, dict[str, Any]]:
    """Policy name → policy body. Monthly post indices are not rolled over (the month names them): they
    are force-merged once the month is over and deleted after two years. Snapshots roll over weekly and
    are kept 90 days, which is all that spread detection and velocity charts look back."""
    return {
        names.posts_policy: {
            "phases": {
                "hot": {"min_age": "0ms", "actions": {"set_priority": {"priority": 100}}},
                "warm": {
                    "min_age": "35d",
                    "actions": {"set_priority": {"priority": 50}, "forcemerge": {"max_num_segments": 1}},
                },
                "delete": {"min_age": "730d", "actions": {"delete": {}}},
            }
        },
        names.snapshots_policy: {
            "phases": {
                "hot": {
                    "min_age": "0ms",
                    "actions": {"rollover": {"max_age": "7d", "max_primary_shard_size": "10gb"}},
                },
                "delete": {"min_age": "90d", "actions": {"delete": {}}},
            }
        },
    }


def index_templates(names: IndexNames) -> dict[str, dict[str, Any]]:
    """Template name → keyword arguments of `indices.put_index_template`."""
    single_node = {"number_of_shards": 1, "number_of_replicas": 0}  # raise replicas on a real cluster
    return {
        names.posts_alias: {
            "index_patterns": [names.posts_pattern],
            "priority": TEMPLATE_PRIORITY,
            "template": {
                "settings": {
                    **single_node,
                    "index.lifecycle.name": names.posts_policy,
                    "analysis": {
                        "analyzer": {
                            WORDS_ANALYZER: {
                                "type": "custom",
                                "tokenizer": "whitespace",
                                "filter": ["lowercase"],
                            }
                        }
                    },
                },
                "aliases": {names.posts_alias: {}},
                "mappings": {"dynamic": "strict", "properties": POST_PROPERTIES},
            },
            "_meta": {"managed_by": "yuqing es init"},
        },
        names.snapshots: {
            "index_patterns": [f"{names.snapshots}*"],
            "priority": TEMPLATE_PRIORITY,
            "data_stream": {},
            "template": {
                "settings": {**single_node, "index.lifecycle.name": names.snapshots_policy},
                "mappings": {"dynamic": "strict", "properties": SNAPSHOT_PROPERTIES},
            },
            "_meta": {"managed_by": "yuqing es init"},
        },
        f"{names.prefix}-records": {
            "index_patterns": [names.records_pattern],
            "priority": TEMPLATE_PRIORITY,
            "template": {
                "settings": single_node,
                "mappings": {"dynamic": "strict", "properties": RECORD_PROPERTIES},
            },
            "_meta": {"managed_by": "yuqing es init"},
        },
        names.records("incident"): {
            "index_patterns": [names.records("incident")],
            "priority": TEMPLATE_PRIORITY + 10,  # wins over <prefix>-records-*
            "template": {
                "settings": single_node,
                "mappings": {"dynamic": "strict", "properties": INCIDENT_PROPERTIES},
            },
            "_meta": {"managed_by": "yuqing es init"},
        },
    }


def post_document(post: Post, first_seen: datetime, last_seen: datetime, indexed_at: datetime) -> dict[str, Any]:
    """The indexed form of a post: typed fields for queries and Kibana, and the contract in `post`."""
    author, sentiment, complaint = post.author, post.sentiment, post.complaint
    region = post.extra.get("region")
    return {
        "post_id": post.id,
        "source": post.source,
        "url": post.url,
        "brand": post.brand,
        "created_at": post.created_at.isoformat(),
        "fetched_at": post.fetched_at.isoformat() if post.fetched_at else None,
        "first_seen": first_seen.isoformat(),
        "last_seen": last_seen.isoformat(),
        "indexed_at": indexed_at.isoformat(),
        "text": post.text,
        "text_seg": " ".join(segment_for_search(post.text)),
        "terms": terms(post.text),
        "author_id": author.id if author else None,
        "author_name": author.name if author else None,
        "author_followers": author.followers if author else None,
        "author_verified": author.verified if author else None,
        "region": str(region) if isinstance(region, str | int) else None,
        "is_repost": post.is_repost,
        "repost_of": post.repost_of,
        "sentiment_label": sentiment.label if sentiment else None,
        "sentiment_score": round(sentiment.score, 4) if sentiment else None,
        "is_complaint": complaint.is_complaint if complaint else None,
        "complaint_probability": round(complaint.probability, 4) if complaint else None,
        "severity": complaint.severity if complaint else None,
        "severity_label": complaint.severity_label if complaint else None,
        "category": complaint.category if complaint else None,
        "reposts": post.metrics.reposts,
        "comments": post.metrics.comments,
        "likes": post.metrics.likes,
        "post": post.to_dict(),
    }


def snapshot_id(post_id: str, observed_at: datetime) -> str:
    """Deterministic, so a retried write of the same observation is recognised as already stored."""
    return f"{post_id}@{observed_at.astimezone(UTC).isoformat()}"


def snapshot_document(post: Post, observed_at: datetime) -> dict[str, Any]:
    return {
        "@timestamp": observed_at.astimezone(UTC).isoformat(),
        "post_id": post.id,
        "brand": post.brand,
        "reposts": post.metrics.reposts,
        "comments": post.metrics.comments,
        "likes": post.metrics.likes,
    }


def match_terms(doc: dict[str, Any]) -> list[str]:
    """`field=<json value>` for each top-level scalar of a record: exact-equality filters in ES."""
    return [
        f"{field}={json.dumps(value, ensure_ascii=False)}"
        for field, value in sorted(doc.items())
        if isinstance(value, str | int | float | bool) and len(str(value)) <= 256
    ]


def record_document(kind: str, key: str, doc: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"record_kind": kind, "record_key": key, "match": match_terms(doc), "record": doc}
    if kind == "incident":
        body["minutes_to_ack"] = minutes_to_ack(doc)
    return body


def minutes_to_ack(incident: dict[str, Any]) -> float | None:
    """Minutes from opening to acknowledgement (Kibana's "time to acknowledge"), when both are known."""
    acknowledged = incident.get("acknowledged_at")
    if acknowledged is None and incident.get("status") == "acknowledged":
        acknowledged = incident.get("updated_at")
    try:
        opened = datetime.fromisoformat(str(incident["opened_at"]))
        acked = datetime.fromisoformat(str(acknowledged))
    except (KeyError, ValueError):
        return None
    if (opened.tzinfo is None) != (acked.tzinfo is None):
        return None
    return round((acked - opened).total_seconds() / 60, 2)


def format_range_time(value: datetime) -> str:
    """Range bounds with full precision (format_time drops sub-seconds, which would widen a bound)."""
    return value.isoformat() if value.microsecond else format_time(value)
