"""The embedded store: SQLite (standard library) with an FTS5 index of CJK bigrams and an hourly rollup.

One row per post id holds the latest state; metrics only grow (a stale observation never lowers a repost
count); each change of metrics appends a snapshot for spread detection. Writes are idempotent: the same
input twice changes nothing.

Several processes may write at once (parallel Airflow tasks, an ingest beside a detection cycle, a person
acknowledging an incident). Every read-modify-write runs in one `BEGIN IMMEDIATE` transaction, so the read
happens under the write lock and no writer overwrites what another just wrote; WAL keeps readers going
meanwhile, and the busy timeout makes a writer wait its turn instead of failing. A batch of posts is written
with one statement per table.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pipeline.exceptions import RecordConflict, StoreError
from pipeline.models import Post
from pipeline.store.base import DEFAULT_ZONE, MetricSnapshot, TrendBucket, TrendDimension, UpsertCounts
from pipeline.store.buckets import bucket_start, offset_spans
from pipeline.store.fulltext import index_text, match_expression
from pipeline.store.merge import fold_duplicates, merge_posts
from pipeline.store.records import NEW, RecordKind, VersionedRecord, matches
from pipeline.store.sqlite_schema import (
    ADD_TO_ROLLUP,
    LATE_INDEXES,
    MIGRATIONS,
    REBUILD_ROLLUP,
    RETIRED_INDEXES,
    RETIRED_TABLES,
    SCHEMA,
    RollupKey,
    post_row,
    rollup_key,
)

if TYPE_CHECKING:
    from pipeline.config import Settings

_LOOKUP_CHUNK = 500
_FEW_MATCHES = 5_000  # up to this many full-text matches a search sorts them all; beyond, it walks recent posts
_DIMENSION_COLUMN = {"sentiment": "sentiment", "severity": "severity_label", "category": "category"}
BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another writer's transaction before giving up


class SQLiteStore:
    """`Store` on one SQLite file (or ":memory:")."""

    @classmethod
    def from_settings(cls, settings: Settings) -> SQLiteStore:
        """The store of `YUQING_DB_PATH` (default `<data_dir>/yuqing.db`; `pipeline.plugins`)."""
        return cls(settings.sqlite_path)

    def __init__(self, path: Path | str, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.path = str(path)
        self.location = "" if self.path == ":memory:" else f"sqlite:{Path(self.path).resolve()}"
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: no implicit transactions; every write says where its transaction is.
            self._db = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
            self._use_wal(busy_timeout_s)
            self._db.execute("PRAGMA synchronous = NORMAL")
            # Checkpointing the WAL every ~40 MB instead of ~4 MB copies a page that several batches changed into
            # the database once: store-only upserts +19 % (5,177 → 6,185 posts/s on 20k realistic posts,
            # docs/benchmarks.md). A 64 MiB page cache on top gained nothing measurable and cost 67 MB of RSS.
            self._db.execute("PRAGMA wal_autocheckpoint = 10000")
            # The schema under the write lock: processes that open a new file at once wait for each other
            # instead of one failing on a schema it read before the other wrote it.
            with self._write():
                for statement in _statements(SCHEMA):  # idempotent: IF NOT EXISTS throughout
                    self._db.execute(statement)
                self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from exc

    def _use_wal(self, timeout_s: float) -> None:
        """Switch the file to WAL (once per file: the mode is stored in it). The switch needs the file to itself,
        and SQLite answers "locked" at once, without waiting, while another process opens the same new file; so
        this waits and tries again, up to the busy timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        for table, column, definition in MIGRATIONS:
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        self._db.execute(LATE_INDEXES)
        if self._db.execute("SELECT 1 FROM posts_hourly LIMIT 1").fetchone() is None:
            self._db.execute(REBUILD_ROLLUP)
        retired = [name for name in RETIRED_TABLES if self._table_exists(name)]
        if retired:
            self._reindex_text()
            for name in retired:
                self._db.execute(f"DROP TABLE {name}")
        for name in RETIRED_INDEXES:
            self._db.execute(f"DROP INDEX IF EXISTS {name}")

    def _table_exists(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None

    def _reindex_text(self) -> None:
        """Index every post's text again (a file made by an older version, with another index)."""
        # Rows written before posts had a `seq` get negative ones: unique, and never after a detection cursor.
        self._db.execute("UPDATE posts SET seq = -rowid WHERE seq IS NULL")
        self._db.execute("INSERT INTO posts_text (posts_text) VALUES ('delete-all')")  # DELETE: not on contentless
        rows = self._db.execute("SELECT seq, doc FROM posts")
        self._db.executemany(
            "INSERT INTO posts_text (rowid, words) VALUES (?, ?)",
            ((seq, index_text(json.loads(doc).get("text", ""))) for seq, doc in rows),
        )

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction that holds the write lock from its first statement (reads included)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite {action} failed on {self.path}: {exc}") from exc

    # -- posts -------------------------------------------------------------------------------------

    def upsert_posts(self, posts: Iterable[Post], observed_at: datetime | None = None) -> UpsertCounts:
        total = UpsertCounts()
        batch: list[Post] = []
        for post in posts:
            batch.append(post)
            if len(batch) >= _LOOKUP_CHUNK:
                total += self._upsert_batch(batch, observed_at)
                batch = []
        if batch:
            total += self._upsert_batch(batch, observed_at)
        return total

    def _upsert_batch(self, posts: Sequence[Post], observed_at: datetime | None) -> UpsertCounts:
        latest = fold_duplicates(posts)
        with self._errors("upsert"), self._write():
            # The clock is read under the lock: of two writers, the one that writes later observes later.
            now = datetime.now(UTC).timestamp()
            return self._write_batch(latest, self._existing(list(latest)), observed_at, now)

    def _write_batch(
        self,
        latest: dict[str, Post],
        existing: dict[str, tuple[str, int]],
        observed_at: datetime | None,
        now: float,
    ) -> UpsertCounts:
        """Writes a batch with one statement per table (executemany); the rollup moves each changed post from
        the cell it counted in to its new one."""
        writes = _BatchWrites()
        unchanged = 0
        seq = self._db.execute("SELECT MAX(COALESCE(MAX(seq), 0), 0) FROM posts").fetchone()[0]
        for post_id, post in latest.items():
            old_doc, post_seq = existing.get(post_id, (None, 0))
            old = Post.from_dict(json.loads(old_doc)) if old_doc else None
            merged = merge_posts(old, post) if old is not None else post
            doc = json.dumps(merged.to_dict(), ensure_ascii=False, sort_keys=True)
            if doc == old_doc:
                unchanged += 1
                continue
            seen_at = _observation_time(post, observed_at, now)
            row = post_row(merged, doc, seen_at)
            writes.columns = list(row)
            writes.rollup[rollup_key(row)] += 1
            if old is None:
                seq += 1  # under the write lock: insertion order is commit order
                post_seq = seq
                writes.inserts.append([*row.values(), seen_at, seq])
            else:
                writes.rollup[rollup_key(post_row(old, "", 0.0))] -= 1
                writes.updates.append([*row.values(), post_id])
            if old is None or old.text != merged.text:
                if old is not None:
                    writes.unindex.append(("delete", post_seq, index_text(old.text)))
                writes.index.append((post_seq, index_text(merged.text)))
            if old is None or old.metrics != merged.metrics:
                writes.snapshots.append(
                    (post_id, seen_at, merged.metrics.reposts, merged.metrics.comments, merged.metrics.likes)
                )
        self._apply(writes)
        return UpsertCounts(len(writes.inserts), len(writes.updates), unchanged)

    def _apply(self, writes: _BatchWrites) -> None:
        if writes.inserts:
            columns = [*writes.columns, "first_seen", "seq"]
            self._db.executemany(
                f"INSERT INTO posts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", writes.inserts
            )
        if writes.updates:
            assignments = ", ".join(f"{column} = ?" for column in writes.columns)
            self._db.executemany(f"UPDATE posts SET {assignments} WHERE id = ?", writes.updates)
        self._db.executemany("INSERT INTO posts_text (posts_text, rowid, words) VALUES (?, ?, ?)", writes.unindex)
        self._db.executemany("INSERT INTO posts_text (rowid, words) VALUES (?, ?)", writes.index)
        # A metrics change always writes a snapshot: the latest snapshot is the stored metrics.
        self._db.executemany(
            "INSERT OR REPLACE INTO snapshots (post_id, observed_ts, reposts, comments, likes) VALUES (?, ?, ?, ?, ?)",
            writes.snapshots,
        )
        self._db.executemany(ADD_TO_ROLLUP, [(*key, count) for key, count in writes.rollup.items() if count])

    def _existing(self, ids: list[str]) -> dict[str, tuple[str, int]]:
        """Stored document and `seq` of each of `ids` that is stored."""
        found: dict[str, tuple[str, int]] = {}
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = ids[start : start + _LOOKUP_CHUNK]
            rows = self._db.execute(
                f"SELECT id, doc, seq FROM posts WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
            found.update((post_id, (doc, seq)) for post_id, doc, seq in rows)
        return found

    def added_cursor(self) -> str:
        return str(self._db.execute("SELECT MAX(COALESCE(MAX(seq), 0), 0) FROM posts").fetchone()[0])

    def posts_added_since(self, cursor: str) -> tuple[list[Post], str]:
        rows = self._db.execute("SELECT seq, doc FROM posts WHERE seq > ? ORDER BY seq", (int(cursor),)).fetchall()
        posts = [Post.from_dict(json.loads(doc)) for _, doc in rows]
        return posts, str(rows[-1][0]) if rows else cursor

    def get_post(self, post_id: str) -> Post | None:
        row = self._db.execute("SELECT doc FROM posts WHERE id = ?", (post_id,)).fetchone()
        return Post.from_dict(json.loads(row[0])) if row else None

    def get_posts(self, post_ids: Sequence[str]) -> dict[str, Post]:
        return {
            post_id: Post.from_dict(json.loads(doc)) for post_id, (doc, _) in self._existing(list(post_ids)).items()
        }

    def count_posts(self, brand: str | None = None) -> int:
        if brand is None:
            return int(self._db.execute("SELECT COALESCE(SUM(posts), 0) FROM posts_hourly").fetchone()[0])
        row = self._db.execute("SELECT COALESCE(SUM(posts), 0) FROM posts_hourly WHERE brand = ?", (brand,)).fetchone()
        return int(row[0])

    def iter_posts(
        self,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        originals_only: bool = False,
    ) -> Iterator[Post]:
        where, params = _filters(brand, since, until)
        if originals_only:
            where.append("repost_of IS NULL")
        sql = f"SELECT doc FROM posts {_where(where)} ORDER BY created_ts, id"
        for (doc,) in self._db.execute(sql, params):
            yield Post.from_dict(json.loads(doc))

    def reposts_of(self, root_id: str) -> list[Post]:
        rows = self._db.execute(
            "SELECT doc FROM posts WHERE repost_of = ? ORDER BY created_ts, id", (root_id,)
        ).fetchall()
        return [Post.from_dict(json.loads(doc)) for (doc,) in rows]

    def search(
        self,
        query: str,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20,
    ) -> list[Post]:
        match = match_expression(query)
        if match is None:
            return []
        where, params = _filters(brand, since, until)
        try:
            found = self._db.execute(
                "SELECT rowid FROM posts_text WHERE posts_text MATCH ? LIMIT ?", [match, _FEW_MATCHES + 1]
            ).fetchall()
            if len(found) <= _FEW_MATCHES:
                return self._posts_in_order(self._newest_of([seq for (seq,) in found], where, params, limit))
            # A common word: walk the filtered posts newest first (by the time index named, which the planner does
            # not always pick) until enough of them match; most do, so the walk is short.
            index = "posts_by_brand" if brand is not None else "posts_by_time"
            conditions = [*where, "seq IN (SELECT rowid FROM posts_text WHERE posts_text MATCH ?)"]
            sql = f"SELECT id FROM posts INDEXED BY {index} {_where(conditions)} ORDER BY created_ts DESC LIMIT ?"
            ids = [post_id for (post_id,) in self._db.execute(sql, [*params, match, limit])]
        except sqlite3.OperationalError as exc:
            raise StoreError(f"search {query!r} failed: {exc}") from exc
        return self._posts_in_order(ids)

    def _newest_of(self, seqs: list[int], where: list[str], params: list[Any], limit: int) -> list[str]:
        """Ids of the newest `limit` posts among `seqs` that pass the filters."""
        found: list[tuple[float, str]] = []
        for start in range(0, len(seqs), _LOOKUP_CHUNK):
            chunk = seqs[start : start + _LOOKUP_CHUNK]
            conditions = [f"seq IN ({', '.join('?' * len(chunk))})", *where]
            # By `seq` always: with a brand the planner would rather walk all of that brand's posts.
            sql = f"SELECT created_ts, id FROM posts INDEXED BY posts_seq {_where(conditions)}"
            found += self._db.execute(sql, [*chunk, *params])
        return [post_id for _, post_id in sorted(found, reverse=True)[:limit]]

    def _posts_in_order(self, ids: list[str]) -> list[Post]:
        docs = {post_id: doc for post_id, (doc, _) in self._existing(ids).items()}
        return [Post.from_dict(json.loads(docs[post_id])) for post_id in ids if post_id in docs]

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
        """See `Store.trends`. SQL floors local times within each stretch of constant UTC offset (one stretch
        unless the window crosses a daylight-saving change); `pipeline.store.buckets` turns each floored local
        time into its bucket's start, exactly as Elasticsearch does."""
        seconds = int(interval.total_seconds())
        if seconds <= 0:
            raise StoreError(f"trend interval must be positive, got {interval}")
        start, end = since.timestamp(), until.timestamp()
        counts: Counter[tuple[int, str, str]] = Counter()
        label = _DIMENSION_COLUMN[by] if by else None
        count = _Counting(seconds, tz, brand, label, counts)
        whole_hours = _whole_hours(start, end, seconds, tz)
        if whole_hours is None:
            self._count(count, _FROM_POSTS, start, end)
        else:
            first_hour, end_hour = whole_hours
            self._count(count, _FROM_POSTS, start, first_hour * 3600)
            self._count(count, _FROM_ROLLUP, first_hour, end_hour)
            self._count(count, _FROM_POSTS, end_hour * 3600, end)
        return [
            TrendBucket(datetime.fromtimestamp(bucket, tz), brand_name, value, total)
            for (bucket, brand_name, value), total in sorted(counts.items())
        ]

    def _count(self, count: _Counting, source: _CountSource, low: float, high: float) -> None:
        """Adds to `count` the posts of `source` from `low` to `high` (in the source's time unit). SQL floors local
        times within each stretch of constant UTC offset; `pipeline.store.buckets` turns each floored local time
        into its bucket's start, exactly as Elasticsearch does."""
        if low >= high:
            return
        unit = source.unit
        key = f"COALESCE(NULLIF({count.label}, ''), 'unscored')" if count.label else "'all'"
        where, params = (["brand = ?"], [count.brand]) if count.brand is not None else ([], [])
        where += [f"{source.time} >= ?", f"{source.time} < ?"]
        # CAST truncates, which floors here: every stored time is after 1970 (the schema admits 2000-2099).
        sql = (
            f"SELECT CAST(({source.time} * {unit} + ?) / {count.seconds} AS INTEGER) AS local, brand, {key} AS k, "
            f"{source.total} FROM {source.table} {_where(where)} GROUP BY local, brand, k"
        )
        for span in offset_spans(count.tz, low * unit, high * unit):
            span_low, span_high = max(span.start / unit, low), min(span.end / unit, high)
            if span_low >= span_high:
                continue
            starts: dict[int, int] = {}  # local bucket → its start; rows of one bucket share it (one per key)
            for local, brand_name, value, total in self._db.execute(sql, [span.offset, *params, span_low, span_high]):
                if local not in starts:
                    # Any instant of the bucket within the span gives its start: the local start, or the span's first.
                    instant = max(local * count.seconds - span.offset, math.floor(span_low * unit))
                    starts[local] = bucket_start(instant, count.seconds, count.tz)
                count.counts[(starts[local], brand_name or "", str(value))] += total

    def top_posts(
        self,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sentiment: str | None = "negative",
        limit: int = 10,
    ) -> list[Post]:
        where, params = _filters(brand, since, until)
        if sentiment is not None:
            where.append("sentiment = ?")
            params.append(sentiment)
        # `rowid` (not `id`) keeps the ranking inside the covering index; the documents are read for the top ones.
        sql = (
            f"SELECT rowid FROM posts {_where(where)} "
            "ORDER BY reposts DESC, comments DESC, likes DESC, created_ts DESC LIMIT ?"
        )
        rowids = [rowid for (rowid,) in self._db.execute(sql, [*params, limit])]
        docs = dict(
            self._db.execute(f"SELECT rowid, doc FROM posts WHERE rowid IN ({', '.join('?' * len(rowids))})", rowids)
        )
        return [Post.from_dict(json.loads(docs[rowid])) for rowid in rowids]

    def snapshots(self, post_id: str) -> list[MetricSnapshot]:
        rows = self._db.execute(
            "SELECT observed_ts, reposts, comments, likes FROM snapshots WHERE post_id = ? ORDER BY observed_ts",
            (post_id,),
        )
        return [
            MetricSnapshot(post_id, datetime.fromtimestamp(ts, UTC), reposts, comments, likes)
            for ts, reposts, comments, likes in rows
        ]

    # -- records -----------------------------------------------------------------------------------

    def put_record(self, kind: RecordKind, key: str, doc: dict[str, Any], *, if_version: str | None = None) -> str:
        text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
        now = datetime.now(UTC).timestamp()
        with self._errors(f"put {kind} record {key!r}"), self._write():
            row = self._db.execute("SELECT version FROM records WHERE kind = ? AND key = ?", (kind, key)).fetchone()
            found = str(row[0]) if row is not None else NEW
            if if_version is not None and found != if_version:
                raise RecordConflict(f"{kind} record {key!r} is at version {found or 'none'}, not {if_version}")
            version = (row[0] if row is not None else 0) + 1
            self._db.execute(
                "INSERT INTO records (kind, key, doc, updated_ts, version) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc, updated_ts = excluded.updated_ts, "
                "version = excluded.version",
                (kind, key, text, now, version),
            )
        return str(version)

    def get_record(self, kind: RecordKind, key: str) -> dict[str, Any] | None:
        found = self.get_versioned(kind, key)
        return found.doc if found is not None else None

    def get_versioned(self, kind: RecordKind, key: str) -> VersionedRecord | None:
        with self._errors(f"get {kind} record {key!r}"):
            row = self._db.execute(
                "SELECT doc, version FROM records WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        return VersionedRecord(key, dict(json.loads(row[0])), str(row[1])) if row else None

    def list_records(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [record.doc for record in self.list_versioned(kind, where)]

    def list_versioned(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[VersionedRecord]:
        with self._errors(f"list {kind} records"):
            rows = self._db.execute("SELECT key, doc, version FROM records WHERE kind = ? ORDER BY key", (kind,))
            found = [VersionedRecord(key, dict(json.loads(doc)), str(version)) for key, doc, version in rows]
        return [record for record in found if matches(record.doc, where)]

    def delete_record(self, kind: RecordKind, key: str) -> None:
        with self._errors(f"delete {kind} record {key!r}"), self._write():
            self._db.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))

    def close(self) -> None:
        self._db.close()


@dataclass
class _BatchWrites:
    """The statements' parameters of one upsert batch, gathered before they are executed together."""

    columns: list[str] = field(default_factory=list)  # of the posts table, in the order of `post_row`
    inserts: list[list[Any]] = field(default_factory=list)
    updates: list[list[Any]] = field(default_factory=list)
    unindex: list[tuple[str, int, str]] = field(default_factory=list)
    index: list[tuple[int, str]] = field(default_factory=list)
    snapshots: list[tuple[str, float, int, int, int]] = field(default_factory=list)
    rollup: Counter[RollupKey] = field(default_factory=Counter)


def _observation_time(post: Post, observed_at: datetime | None, now: float) -> float:
    if observed_at is not None:
        return observed_at.timestamp()
    return post.fetched_at.timestamp() if post.fetched_at else now


@dataclass(frozen=True)
class _CountSource:
    """A table that trends count from: its time column, that column's unit in seconds, and the count of a row."""

    table: str
    time: str
    unit: int
    total: str


_FROM_POSTS = _CountSource("posts", "created_ts", 1, "COUNT(*)")
_FROM_ROLLUP = _CountSource("posts_hourly", "hour", 3600, "SUM(posts)")


@dataclass
class _Counting:
    """One trends query: its buckets, filter and dimension, and the counts so far."""

    seconds: int
    tz: ZoneInfo
    brand: str | None
    label: str | None
    counts: Counter[tuple[int, str, str]]


def _statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, one at a time (`executescript` would end the transaction)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""


def _whole_hours(start: float, end: float, seconds: int, tz: ZoneInfo) -> tuple[int, int] | None:
    """The epoch hours [first, end) of the window that the hourly rollup can count: when every bucket is made of
    whole UTC hours (whole-hour intervals, a zone whose offsets and offset changes fall on whole hours)."""
    spans = offset_spans(tz, start, end)
    if seconds % 3600 or any(span.offset % 3600 for span in spans) or any(span.start % 3600 for span in spans[1:]):
        return None
    first_hour, end_hour = math.ceil(start / 3600), math.floor(end / 3600)
    return (first_hour, end_hour) if first_hour < end_hour else None


def _filters(
    brand: str | None, since: datetime | None, until: datetime | None, table: str = ""
) -> tuple[list[str], list[Any]]:
    prefix = f"{table}." if table else ""
    where: list[str] = []
    params: list[Any] = []
    if brand is not None:
        where.append(f"{prefix}brand = ?")
        params.append(brand)
    if since is not None:
        where.append(f"{prefix}created_ts >= ?")
        params.append(since.timestamp())
    if until is not None:
        where.append(f"{prefix}created_ts < ?")
        params.append(until.timestamp())
    return where, params


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""
