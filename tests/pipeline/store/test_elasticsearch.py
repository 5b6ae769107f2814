"""The Elasticsearch store end to end through the real client against a recording server on loopback:
what `init` sends, the exact bulk actions of an upsert, per-document errors and retries, reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipeline.config import ElasticsearchSettings
from pipeline.exceptions import ConfigError, RecordConflict, StoreError
from pipeline.models import Post
from pipeline.store.base import MetricSnapshot, TrendBucket, UpsertCounts
from pipeline.store.elasticsearch import ElasticsearchStore
from pipeline.store.es_mappings import POST_PROPERTIES, post_document
from pipeline.store.records import NEW
from tests.helpers import make_post
from tests.pipeline.store.es_fake import FakeElasticsearch, Recorded, bulk_items, default_responder

T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
WRITTEN = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)  # the store's clock in these tests


@pytest.fixture
def fake() -> Iterator[FakeElasticsearch]:
    with FakeElasticsearch() as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def store(fake: FakeElasticsearch, sleeps: list[float]) -> Iterator[ElasticsearchStore]:
    es_store = ElasticsearchStore(
        fake.client(), prefix="yuqing", backoff_s=0.5, sleep=sleeps.append, clock=lambda: WRITTEN
    )
    yield es_store
    es_store.close()


def _post(number: int, **overrides: Any) -> Post:
    return Post.from_dict(make_post(id=f"weibo:{number}", brand="蒙牛", **overrides))


def _stored(post: Post, seq_no: int = 7) -> dict[str, Any]:
    seen = post.fetched_at or T0
    return {
        "_index": "yuqing-posts-2026.11",
        "_id": post.id,
        "_seq_no": seq_no,
        "_primary_term": 1,
        "found": True,
        "_source": post_document(post, first_seen=seen, last_seen=seen, indexed_at=seen),
    }


def test_init_creates_policies_templates_stream_and_alias_and_is_idempotent(
    fake: FakeElasticsearch, store: ElasticsearchStore
) -> None:
    done = store.init()
    month = f"yuqing-posts-{datetime.now(UTC):%Y.%m}"
    assert [(request.method, request.path) for request in fake.requests] == [
        ("PUT", "/_ilm/policy/yuqing-posts"),
        ("PUT", "/_ilm/policy/yuqing-snapshots"),
        ("PUT", "/_index_template/yuqing-posts"),
        ("PUT", "/_index_template/yuqing-snapshots"),
        ("PUT", "/_index_template/yuqing-records"),
        ("PUT", "/_index_template/yuqing-records-incident"),
        ("PUT", "/_data_stream/yuqing-snapshots"),
        ("PUT", "/yuqing-posts-*/_mapping"),
        ("PUT", f"/{month}"),
    ]
    assert fake.requests[2].json()["template"]["aliases"] == {"yuqing-posts": {}}
    # Fields added since older monthly indices were made reach them too (their mapping is strict).
    assert fake.requests[7].json() == {"properties": POST_PROPERTIES}
    assert fake.requests[7].query["allow_no_indices"] == "true"
    assert done[-1] == f"index {month} (alias yuqing-posts)"

    def already_there(request: Recorded) -> tuple[int, Any]:
        if request.path.startswith("/_data_stream/") or request.path == f"/{month}":
            error = {"type": "resource_already_exists_exception", "reason": "exists"}
            return 400, {"error": {"root_cause": [error], **error}, "status": 400}
        return default_responder(request)

    fake.responder = already_there
    again = store.init()
    assert "data stream yuqing-snapshots" not in again and len(again) == 6


def test_upsert_of_new_posts_creates_them_in_their_month_and_snapshots(
    fake: FakeElasticsearch, store: ElasticsearchStore
) -> None:
    posts = [_post(1), _post(2, created_at="2026-12-01T09:00:00+08:00")]
    assert store.upsert_posts(posts) == UpsertCounts(inserted=2)
    (mget,) = fake.calls("/_mget")
    assert mget.json() == {
        "docs": [
            {"_index": "yuqing-posts-2026.11", "_id": "weibo:1"},
            {"_index": "yuqing-posts-2026.12", "_id": "weibo:2"},
        ]
    }
    post_bulk, snapshot_bulk = fake.calls("/_bulk")
    lines = post_bulk.ndjson()
    assert lines[0] == {"create": {"_id": "weibo:1", "_index": "yuqing-posts-2026.11"}}
    seen = posts[0].fetched_at
    assert lines[1] == post_document(posts[0], first_seen=seen, last_seen=seen, indexed_at=WRITTEN)  # type: ignore[arg-type]
    assert lines[2] == {"create": {"_id": "weibo:2", "_index": "yuqing-posts-2026.12"}}
    assert snapshot_bulk.ndjson() == [
        {"create": {"_id": "weibo:1@2026-11-22T02:07:12+00:00", "_index": "yuqing-snapshots"}},
        {
            "@timestamp": "2026-11-22T02:07:12+00:00",
            "post_id": "weibo:1",
            "brand": "蒙牛",
            "reposts": 12,
            "comments": 3,
            "likes": 40,
        },
        {"create": {"_id": "weibo:2@2026-11-22T02:07:12+00:00", "_index": "yuqing-snapshots"}},
        snapshot_bulk.ndjson()[3],
    ]
    assert post_bulk.headers["content-type"].startswith("application/vnd.elasticsearch+x-ndjson")
    assert "compatible-with=9" in post_bulk.headers["accept"]


def test_update_uses_optimistic_concurrency_keeps_first_seen_and_bigger_metrics(
    fake: FakeElasticsearch, store: ElasticsearchStore
) -> None:
    old = _post(1, metrics={"reposts": 80, "comments": 1, "likes": 1})
    observed = T0 + timedelta(hours=3)

    def existing(request: Recorded) -> tuple[int, Any]:
        if request.path.endswith("/_mget"):
            return 200, {"docs": [_stored(old)]}
        return default_responder(request)

    fake.responder = existing
    newer = _post(1, metrics={"reposts": 5, "comments": 9, "likes": 1})
    assert store.upsert_posts([newer], observed_at=observed) == UpsertCounts(updated=1)
    post_bulk, snapshot_bulk = fake.calls("/_bulk")
    action, source = post_bulk.ndjson()
    assert action == {
        "index": {"_id": "weibo:1", "_index": "yuqing-posts-2026.11", "if_seq_no": 7, "if_primary_term": 1}
    }
    assert (source["reposts"], source["comments"]) == (80, 9)  # a stale repost count never wins
    assert source["first_seen"] == "2026-11-22T10:07:12+08:00"
    assert source["indexed_at"] == "2026-11-22T10:07:12+08:00"  # when it was first written, kept
    assert source["last_seen"] == observed.isoformat()
    assert snapshot_bulk.ndjson()[1]["reposts"] == 80


def test_unchanged_resend_writes_nothing(fake: FakeElasticsearch, store: ElasticsearchStore) -> None:
    post = _post(1)
    fake.responder = lambda request: (
        (200, {"docs": [_stored(post)]}) if request.path.endswith("/_mget") else (default_responder(request))
    )
    assert store.upsert_posts([post, post]) == UpsertCounts(unchanged=1)
    assert fake.calls("/_bulk") == []


def test_per_document_rejections_are_retried_with_backoff(
    fake: FakeElasticsearch, store: ElasticsearchStore, sleeps: list[float]
) -> None:
    rejections = {"weibo:2": [429, 503]}

    def flaky(request: Recorded) -> tuple[int, Any]:
        if request.path.endswith("/_bulk"):
            ids = [line[next(iter(line))]["_id"] for line in request.ndjson()[::2]]
            statuses = {doc_id: rejections[doc_id].pop(0) for doc_id in ids if rejections.get(doc_id)}
            return 200, bulk_items(request, statuses)
        return default_responder(request)

    fake.responder = flaky
    assert store.upsert_posts([_post(1), _post(2), _post(3)]) == UpsertCounts(inserted=3)
    post_bulks = [request for request in fake.calls("/_bulk") if "yuqing-posts" in request.body.decode()]
    assert [[line["create"]["_id"] for line in bulk.ndjson()[::2]] for bulk in post_bulks] == [
        ["weibo:1", "weibo:2", "weibo:3"],
        ["weibo:2"],
        ["weibo:2"],
    ]
    assert sleeps == [0.5, 1.0]


def test_a_whole_bulk_request_failing_is_retried(
    fake: FakeElasticsearch, store: ElasticsearchStore, sleeps: list[float]
) -> None:
    failures = [502]

    def gateway(request: Recorded) -> tuple[int, Any]:
        if request.path.endswith("/_bulk") and failures:
            return failures.pop(), {"error": {"type": "bad_gateway", "reason": "upstream"}, "status": 502}
        return default_responder(request)

    fake.responder = gateway
    assert store.upsert_posts([_post(1)]) == UpsertCounts(inserted=1)
    assert len(fake.calls("/_bulk")) == 3  # failed posts, posts again, snapshots
    assert sleeps == [0.5]


def test_permanent_errors_name_the_failed_ids_and_keep_the_rest(
    fake: FakeElasticsearch, store: ElasticsearchStore, sleeps: list[float]
) -> None:
    fake.responder = lambda request: (
        (200, bulk_items(request, {"weibo:2": 400})) if request.path.endswith("/_bulk") else default_responder(request)
    )
    with pytest.raises(StoreError, match=r"1 posts not written after retries: weibo:2: HTTP 400 document_parsing"):
        store.upsert_posts([_post(1), _post(2)])
    assert sleeps == []  # a mapping error cannot pass on a second try
    snapshot_bulk = fake.calls("/_bulk")[-1]
    assert [line["create"]["_id"] for line in snapshot_bulk.ndjson()[::2]] == ["weibo:1@2026-11-22T02:07:12+00:00"]


def test_rejections_that_persist_fail_after_the_last_attempt(
    fake: FakeElasticsearch, store: ElasticsearchStore, sleeps: list[float]
) -> None:
    fake.responder = lambda request: (
        (200, bulk_items(request, {"weibo:1": 503})) if request.path.endswith("/_bulk") else default_responder(request)
    )
    with pytest.raises(StoreError, match="weibo:1: HTTP 503"):
        store.upsert_posts([_post(1)])
    assert len(fake.calls("/_bulk")) == 3
    assert sleeps == [0.5, 1.0]


def test_a_version_conflict_re_reads_before_retrying(fake: FakeElasticsearch, store: ElasticsearchStore) -> None:
    post = _post(1)
    conflicts = [409]

    def racing(request: Recorded) -> tuple[int, Any]:
        if request.path.endswith("/_bulk") and conflicts:
            return 200, bulk_items(request, {"weibo:1": conflicts.pop()})
        if request.path.endswith("/_mget") and not conflicts:
            return 200, {"docs": [_stored(post, seq_no=9)]}  # someone else stored the same post meanwhile
        return default_responder(request)

    fake.responder = racing
    assert store.upsert_posts([post]) == UpsertCounts(unchanged=1)
    assert len(fake.calls("/_mget")) == 2


def test_reads_parse_canned_responses(fake: FakeElasticsearch, store: ElasticsearchStore) -> None:
    post = _post(1, sentiment={"label": "negative", "score": 0.9})
    start_ms = int(T0.timestamp() * 1000)
    trend_pages = [
        {
            "after_key": {"start": start_ms},
            "buckets": [{"key": {"start": start_ms, "brand": "蒙牛", "key": "positive"}, "doc_count": 1}],
        },
        {"buckets": [{"key": {"start": start_ms, "brand": "蒙牛", "key": "negative"}, "doc_count": 2}]},
    ]

    def answers(request: Recorded) -> tuple[int, Any]:
        if request.path == "/yuqing-posts/_search":
            body = request.json()
            if "aggs" in body:
                return 200, {"hits": {"hits": []}, "aggregations": {"trend": trend_pages.pop(0)}}
            hit = {"_id": post.id, "_source": _stored(post)["_source"], "sort": [1, post.id]}
            return 200, {"hits": {"hits": [hit]}}
        if request.path == "/yuqing-snapshots/_search":
            source = {"@timestamp": "2026-11-22T02:07:12+00:00", "reposts": 12, "comments": 3, "likes": 40}
            return 200, {"hits": {"hits": [{"_source": source, "sort": [1]}]}}
        if request.path == "/yuqing-posts/_count":
            return 200, {"count": 42}
        return default_responder(request)

    fake.responder = answers
    trends = store.trends(
        brand="蒙牛", since=T0, until=T0 + timedelta(hours=1), interval=timedelta(hours=1), by="sentiment"
    )
    assert trends == [TrendBucket(T0, "蒙牛", "negative", 2), TrendBucket(T0, "蒙牛", "positive", 1)]
    trend_requests = [r.json() for r in fake.calls("/yuqing-posts/_search")]
    assert trend_requests[1]["aggs"]["trend"]["composite"]["after"] == {"start": start_ms}
    histogram = trend_requests[0]["aggs"]["trend"]["composite"]["sources"][0]["start"]["date_histogram"]
    assert histogram == {"field": "created_at", "fixed_interval": "3600s", "time_zone": "Asia/Shanghai"}
    assert trends[0].start.isoformat() == "2026-11-22T10:00:00+08:00"
    assert store.get_post("weibo:1") == post
    assert store.top_posts(brand="蒙牛") == [post]
    assert store.search("异物") == [post]
    assert list(store.iter_posts()) == [post]
    assert store.count_posts("蒙牛") == 42
    assert fake.calls("/_count")[-1].json() == {"query": {"bool": {"filter": [{"term": {"brand": "蒙牛"}}]}}}
    assert store.snapshots("weibo:1") == [
        MetricSnapshot("weibo:1", datetime(2026, 11, 22, 2, 7, 12, tzinfo=UTC), 12, 3, 40)
    ]
    assert all(request.query.get("ignore_unavailable") == "true" for request in fake.calls("_search"))


def test_iter_posts_pages_with_search_after(fake: FakeElasticsearch, store: ElasticsearchStore) -> None:
    posts = [_post(number) for number in range(1001)]

    def pages(request: Recorded) -> tuple[int, Any]:
        after = request.json().get("search_after")
        start = 0 if after is None else int(after[1].split(":")[1]) + 1
        chunk = posts[start : start + 1000]
        hits = [{"_source": _stored(post)["_source"], "sort": [1, post.id]} for post in chunk]
        return 200, {"hits": {"hits": hits}}

    fake.responder = pages
    assert [post.id for post in store.iter_posts()] == [post.id for post in posts]
    assert fake.calls("_search")[1].json()["search_after"] == [1, "weibo:999"]


def test_records(fake: FakeElasticsearch, store: ElasticsearchStore) -> None:
    incident = {"incident_id": "inc-1", "brand": "蒙牛", "status": "open", "severity": 2}
    other = {"incident_id": "inc-2", "brand": "蒙牛", "status": "open", "severity": 3}

    def answers(request: Recorded) -> tuple[int, Any]:
        if request.path == "/yuqing-records-incident/_doc/inc-1" and request.method == "GET":
            return 200, {"found": True, "_seq_no": 7, "_primary_term": 2, "_source": {"record": incident}}
        if request.method == "GET":
            return 404, {"found": False}
        if request.path.endswith("/_search"):
            hits = [
                {
                    "_source": {"record_key": doc["incident_id"], "record": doc},
                    "_seq_no": 3,
                    "_primary_term": 1,
                    "sort": [doc["incident_id"]],
                }
                for doc in (incident, other)
            ]
            return 200, {"hits": {"hits": hits}}
        return default_responder(request)

    fake.responder = answers
    assert store.put_record("incident", "inc-1", incident) == "0:1"
    put = fake.requests[-1]
    assert (put.method, put.path, put.query) == ("PUT", "/yuqing-records-incident/_doc/inc-1", {"refresh": "false"})
    assert put.json()["record"] == incident
    assert store.get_record("incident", "inc-1") == incident
    found = store.get_versioned("incident", "inc-1")
    assert found is not None and found.version == "7:2"
    assert store.get_record("incident", "nope") is None
    # The index narrows by strings; numbers are compared exactly in Python, like the SQLite store does.
    assert store.list_records("incident", {"status": "open", "severity": 3}) == [other]
    search = fake.calls("_search")[-1].json()
    assert search["query"] == {"bool": {"filter": [{"term": {"match": 'status="open"'}}]}}
    assert search["seq_no_primary_term"] is True
    assert [record.version for record in store.list_versioned("incident")] == ["3:1", "3:1"]
    store.delete_record("incident", "inc-9")  # a missing record is not an error
    assert fake.requests[-1].method == "DELETE"


def test_conditional_record_writes_use_optimistic_concurrency(
    fake: FakeElasticsearch, store: ElasticsearchStore
) -> None:
    def answers(request: Recorded) -> tuple[int, Any]:
        if request.query.get("if_seq_no") == "7" or request.query.get("op_type") == "create":
            error = {"type": "version_conflict_engine_exception", "reason": "[inc-1]: version conflict"}
            return 409, {"error": error, "status": 409}
        return default_responder(request)

    fake.responder = answers
    assert store.put_record("incident", "inc-1", {"status": "open"}, if_version="8:2") == "0:1"
    assert fake.requests[-1].query == {"if_seq_no": "8", "if_primary_term": "2", "refresh": "false"}
    with pytest.raises(RecordConflict, match="inc-1"):
        store.put_record("incident", "inc-1", {"status": "open"}, if_version="7:2")
    with pytest.raises(RecordConflict):
        store.put_record("incident", "inc-1", {"status": "open"}, if_version=NEW)
    assert fake.requests[-1].query == {"op_type": "create", "refresh": "false"}


def test_connect_needs_a_url_and_uses_credentials(fake: FakeElasticsearch) -> None:
    with pytest.raises(ConfigError, match="YUQING_ES__URL"):
        ElasticsearchStore.connect(ElasticsearchSettings())
    settings = ElasticsearchSettings(url=fake.url, api_key="c2VjcmV0", index_prefix="brandwatch")  # type: ignore[arg-type]
    es_store = ElasticsearchStore.connect(settings)
    assert es_store.count_posts() == 0
    assert fake.requests[-1].headers["authorization"] == "ApiKey c2VjcmV0"
    assert fake.requests[-1].path == "/brandwatch-posts/_count"
    basic = ElasticsearchStore.connect(
        ElasticsearchSettings(url=fake.url, username="yuqing", password="pw")  # type: ignore[arg-type]
    )
    basic.count_posts()
    assert fake.requests[-1].headers["authorization"] == "Basic eXVxaW5nOnB3"


def test_server_errors_become_store_errors(fake: FakeElasticsearch, store: ElasticsearchStore) -> None:
    fake.responder = lambda request: (401, {"error": {"type": "security_exception", "reason": "missing credentials"}})
    with pytest.raises(StoreError, match="count posts failed: HTTP 401 security_exception: missing credentials"):
        store.count_posts()


def test_test_hook_inits_with_wait_for_and_drop_all_removes_everything_by_name(fake: FakeElasticsearch) -> None:
    def answers(request: Recorded) -> tuple[int, Any]:
        if request.method == "GET" and request.path == "/yq-t1-*":
            return 200, {"yq-t1-posts-2026.11": {}, "yq-t1-records-incident": {}}
        return default_responder(request)

    fake.responder = answers
    es_store = ElasticsearchStore.for_tests(fake.url, prefix="yq-t1")
    assert fake.requests[0].path == "/_ilm/policy/yq-t1-posts"
    es_store.put_record("feedback", "f1", {"label": "spam"})
    assert fake.requests[-1].query["refresh"] == "wait_for"
    fake.requests.clear()
    es_store.drop_all()
    assert [(request.method, request.path) for request in fake.requests] == [
        ("DELETE", "/_data_stream/yq-t1-snapshots"),
        ("GET", "/yq-t1-*"),
        ("DELETE", "/yq-t1-posts-2026.11,yq-t1-records-incident"),
        ("DELETE", "/_index_template/yq-t1-posts"),
        ("DELETE", "/_index_template/yq-t1-snapshots"),
        ("DELETE", "/_index_template/yq-t1-records"),
        ("DELETE", "/_index_template/yq-t1-records-incident"),
        ("DELETE", "/_ilm/policy/yq-t1-posts"),
        ("DELETE", "/_ilm/policy/yq-t1-snapshots"),
    ]
    es_store.close()


def test_a_ca_certificate_needs_https(tmp_path: Any) -> None:
    ca = tmp_path / "ca.crt"
    with pytest.raises(ConfigError, match="TLS options require scheme to be 'https'"):
        ElasticsearchStore.connect(ElasticsearchSettings(url="http://127.0.0.1:9200", ca_certs=ca))
    secure = ElasticsearchStore.connect(ElasticsearchSettings(url="https://127.0.0.1:9200", ca_certs=ca))
    assert secure.names.posts_alias == "yuqing-posts"
    secure.close()


def test_posts_added_since_read_from_a_while_before_the_cursor_in_write_order(
    fake: FakeElasticsearch, store: ElasticsearchStore
) -> None:
    posts = [_post(1), _post(2)]

    def answers(request: Recorded) -> tuple[int, Any]:
        if request.path.endswith("/_search") and request.json()["size"] == 1:
            return 200, {"hits": {"hits": [{"_source": {"indexed_at": "2026-11-22T10:30:00+08:00"}}]}}
        if request.path.endswith("/_search"):
            hits = [{"_source": _stored(post)["_source"], "sort": [1, post.id]} for post in posts]
            hits[-1]["_source"]["indexed_at"] = "2026-11-22T10:31:00+08:00"
            return 200, {"hits": {"hits": hits}}
        return default_responder(request)

    fake.responder = answers
    cursor = store.added_cursor()
    assert cursor == "2026-11-22T10:30:00+08:00"
    assert fake.requests[-1].json() == {
        "sort": [{"indexed_at": {"order": "desc"}}],
        "_source": ["indexed_at"],
        "size": 1,
        "track_total_hits": False,
    }
    added, after = store.posts_added_since(cursor)
    assert [post.id for post in added] == ["weibo:1", "weibo:2"] and after == "2026-11-22T10:31:00+08:00"
    body = fake.calls("_search")[-1].json()
    assert body["query"] == {"bool": {"filter": [{"range": {"indexed_at": {"gte": "2026-11-22T10:28:00+08:00"}}}]}}
    assert body["sort"] == [{"indexed_at": {"order": "asc"}}, {"post_id": {"order": "asc"}}]
