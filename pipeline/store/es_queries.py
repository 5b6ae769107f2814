"""The Elasticsearch store's read queries, built with `elasticsearch.dsl` (pure: no request is sent here).

Each builder returns a `Search`; the store executes it. Unit tests pin `Search.to_dict()` of each one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from elasticsearch import Elasticsearch
from elasticsearch.dsl import A, Q, Search

from pipeline.store.base import DEFAULT_ZONE, TrendBucket, TrendDimension
from pipeline.store.es_mappings import format_range_time
from pipeline.store.fulltext import query_runs

PAGE_SIZE = 1000
TREND_PAGE_SIZE = 1000
UNSCORED = "unscored"  # the trend key of posts without the dimension's enrichment (as in the SQLite store)
DIMENSION_FIELDS: dict[str, str] = {
    "sentiment": "sentiment_label",
    "severity": "severity_label",
    "category": "category",
}
SPREAD_ORDER: list[Any] = [
    {"reposts": {"order": "desc"}},
    {"comments": {"order": "desc"}},
    {"likes": {"order": "desc"}},
    {"created_at": {"order": "desc"}},
]
OLDEST_FIRST: list[Any] = [{"created_at": {"order": "asc"}}, {"post_id": {"order": "asc"}}]


def _base(
    client: Elasticsearch | None,
    index: str,
    *,
    brand: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Search:
    search = Search(using=client, index=index) if client is not None else Search(index=index)
    # A store nobody has written to yet has no post index: that is an empty result, not an error.
    search = search.params(ignore_unavailable=True)
    if brand is not None:
        search = search.filter("term", brand=brand)
    bounds: dict[str, str] = {}
    if since is not None:
        bounds["gte"] = format_range_time(since)
    if until is not None:
        bounds["lt"] = format_range_time(until)
    if bounds:
        search = search.filter("range", created_at=bounds)
    return search


def posts_by_ids(client: Elasticsearch | None, index: str, ids: list[str]) -> Search:
    return _base(client, index).filter("ids", values=ids).extra(size=len(ids))


def oldest_first(
    client: Elasticsearch | None,
    index: str,
    *,
    brand: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    originals_only: bool = False,
) -> Search:
    """Posts in (created_at, id) order, one page; the store pages on with `search_after`."""
    search = _base(client, index, brand=brand, since=since, until=until)
    if originals_only:
        search = search.filter("term", is_repost=False)
    return search.sort(*OLDEST_FIRST).extra(size=PAGE_SIZE, track_total_hits=False)


def latest_indexed(client: Elasticsearch | None, index: str) -> Search:
    """The post written last (by `indexed_at`)."""
    search = Search(using=client, index=index) if client is not None else Search(index=index)
    search = search.params(ignore_unavailable=True).source(["indexed_at"])
    return search.sort({"indexed_at": {"order": "desc"}}).extra(size=1, track_total_hits=False)


def added_since(client: Elasticsearch | None, index: str, since: datetime) -> Search:
    """Posts written at or after `since` (`indexed_at`), in write order, one page."""
    search = Search(using=client, index=index) if client is not None else Search(index=index)
    search = search.params(ignore_unavailable=True).filter("range", indexed_at={"gte": format_range_time(since)})
    return search.sort({"indexed_at": {"order": "asc"}}, {"post_id": {"order": "asc"}}).extra(
        size=PAGE_SIZE, track_total_hits=False
    )


def reposts_of(client: Elasticsearch | None, index: str, root_id: str) -> Search:
    search = _base(client, index).filter("term", repost_of=root_id).sort(*OLDEST_FIRST)
    return search.extra(size=PAGE_SIZE, track_total_hits=False)


def full_text(
    client: Elasticsearch | None,
    index: str,
    query: str,
    *,
    brand: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
) -> Search | None:
    """Every run of the query (`pipeline.store.fulltext`) must occur in the text as a phrase, as in the SQLite
    store: CJK runs as bigram phrases of the `cjk` subfield, single characters and other words on the standard
    field (whose tokens are single CJK characters). None when the query has no words at all."""
    runs = query_runs(query)
    if not runs:
        return None
    phrases = [Q("match_phrase", **{"text.cjk" if cjk and len(run) > 1 else "text": run}) for run, cjk in runs]
    search = _base(client, index, brand=brand, since=since, until=until)
    search = search.query(Q("bool", must=phrases))
    return search.sort({"created_at": {"order": "desc"}}).extra(size=limit, track_total_hits=False)


def top_spread(
    client: Elasticsearch | None,
    index: str,
    *,
    brand: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sentiment: str | None = "negative",
    limit: int = 10,
) -> Search:
    search = _base(client, index, brand=brand, since=since, until=until)
    if sentiment is not None:
        search = search.filter("term", sentiment_label=sentiment)
    return search.sort(*SPREAD_ORDER).extra(size=limit, track_total_hits=False)


def trend_buckets(
    client: Elasticsearch | None,
    index: str,
    *,
    brand: str | None,
    since: datetime,
    until: datetime,
    interval: timedelta,
    by: TrendDimension | None = None,
    after: dict[str, Any] | None = None,
    tz: ZoneInfo = DEFAULT_ZONE,
) -> Search:
    """A composite aggregation (time bucket, brand, dimension value): its natural order is the order the
    store contract asks for, and `after` pages through any number of buckets."""
    seconds = int(interval.total_seconds())
    # A fixed interval in a time zone is counted on that zone's wall clock: days start at local midnight.
    histogram = {"field": "created_at", "fixed_interval": f"{seconds}s", "time_zone": tz.key}
    sources: list[dict[str, Any]] = [
        {"start": {"date_histogram": histogram}},
        {"brand": {"terms": {"field": "brand", "missing_bucket": True}}},
    ]
    if by is not None:
        sources.append({"key": {"terms": {"field": DIMENSION_FIELDS[by], "missing_bucket": True}}})
    composite: dict[str, Any] = {"sources": sources, "size": TREND_PAGE_SIZE}
    if after is not None:
        composite["after"] = after
    search = _base(client, index, brand=brand, since=since, until=until).extra(size=0, track_total_hits=False)
    search.aggs.bucket("trend", A("composite", **composite))
    return search


def parse_trend_buckets(buckets: list[dict[str, Any]], tz: ZoneInfo = DEFAULT_ZONE) -> list[TrendBucket]:
    """Composite buckets → TrendBucket (starts in `tz`); a missing brand reads "" and a missing dimension
    "unscored"."""
    parsed = []
    for bucket in buckets:
        key = bucket["key"]
        value = key.get("key", "all")
        parsed.append(
            TrendBucket(
                start=datetime.fromtimestamp(key["start"] / 1000, tz),
                brand=key.get("brand") or "",
                key=UNSCORED if value is None else str(value),
                count=int(bucket["doc_count"]),
            )
        )
    return parsed


def snapshots_of(client: Elasticsearch | None, index: str, post_id: str) -> Search:
    search = Search(using=client, index=index) if client is not None else Search(index=index)
    search = search.params(ignore_unavailable=True).filter("term", post_id=post_id)
    return search.sort({"@timestamp": {"order": "asc"}}).extra(size=PAGE_SIZE, track_total_hits=False)


def records(client: Elasticsearch | None, index: str, match: list[str]) -> Search:
    search = Search(using=client, index=index) if client is not None else Search(index=index)
    search = search.params(ignore_unavailable=True)
    for term in match:
        search = search.filter("term", match=term)
    # seq_no_primary_term: each hit carries the version a conditional write needs.
    return search.sort({"record_key": {"order": "asc"}}).extra(
        size=PAGE_SIZE, track_total_hits=False, seq_no_primary_term=True
    )
