"""The exact query bodies the Elasticsearch store sends, built with elasticsearch.dsl."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pipeline.store import es_queries
from pipeline.store.base import TrendBucket

T0 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=2)
WINDOW = {"range": {"created_at": {"gte": "2026-11-22T02:00:00+00:00", "lt": "2026-11-22T04:00:00+00:00"}}}


def test_trend_query_is_a_composite_of_time_brand_and_dimension() -> None:
    search = es_queries.trend_buckets(
        None, "yuqing-posts", brand="蒙牛", since=T0, until=T1, interval=timedelta(hours=1), by="severity"
    )
    assert search.to_dict() == {
        "query": {"bool": {"filter": [{"term": {"brand": "蒙牛"}}, WINDOW]}},
        "aggs": {
            "trend": {
                "composite": {
                    "sources": [
                        {
                            "start": {
                                "date_histogram": {
                                    "field": "created_at",
                                    "fixed_interval": "3600s",
                                    "time_zone": "Asia/Shanghai",
                                }
                            }
                        },
                        {"brand": {"terms": {"field": "brand", "missing_bucket": True}}},
                        {"key": {"terms": {"field": "severity_label", "missing_bucket": True}}},
                    ],
                    "size": 1000,
                }
            }
        },
        "size": 0,
        "track_total_hits": False,
    }
    assert search._params == {"ignore_unavailable": True}


def test_trend_query_without_breakdown_pages_with_after_key() -> None:
    after = {"start": 1, "brand": "蒙牛"}
    search = es_queries.trend_buckets(
        None, "p", brand=None, since=T0, until=T1, interval=timedelta(days=1), after=after
    )
    composite = search.to_dict()["aggs"]["trend"]["composite"]
    assert [list(source) for source in composite["sources"]] == [["start"], ["brand"]]
    assert composite["sources"][0]["start"]["date_histogram"]["fixed_interval"] == "86400s"
    assert composite["after"] == after
    assert search.to_dict()["query"] == {"bool": {"filter": [WINDOW]}}


def test_trend_days_are_counted_in_the_given_time_zone() -> None:
    search = es_queries.trend_buckets(
        None, "p", brand=None, since=T0, until=T1, interval=timedelta(days=1), tz=ZoneInfo("Asia/Kolkata")
    )
    histogram = search.to_dict()["aggs"]["trend"]["composite"]["sources"][0]["start"]["date_histogram"]
    assert histogram == {"field": "created_at", "fixed_interval": "86400s", "time_zone": "Asia/Kolkata"}


def test_parse_trend_buckets_names_missing_values() -> None:
    start_ms = int(T0.timestamp() * 1000)
    buckets = [
        {"key": {"start": start_ms, "brand": "蒙牛", "key": None}, "doc_count": 2},
        {"key": {"start": start_ms, "brand": None}, "doc_count": 1},
    ]
    assert es_queries.parse_trend_buckets(buckets) == [
        TrendBucket(T0, "蒙牛", "unscored", 2),
        TrendBucket(T0, "", "all", 1),
    ]
    [kolkata] = es_queries.parse_trend_buckets(buckets[:1], ZoneInfo("Asia/Kolkata"))
    assert kolkata.start.isoformat() == "2026-11-22T07:30:00+05:30"  # the same instant, told in that zone


def test_full_text_requires_every_run_as_a_phrase() -> None:
    search = es_queries.full_text(None, "yuqing-posts", "快递太慢 怒 iPhone", brand="顺丰", limit=5)
    assert search is not None
    assert search.to_dict() == {
        "query": {
            "bool": {
                "filter": [{"term": {"brand": "顺丰"}}],
                "must": [
                    {"match_phrase": {"text.cjk": "快递太慢"}},
                    {"match_phrase": {"text": "怒"}},
                    {"match_phrase": {"text": "iPhone"}},
                ],
            }
        },
        "sort": [{"created_at": {"order": "desc"}}],
        "size": 5,
        "track_total_hits": False,
    }
    assert es_queries.full_text(None, "yuqing-posts", "，。！") is None


def test_top_posts_sort_by_spread() -> None:
    search = es_queries.top_spread(None, "yuqing-posts", since=T0, until=T1, limit=3)
    assert search.to_dict() == {
        "query": {"bool": {"filter": [WINDOW, {"term": {"sentiment_label": "negative"}}]}},
        "sort": [
            {"reposts": {"order": "desc"}},
            {"comments": {"order": "desc"}},
            {"likes": {"order": "desc"}},
            {"created_at": {"order": "desc"}},
        ],
        "size": 3,
        "track_total_hits": False,
    }
    unfiltered = es_queries.top_spread(None, "yuqing-posts", sentiment=None).to_dict()
    assert "query" not in unfiltered


def test_oldest_first_and_reposts_sort_by_time_then_id() -> None:
    search = es_queries.oldest_first(None, "yuqing-posts", brand="蒙牛", originals_only=True)
    assert search.to_dict() == {
        "query": {"bool": {"filter": [{"term": {"brand": "蒙牛"}}, {"term": {"is_repost": False}}]}},
        "sort": [{"created_at": {"order": "asc"}}, {"post_id": {"order": "asc"}}],
        "size": 1000,
        "track_total_hits": False,
    }
    reposts = es_queries.reposts_of(None, "yuqing-posts", "weibo:1").to_dict()
    assert reposts["query"] == {"bool": {"filter": [{"term": {"repost_of": "weibo:1"}}]}}
    assert reposts["sort"] == search.to_dict()["sort"]


def test_sub_second_bounds_keep_their_precision() -> None:
    since = T0 + timedelta(microseconds=250_000)
    body = es_queries.oldest_first(None, "p", since=since).to_dict()
    assert body["query"]["bool"]["filter"] == [{"range": {"created_at": {"gte": "2026-11-22T02:00:00.250000+00:00"}}}]


def test_records_filter_on_match_terms_in_key_order() -> None:
    body = es_queries.records(None, "yuqing-records-incident", ['status="open"']).to_dict()
    assert body == {
        "query": {"bool": {"filter": [{"term": {"match": 'status="open"'}}]}},
        "sort": [{"record_key": {"order": "asc"}}],
        "size": 1000,
        "track_total_hits": False,
        "seq_no_primary_term": True,
    }
