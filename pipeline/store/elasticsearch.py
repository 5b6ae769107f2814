"""The production store: Elasticsearch 9 through the official client and its built-in `elasticsearch.dsl`.

Same semantics as the SQLite store (see `pipeline/store/base.py`): one document per post id holding the
latest state, metrics that never shrink, enrichment kept when a re-sent copy has none, and a metric
snapshot whenever the metrics change. Upserts read the current documents (`mget`, routed to the monthly
index of `created_at`), merge in Python and write with optimistic concurrency (`if_seq_no`), so a
concurrent writer makes the loser re-read instead of overwriting. Index layout: `es_mappings.py`;
queries: `es_queries.py`; bulk retries: `es_bulk.py`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import elasticsearch
from elasticsearch import Elasticsearch
from elasticsearch.dsl import Search

from pipeline.config import ElasticsearchSettings, Settings
from pipeline.exceptions import ConfigError, RecordConflict, StoreError
from pipeline.models import Post
from pipeline.store import es_queries
from pipeline.store.base import DEFAULT_ZONE, MetricSnapshot, TrendBucket, TrendDimension, UpsertCounts
from pipeline.store.es_bulk import BulkOutcome, Refresh, raise_for_failures, write_with_retries
from pipeline.store.es_errors import store_errors
from pipeline.store.es_mappings import (
    POST_PROPERTIES,
    IndexNames,
    ilm_policies,
    index_templates,
    match_terms,
    post_document,
    record_document,
    snapshot_document,
    snapshot_id,
)
from pipeline.store.merge import fold_duplicates, merge_posts
from pipeline.store.records import NEW, RecordKind, VersionedRecord, matches

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
ADDED_OVERLAP = timedelta(minutes=2)  # how far before its cursor `posts_added_since` reads again
_EPOCH = "1970-01-01T00:00:00+00:00"


class ElasticsearchStore:
    """`Store` on an Elasticsearch 9 cluster; `init()` creates the templates and policies it relies on."""

    def __init__(
        self,
        client: Elasticsearch,
        *,
        prefix: str = "yuqing",
        refresh: Refresh = False,
        attempts: int = 3,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        location: str | None = None,  # the cluster's URL, naming the data for state kept beside it
    ) -> None:
        self.client = client
        self.names = IndexNames(prefix)
        self.location = f"elasticsearch:{location or ''}#{prefix}"
        self._refresh = refresh
        self._attempts, self._backoff_s, self._sleep, self._clock = attempts, backoff_s, sleep, clock

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchStore:
        """The store of `YUQING_ES__*` (`pipeline.plugins`)."""
        return cls.connect(settings.es)

    @classmethod
    def connect(cls, es: ElasticsearchSettings) -> ElasticsearchStore:
        """Connect with the URL, API key or user/password and CA certificate of `YUQING_ES__*`."""
        if not es.url:
            raise ConfigError("the Elasticsearch store needs YUQING_ES__URL (e.g. https://localhost:9200)")
        options: dict[str, Any] = {"request_timeout": es.request_timeout_s}
        if es.api_key is not None:
            options["api_key"] = es.api_key.get_secret_value()
        elif es.username:
            password = es.password.get_secret_value() if es.password else ""
            options["basic_auth"] = (es.username, password)
        if es.ca_certs is not None:
            options["ca_certs"] = str(es.ca_certs)
        try:
            client = Elasticsearch(es.url, **options)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"YUQING_ES__URL / connection settings are not usable: {exc}") from exc
        return cls(client, prefix=es.index_prefix, location=es.url)

    @classmethod
    def for_tests(cls, url: str, prefix: str, refresh: Refresh = "wait_for") -> ElasticsearchStore:
        """A store on its own index prefix that by default makes every write visible before returning
        (contract tests read right after writing); `init()` has run."""
        store = cls(Elasticsearch(url, request_timeout=30), prefix=prefix, refresh=refresh, backoff_s=0.2)
        store.init()
        return store

    # -- set-up ------------------------------------------------------------------------------------

    def init(self) -> list[str]:
        """Create or update the ILM policies and index templates, the snapshot data stream and this month's
        post index (so that the alias exists for Kibana). Idempotent; returns what it did."""
        done: list[str] = []
        with store_errors("init"):
            for name, policy in ilm_policies(self.names).items():
                self.client.ilm.put_lifecycle(name=name, policy=policy)
                done.append(f"ILM policy {name}")
            for name, template in index_templates(self.names).items():
                self.client.indices.put_index_template(name=name, **template)
                done.append(f"index template {name}")
            if self._create_if_missing(lambda: self.client.indices.create_data_stream(name=self.names.snapshots)):
                done.append(f"data stream {self.names.snapshots}")
            # Fields added since older monthly indices were created (their mapping is strict).
            self.client.options(ignore_status=404).indices.put_mapping(
                index=f"{self.names.prefix}-posts-*", properties=POST_PROPERTIES, allow_no_indices=True
            )
            month_index = self.names.posts_index(datetime.now(UTC))
            if self._create_if_missing(lambda: self.client.indices.create(index=month_index)):
                done.append(f"index {month_index} (alias {self.names.posts_alias})")
        return done

    @staticmethod
    def _create_if_missing(create: Callable[[], object]) -> bool:
        try:
            create()
        except elasticsearch.BadRequestError as exc:
            if exc.error == "resource_already_exists_exception":
                return False
            raise
        return True

    def drop_all(self) -> None:
        """Remove every index, data stream, template and policy of this prefix (test clean-up)."""
        with store_errors("clean-up"):
            self.client.options(ignore_status=404).indices.delete_data_stream(name=self.names.snapshots)
            # Deleting by wildcard is refused by default (action.destructive_requires_name): name them.
            found = self.client.indices.get(
                index=f"{self.names.prefix}-*", allow_no_indices=True, ignore_unavailable=True
            )
            if found.body:
                self.client.indices.delete(index=",".join(sorted(found.body)))
            for name in index_templates(self.names):
                self.client.options(ignore_status=404).indices.delete_index_template(name=name)
            for name in ilm_policies(self.names):
                self.client.options(ignore_status=404).ilm.delete_lifecycle(name=name)

    # -- posts -------------------------------------------------------------------------------------

    def upsert_posts(self, posts: Iterable[Post], observed_at: datetime | None = None) -> UpsertCounts:
        total = UpsertCounts()
        iterator = iter(posts)
        while batch := list(islice(iterator, BATCH_SIZE)):
            total += self._upsert_batch(batch, observed_at)
        return total

    def _upsert_batch(self, posts: list[Post], observed_at: datetime | None) -> UpsertCounts:
        latest = fold_duplicates(posts)
        now = self._clock()
        # id → (outcome if written, the merged post, observation time, whether the metrics changed)
        plans: dict[str, tuple[str, Post, datetime, bool]] = {}

        def build_actions(ids: list[str]) -> list[dict[str, Any]]:
            current = self._current_documents([latest[post_id] for post_id in ids])
            actions = []
            for post_id in ids:
                post = latest[post_id]
                seen_at = observed_at or post.fetched_at or now
                index = self.names.posts_index(post.created_at)
                found = current.get(post_id)
                if found is None:
                    plans[post_id] = ("inserted", post, seen_at, True)
                    source = post_document(post, first_seen=seen_at, last_seen=seen_at, indexed_at=now)
                    actions.append({"_op_type": "create", "_index": index, "_id": post_id, "_source": source})
                    continue
                old = Post.from_dict(found["_source"]["post"])
                merged = merge_posts(old, post)
                if _canonical(merged) == _canonical(old):
                    plans[post_id] = ("unchanged", merged, seen_at, False)
                    continue
                plans[post_id] = ("updated", merged, seen_at, merged.metrics != old.metrics)
                first_seen = datetime.fromisoformat(found["_source"]["first_seen"])
                # Documents written before `indexed_at` existed count as written when first seen.
                indexed_at = datetime.fromisoformat(
                    found["_source"].get("indexed_at") or found["_source"]["first_seen"]
                )
                source = post_document(merged, first_seen=first_seen, last_seen=seen_at, indexed_at=indexed_at)
                actions.append(
                    {
                        "_op_type": "index",
                        "_index": index,
                        "_id": post_id,
                        "if_seq_no": found["_seq_no"],
                        "if_primary_term": found["_primary_term"],
                        "_source": source,
                    }
                )
            return actions

        written = self._write(list(latest), build_actions)
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        changed: list[tuple[Post, datetime]] = []
        for post_id, (outcome, merged, seen_at, metrics_changed) in plans.items():
            if outcome == "unchanged":
                counts["unchanged"] += 1
            elif post_id in written.ok:
                counts[outcome] += 1
                if metrics_changed:
                    changed.append((merged, seen_at))
        # Snapshots of what was stored are written even when other posts of the batch failed.
        snapshots = self._write_snapshots(changed)
        raise_for_failures("posts", written)
        raise_for_failures("metric snapshots", snapshots)
        return UpsertCounts(counts["inserted"], counts["updated"], counts["unchanged"])

    def _current_documents(self, posts: list[Post]) -> dict[str, dict[str, Any]]:
        """The stored documents of these posts (with `_seq_no`/`_primary_term`), by id."""
        if not posts:
            return {}
        docs = [{"_index": self.names.posts_index(post.created_at), "_id": post.id} for post in posts]
        with store_errors("reading posts before upsert"):
            response = self.client.mget(docs=docs)
        found: dict[str, dict[str, Any]] = {}
        for doc in response["docs"]:
            error = doc.get("error")
            if error is not None:
                if error.get("type") == "index_not_found_exception":
                    continue  # the month's index does not exist yet: the post is new
                raise StoreError(f"Elasticsearch could not read post {doc.get('_id')}: {error.get('reason')}")
            if doc.get("found"):
                found[str(doc["_id"])] = doc
        return found

    def _write_snapshots(self, changed: list[tuple[Post, datetime]]) -> BulkOutcome:
        actions = {
            snapshot_id(post.id, seen_at): {
                "_op_type": "create",  # data streams are append-only
                "_index": self.names.snapshots,
                "_id": snapshot_id(post.id, seen_at),
                "_source": snapshot_document(post, seen_at),
            }
            for post, seen_at in changed
        }
        if not actions:
            return BulkOutcome()
        return self._write(list(actions), lambda ids: [actions[i] for i in ids], conflict_means_done=True)

    def _write(
        self,
        ids: list[str],
        build_actions: Callable[[list[str]], list[dict[str, Any]]],
        conflict_means_done: bool = False,
    ) -> BulkOutcome:
        return write_with_retries(
            self.client,
            ids,
            build_actions,
            attempts=self._attempts,
            backoff_s=self._backoff_s,
            sleep=self._sleep,
            refresh=self._refresh,
            conflict_means_done=conflict_means_done,
        )

    def added_cursor(self) -> str:
        search = es_queries.latest_indexed(self.client, self.names.posts_alias)
        hits = self._hits(search, "read the latest write time")
        return str(hits[0]["_source"]["indexed_at"]) if hits else _EPOCH

    def posts_added_since(self, cursor: str) -> tuple[list[Post], str]:
        # A post becomes searchable only after the next refresh (1 s by default), and clocks of writers
        # differ a little: reading from a while before the cursor catches late ones; callers de-duplicate.
        since = datetime.fromisoformat(cursor) - ADDED_OVERLAP
        search = es_queries.added_since(self.client, self.names.posts_alias, since)
        hits = list(self._all_hits(search, "read new posts"))
        if not hits:
            return [], cursor
        last_written = str(hits[-1]["_source"]["indexed_at"])  # in write order: the last is the latest
        latest = last_written if datetime.fromisoformat(last_written) > datetime.fromisoformat(cursor) else cursor
        return [_post(hit) for hit in hits], latest

    def get_post(self, post_id: str) -> Post | None:
        hits = self._hits(es_queries.posts_by_ids(self.client, self.names.posts_alias, [post_id]), "get post")
        return _post(hits[0]) if hits else None

    def get_posts(self, post_ids: Sequence[str]) -> dict[str, Post]:
        found: dict[str, Post] = {}
        for start in range(0, len(post_ids), es_queries.PAGE_SIZE):
            chunk = list(post_ids[start : start + es_queries.PAGE_SIZE])
            for hit in self._hits(es_queries.posts_by_ids(self.client, self.names.posts_alias, chunk), "get posts"):
                post = _post(hit)
                found[post.id] = post
        return found

    def count_posts(self, brand: str | None = None) -> int:
        search = Search(using=self.client, index=self.names.posts_alias).params(ignore_unavailable=True)
        if brand is not None:
            search = search.filter("term", brand=brand)
        with store_errors("count posts"):
            return int(search.count())

    def iter_posts(
        self,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        originals_only: bool = False,
    ) -> Iterator[Post]:
        search = es_queries.oldest_first(
            self.client,
            self.names.posts_alias,
            brand=brand,
            since=since,
            until=until,
            originals_only=originals_only,
        )
        for hit in self._all_hits(search, "iterate posts"):
            yield _post(hit)

    def reposts_of(self, root_id: str) -> list[Post]:
        search = es_queries.reposts_of(self.client, self.names.posts_alias, root_id)
        return [_post(hit) for hit in self._all_hits(search, "reposts")]

    def search(
        self,
        query: str,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20,
    ) -> list[Post]:
        search = es_queries.full_text(
            self.client, self.names.posts_alias, query, brand=brand, since=since, until=until, limit=limit
        )
        if search is None:
            return []
        return [_post(hit) for hit in self._hits(search, f"search {query!r}")]

    def trends(
        self,
        *,
        brand: str | None,
        since: datetime,
        until: datetime,
        interval: timedelta,
        by: TrendDimension | None = None,
        tz: ZoneInfo = DEFAULT_ZONE,
    ) -> list[TrendBucket]:
        if interval.total_seconds() < 1:
            raise StoreError(f"trend interval must be at least one second, got {interval}")
        buckets: list[TrendBucket] = []
        after: dict[str, Any] | None = None
        while True:
            search = es_queries.trend_buckets(
                self.client,
                self.names.posts_alias,
                brand=brand,
                since=since,
                until=until,
                interval=interval,
                by=by,
                after=after,
                tz=tz,
            )
            body = self._execute(search, "trends")
            trend = body.get("aggregations", {}).get("trend", {})
            page = trend.get("buckets", [])
            buckets.extend(es_queries.parse_trend_buckets(page, tz))
            after = trend.get("after_key")
            if not page or after is None:
                break
        # Composite order puts missing values first; the contract orders "unscored" as a plain string.
        return sorted(buckets, key=lambda bucket: (bucket.start, bucket.brand, bucket.key))

    def top_posts(
        self,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sentiment: str | None = "negative",
        limit: int = 10,
    ) -> list[Post]:
        search = es_queries.top_spread(
            self.client,
            self.names.posts_alias,
            brand=brand,
            since=since,
            until=until,
            sentiment=sentiment,
            limit=limit,
        )
        return [_post(hit) for hit in self._hits(search, "top posts")]

    def snapshots(self, post_id: str) -> list[MetricSnapshot]:
        search = es_queries.snapshots_of(self.client, self.names.snapshots, post_id)
        return [
            MetricSnapshot(
                post_id=post_id,
                observed_at=datetime.fromisoformat(hit["_source"]["@timestamp"]).astimezone(UTC),
                reposts=int(hit["_source"]["reposts"]),
                comments=int(hit["_source"]["comments"]),
                likes=int(hit["_source"]["likes"]),
            )
            for hit in self._all_hits(search, "snapshots")
        ]

    # -- records -----------------------------------------------------------------------------------

    def put_record(self, kind: RecordKind, key: str, doc: dict[str, Any], *, if_version: str | None = None) -> str:
        # A conditional write is Elasticsearch's optimistic concurrency control: `op_type=create` for a
        # record that must not exist yet, `if_seq_no`/`if_primary_term` for the version that was read.
        condition: dict[str, Any] = {}
        if if_version == NEW:
            condition["op_type"] = "create"
        elif if_version is not None:
            seq_no, _, primary_term = if_version.partition(":")
            condition.update(if_seq_no=int(seq_no), if_primary_term=int(primary_term))
        try:
            with store_errors(f"put {kind} record {key!r}"):
                response = self.client.index(
                    index=self.names.records(kind),
                    id=key,
                    document=record_document(kind, key, doc),
                    refresh=self._refresh,
                    **condition,
                )
        except StoreError as exc:
            if isinstance(exc.__cause__, elasticsearch.ConflictError):
                raise RecordConflict(f"{kind} record {key!r} changed since version {if_version or 'none'}") from exc
            raise
        return _version(response)

    def get_record(self, kind: RecordKind, key: str) -> dict[str, Any] | None:
        found = self.get_versioned(kind, key)
        return found.doc if found is not None else None

    def get_versioned(self, kind: RecordKind, key: str) -> VersionedRecord | None:
        with store_errors(f"get {kind} record {key!r}"):
            response = self.client.options(ignore_status=404).get(index=self.names.records(kind), id=key)
        if not response.body.get("found"):
            return None
        return VersionedRecord(key, dict(response["_source"]["record"]), _version(response))

    def list_records(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [record.doc for record in self.list_versioned(kind, where)]

    def list_versioned(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[VersionedRecord]:
        wanted = where or {}
        # Only strings and booleans are filtered in the index: 1 == 1.0 in Python but not as keywords.
        exact = {field: value for field, value in wanted.items() if isinstance(value, str | bool)}
        search = es_queries.records(self.client, self.names.records(kind), match_terms(exact))
        found = [
            VersionedRecord(str(hit["_source"]["record_key"]), dict(hit["_source"]["record"]), _version(hit))
            for hit in self._all_hits(search, f"list {kind} records")
        ]
        # The index filter narrows; this keeps exactly the SQLite semantics (plain equality, any type).
        return [record for record in found if matches(record.doc, wanted)]

    def delete_record(self, kind: RecordKind, key: str) -> None:
        with store_errors(f"delete {kind} record {key!r}"):
            self.client.options(ignore_status=404).delete(index=self.names.records(kind), id=key, refresh=self._refresh)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ElasticsearchStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------------------

    def _execute(self, search: Search, action: str) -> dict[str, Any]:
        with store_errors(action):
            body: dict[str, Any] = search.execute().to_dict()
        return body

    def _hits(self, search: Search, action: str) -> list[dict[str, Any]]:
        hits: list[dict[str, Any]] = self._execute(search, action).get("hits", {}).get("hits", [])
        return hits

    def _all_hits(self, search: Search, action: str) -> Iterator[dict[str, Any]]:
        """Every hit of a sorted search, page by page with `search_after`."""
        page_size = int(search.to_dict().get("size", es_queries.PAGE_SIZE))
        after: list[Any] | None = None
        while True:
            page = search.extra(search_after=after) if after is not None else search
            hits = self._hits(page, action)
            yield from hits
            if len(hits) < page_size:
                return
            after = hits[-1]["sort"]


def _version(answer: Any) -> str:
    """The opaque record version of a get, index or search-hit answer."""
    return f"{answer['_seq_no']}:{answer['_primary_term']}"


def _canonical(post: Post) -> str:
    return json.dumps(post.to_dict(), ensure_ascii=False, sort_keys=True)


def _post(hit: dict[str, Any]) -> Post:
    return Post.from_dict(hit["_source"]["post"])
