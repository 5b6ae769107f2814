"""The store contract shared by the embedded SQLite store and the Elasticsearch store.

Posts are kept in their latest state, keyed by post id (upsert: a re-seen post updates its metrics and
enrichment, one row per id); every upsert also appends a metric snapshot per post for spread detection.
Small state documents (collection checkpoints, incidents, alert deliveries, analyst feedback, silences)
are kept as JSON records keyed by (kind, key) and written with compare-and-set (`pipeline.store.records`);
the modules that own them convert to typed objects.
Both stores pass the one contract suite in `tests/pipeline/store/test_contract.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from pipeline.models import Post
from pipeline.store.records import RecordKind, VersionedRecord

TrendDimension = Literal["sentiment", "severity", "category"]
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")  # the calendar of trend buckets unless `YUQING_TIMEZONE` says otherwise


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.inserted + other.inserted, self.updated + other.updated, self.unchanged + other.unchanged
        )


@dataclass(frozen=True, slots=True)
class TrendBucket:
    """Count of posts in one time bucket for one brand and one value of the breakdown dimension."""

    start: datetime
    brand: str
    key: str  # the dimension's value ("negative", "major", "delivery"), or "all" without a breakdown
    count: int


@dataclass(frozen=True, slots=True)
class MetricSnapshot:
    post_id: str
    observed_at: datetime
    reposts: int
    comments: int
    likes: int


class Store(Protocol):
    """What every store offers; see the module docstring for the semantics."""

    # Which data this is ("sqlite:/abs/path", "elasticsearch:<url>#<prefix>"), for state kept beside it
    # (`pipeline.detect.state`); empty for a store that does not outlive the process.
    location: str

    def upsert_posts(self, posts: Iterable[Post], observed_at: datetime | None = None) -> UpsertCounts:
        """Insert or update posts by id; `observed_at` (default: each post's fetched_at or now) stamps the
        metric snapshot. Unchanged re-sends neither update the row nor add a snapshot."""
        ...

    def added_cursor(self) -> str:
        """Where the posts stored so far end, for `posts_added_since` (an opaque string)."""
        ...

    def posts_added_since(self, cursor: str) -> tuple[list[Post], str]:
        """Posts first stored after `cursor` (an update of an older post does not count), oldest first, and
        the cursor to pass next time. A post stored shortly before `cursor` may come again (Elasticsearch:
        within its refresh lag): callers de-duplicate by id."""
        ...

    def get_post(self, post_id: str) -> Post | None: ...

    def get_posts(self, post_ids: Sequence[str]) -> dict[str, Post]:
        """The stored posts among `post_ids`, by id (ids not stored are left out)."""
        ...

    def count_posts(self, brand: str | None = None) -> int: ...

    def iter_posts(
        self,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        originals_only: bool = False,
    ) -> Iterator[Post]:
        """Posts with since <= created_at < until, oldest first."""
        ...

    def reposts_of(self, root_id: str) -> list[Post]:
        """Reposts whose `repost_of` is `root_id`, oldest first."""
        ...

    def search(
        self,
        query: str,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20,
    ) -> list[Post]:
        """Posts whose text contains every run of the query (`pipeline.store.fulltext`), newest first: an analyst
        searching a monitor wants what is being said now, as Kibana's Discover shows it."""
        ...

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
        """Counts per time bucket by brand and dimension, ordered by (start, brand, key); empty buckets are
        omitted. Bucket starts are in `tz`.

        Buckets follow the wall clock of `tz`: they start at whole multiples of `interval` counted from
        1970-01-01 00:00 local time, so days start at local midnight and hours on local hour boundaries
        (also in zones whose offset has half hours). Where the offset changes (daylight saving time), the
        bucket that spans the change keeps the start it had before it, a bucket whose local start was skipped
        starts at the change, and each of the two runs of a repeated hour is a bucket of its own. This is how
        Elasticsearch's `date_histogram` rounds a fixed interval in a `time_zone`; the SQLite store does the
        same (`pipeline.store.buckets`)."""
        ...

    def top_posts(
        self,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sentiment: str | None = "negative",
        limit: int = 10,
    ) -> list[Post]:
        """Most spread posts first (reposts, then comments, then likes)."""
        ...

    def snapshots(self, post_id: str) -> list[MetricSnapshot]:
        """Metric observations of one post, oldest first."""
        ...

    def put_record(self, kind: RecordKind, key: str, doc: dict[str, Any], *, if_version: str | None = None) -> str:
        """Write a record, returning its new version; see `pipeline.store.records.RecordStore`."""
        ...

    def get_record(self, kind: RecordKind, key: str) -> dict[str, Any] | None: ...

    def get_versioned(self, kind: RecordKind, key: str) -> VersionedRecord | None: ...

    def list_records(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Records of a kind whose top-level fields equal `where`'s values, in key order."""
        ...

    def list_versioned(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[VersionedRecord]: ...

    def delete_record(self, kind: RecordKind, key: str) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Store:
        """`with open_store(settings) as store:` closes the store however the block ends."""
        ...

    def __exit__(self, *_exc: object) -> None: ...
