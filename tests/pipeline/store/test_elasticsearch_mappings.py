"""The exact templates, ILM policies and documents the Elasticsearch store writes."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.models import Post
from pipeline.store.es_mappings import (
    INCIDENT_PROPERTIES,
    POST_PROPERTIES,
    IndexNames,
    ilm_policies,
    index_templates,
    match_terms,
    minutes_to_ack,
    post_document,
    record_document,
    snapshot_document,
    snapshot_id,
)
from tests.helpers import make_post

SEEN = datetime.fromisoformat("2026-11-22T10:07:12+08:00")


def _enriched_post() -> Post:
    return Post.from_dict(
        make_post(
            brand="蒙牛",
            sentiment={"label": "negative", "score": 0.93},
            complaint={"is_complaint": True, "probability": 0.91, "severity": 2, "category": "quality"},
            region="上海",
        )
    )


def test_names_derive_from_the_prefix_and_route_posts_by_utc_month() -> None:
    names = IndexNames("yq")
    assert names.posts_alias == "yq-posts"
    # 2026-12-01 01:00 in Shanghai is still November in UTC: the index never depends on the writer's zone.
    assert names.posts_index(datetime.fromisoformat("2026-12-01T01:00:00+08:00")) == "yq-posts-2026.11"
    assert names.posts_index(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)) == "yq-posts-2026.12"
    assert (names.snapshots, names.records("incident")) == ("yq-snapshots", "yq-records-incident")


def test_posts_template_is_monthly_indices_behind_an_alias_with_strict_mapping() -> None:
    template = index_templates(IndexNames("yuqing"))["yuqing-posts"]
    assert template == {
        "index_patterns": ["yuqing-posts-*"],
        "priority": 500,
        "template": {
            "settings": {
                "number_of_shards": 1,
                "number_of_replicas": 0,
                "index.lifecycle.name": "yuqing-posts",
                "analysis": {
                    "analyzer": {"yuqing_words": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]}}
                },
            },
            "aliases": {"yuqing-posts": {}},
            "mappings": {"dynamic": "strict", "properties": POST_PROPERTIES},
        },
        "_meta": {"managed_by": "yuqing es init"},
    }


def test_post_fields_segmented_text_beside_raw_text_and_keywords() -> None:
    assert POST_PROPERTIES["text"] == {
        "type": "text",
        "analyzer": "standard",
        "fields": {"cjk": {"type": "text", "analyzer": "cjk"}},
    }
    assert POST_PROPERTIES["text_seg"] == {"type": "text", "analyzer": "yuqing_words"}
    keywords = ["brand", "sentiment_label", "severity_label", "category", "author_name", "region", "terms"]
    assert all(POST_PROPERTIES[field] == {"type": "keyword"} for field in keywords)
    assert POST_PROPERTIES["post"] == {"type": "object", "enabled": False}
    assert {POST_PROPERTIES[field]["type"] for field in ("created_at", "first_seen", "last_seen")} == {"date"}


def test_snapshots_are_a_data_stream_and_records_one_index_per_kind() -> None:
    templates = index_templates(IndexNames("yuqing"))
    snapshots = templates["yuqing-snapshots"]
    assert snapshots["data_stream"] == {}
    assert snapshots["index_patterns"] == ["yuqing-snapshots*"]
    assert snapshots["template"]["mappings"]["properties"]["@timestamp"] == {"type": "date"}
    assert templates["yuqing-records"]["index_patterns"] == ["yuqing-records-*"]
    incident = templates["yuqing-records-incident"]
    assert incident["priority"] > templates["yuqing-records"]["priority"]
    assert incident["template"]["mappings"]["properties"] == INCIDENT_PROPERTIES
    assert INCIDENT_PROPERTIES["record"]["dynamic"] is False


def test_ilm_policies() -> None:
    policies = ilm_policies(IndexNames("yuqing"))
    assert policies["yuqing-snapshots"] == {
        "phases": {
            "hot": {
                "min_age": "0ms",
                "actions": {"rollover": {"max_age": "7d", "max_primary_shard_size": "10gb"}},
            },
            "delete": {"min_age": "90d", "actions": {"delete": {}}},
        }
    }
    posts = policies["yuqing-posts"]["phases"]
    assert "rollover" not in posts["hot"]["actions"]  # monthly indices are named, not rolled over
    assert posts["delete"] == {"min_age": "730d", "actions": {"delete": {}}}


def test_post_document_flattens_enrichment_and_keeps_the_contract() -> None:
    post = _enriched_post()
    document = post_document(post, first_seen=SEEN, last_seen=SEEN, indexed_at=SEEN)
    assert set(document) == set(POST_PROPERTIES)  # a strict mapping rejects any other field
    assert document["post"] == post.to_dict()
    assert Post.from_dict(document["post"]) == post
    assert {key: document[key] for key in ("brand", "sentiment_label", "severity_label", "category")} == {
        "brand": "蒙牛",
        "sentiment_label": "negative",
        "severity_label": "major",
        "category": "quality",
    }
    assert document["text_seg"].split() == [
        "蒙牛",
        "牛奶",
        "纯牛奶",
        "喝",
        "出",
        "异物",
        "已经",
        "打",
        "12315",
        "投诉",
        "了",
        "怒",
    ]
    assert document["terms"] == ["蒙牛", "纯牛奶", "异物", "投诉"]
    assert (document["region"], document["is_repost"], document["reposts"]) == ("上海", False, 12)
    assert document["first_seen"] == "2026-11-22T10:07:12+08:00"


def test_unscored_post_has_null_enrichment_fields() -> None:
    document = post_document(Post.from_dict(make_post()), first_seen=SEEN, last_seen=SEEN, indexed_at=SEEN)
    assert [document[key] for key in ("sentiment_label", "severity_label", "category", "region")] == [None] * 4


def test_snapshot_document_and_deterministic_id() -> None:
    post = _enriched_post()
    assert snapshot_document(post, SEEN) == {
        "@timestamp": "2026-11-22T02:07:12+00:00",
        "post_id": "weibo:4978123456789012",
        "brand": "蒙牛",
        "reposts": 12,
        "comments": 3,
        "likes": 40,
    }
    assert snapshot_id(post.id, SEEN) == "weibo:4978123456789012@2026-11-22T02:07:12+00:00"


def test_record_document_indexes_scalars_and_time_to_acknowledge() -> None:
    incident = {
        "incident_id": "inc-1",
        "brand": "蒙牛",
        "status": "acknowledged",
        "opened_at": "2026-11-22T10:00:00+08:00",
        "updated_at": "2026-11-22T10:12:30+08:00",
        "evidence": {"z": 4.2},
        "posts": ["weibo:1"],
    }
    document = record_document("incident", "inc-1", incident)
    assert document == {
        "record_kind": "incident",
        "record_key": "inc-1",
        "match": [
            'brand="蒙牛"',
            'incident_id="inc-1"',
            'opened_at="2026-11-22T10:00:00+08:00"',
            'status="acknowledged"',
            'updated_at="2026-11-22T10:12:30+08:00"',
        ],
        "record": incident,
        "minutes_to_ack": 12.5,
    }
    assert "minutes_to_ack" not in record_document("feedback", "f1", {"label": "spam"})
    assert minutes_to_ack({"status": "open", "opened_at": "2026-11-22T10:00:00+08:00"}) is None
    assert minutes_to_ack({"status": "acknowledged", "opened_at": "yesterday"}) is None
    assert match_terms({"n": 3, "flag": True, "nested": {"a": 1}, "none": None}) == ["flag=true", "n=3"]
