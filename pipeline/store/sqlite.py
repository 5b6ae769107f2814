"""The embedded store: SQLite (standard library) with an FTS5 index over jieba-segmented text.

One row per post id holds the latest state; metrics only grow (a stale observation never lowers a repost
count); each change of metrics appends a snapshot for spread detection. Writes are idempotent: the same
input twice changes nothing.

Several processes may write at once (parallel Airflow tasks, an ingest beside a detection cycle, a person
acknowledging an incident). Every read-modify-write runs in one `BEGIN IMMEDIATE` transaction, so the read
happens under the write lock and no writer overwrites what another just wrote; WAL keeps readers going
meanwhile, and the busy timeout makes a writer wait its turn instead of failing. The expensive part of an
upsert (segmenting text for the index) is done before the lock is taken.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.exceptions import RecordConflict, StoreError
from pipeline.models import Post
from pipeline.segment import segment, segment_for_search
from pipeline.store.base import DEFAULT_ZONE, MetricSnapshot, TrendBucket, TrendDimension, UpsertCounts
from pipeline.store.buckets import bucket_start, offset_spans
from pipeline.store.merge import fold_duplicates, merge_posts
from pipeline.store.records import NEW, RecordKind, VersionedRecord, matches
from pipeline.store.sqlite_schema import LATE_INDEXES, MIGRATIONS, PRAGMAS, SCHEMA, post_row

_LOOKUP_CHUNK = 500
_DIMENSION_COLUMN = {"sentiment": "sentiment", "severity": "severity_label", "category": "category"}
BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another writer's transaction before giving up


class SQLiteStore:
    """`Store` on one SQLite file (or ":memory:")."""

    def __init__(self, path: Path | str, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.path = str(path)
        self.location = "" if self.path == ":memory:" else f"sqlite:{Path(self.path).resolve()}"
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: no implicit transactions; every write says where its transaction is.
            self._db = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
            self._db.executescript(PRAGMAS + SCHEMA)  # idempotent: IF NOT EXISTS throughout
            with self._write():
                self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from exc

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
        with self._errors("upsert"):
            # Segment outside the lock the texts that the index will need: new posts and changed texts.
            before = self._existing_docs(list(latest))
            words = {post_id: _index_words(post) for post_id, post in latest.items() if _text_changed(before, post)}
            with self._write():
                # The clock is read under the lock: of two writers, the one that writes later observes later.
                now = datetime.now(UTC).timestamp()
                return self._write_batch(latest, self._existing_docs(list(latest)), words, observed_at, now)

    def _write_batch(
        self,
        latest: dict[str, Post],
        existing: dict[str, str],
        words: dict[str, str],
        observed_at: datetime | None,
        now: float,
    ) -> UpsertCounts:
        inserted = updated = unchanged = 0
        seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM posts").fetchone()[0]
        for post_id, post in latest.items():
            old_doc = existing.get(post_id)
            old = Post.from_dict(json.loads(old_doc)) if old_doc else None
            merged = merge_posts(old, post) if old is not None else post
            doc = json.dumps(merged.to_dict(), ensure_ascii=False, sort_keys=True)
            if doc == old_doc:
                unchanged += 1
                continue
            seen_at = _observation_time(post, observed_at, now)
            row = post_row(merged, doc, seen_at)
            if old is None:
                seq += 1  # under the write lock: insertion order is commit order
                self._db.execute(
                    f"INSERT INTO posts ({', '.join(row)}, first_seen, seq) VALUES ({', '.join('?' * len(row))}, ?, ?)",
                    [*row.values(), seen_at, seq],
                )
                inserted += 1
            else:
                assignments = ", ".join(f"{column} = ?" for column in row)
                self._db.execute(f"UPDATE posts SET {assignments} WHERE id = ?", [*row.values(), post_id])
                updated += 1
            if old is None or old.text != merged.text:
                if old is not None:  # `id` is not indexed in the FTS table: delete only what exists
                    self._db.execute("DELETE FROM posts_fts WHERE id = ?", (post_id,))
                self._db.execute(
                    "INSERT INTO posts_fts (id, words) VALUES (?, ?)",
                    (post_id, words.get(post_id) or _index_words(merged)),
                )
            self._snapshot(merged, seen_at)
        return UpsertCounts(inserted, updated, unchanged)

    def _snapshot(self, post: Post, seen_at: float) -> None:
        last = self._db.execute(
            "SELECT reposts, comments, likes FROM snapshots WHERE post_id = ? ORDER BY observed_ts DESC LIMIT 1",
            (post.id,),
        ).fetchone()
        metrics = (post.metrics.reposts, post.metrics.comments, post.metrics.likes)
        if last is None or tuple(last) != metrics:
            self._db.execute(
                "INSERT OR REPLACE INTO snapshots (post_id, observed_ts, reposts, comments, likes) "
                "VALUES (?, ?, ?, ?, ?)",
                (post.id, seen_at, *metrics),
            )

    def _existing_docs(self, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = ids[start : start + _LOOKUP_CHUNK]
            rows = self._db.execute(f"SELECT id, doc FROM posts WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            found.update(rows.fetchall())
        return found

    def added_cursor(self) -> str:
        return str(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM posts").fetchone()[0])

    def posts_added_since(self, cursor: str) -> tuple[list[Post], str]:
        rows = self._db.execute("SELECT seq, doc FROM posts WHERE seq > ? ORDER BY seq", (int(cursor),)).fetchall()
        posts = [Post.from_dict(json.loads(doc)) for _, doc in rows]
        return posts, str(rows[-1][0]) if rows else cursor

    def get_post(self, post_id: str) -> Post | None:
        row = self._db.execute("SELECT doc FROM posts WHERE id = ?", (post_id,)).fetchone()
        return Post.from_dict(json.loads(row[0])) if row else None

    def count_posts(self, brand: str | None = None) -> int:
        if brand is None:
            return int(self._db.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
        return int(self._db.execute("SELECT COUNT(*) FROM posts WHERE brand = ?", (brand,)).fetchone()[0])

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
        words = [word.replace('"', "") for word in segment(query)]
        if not words:
            return []
        match = " AND ".join(f'"{word}"' for word in words if word)
        where, params = _filters(brand, since, until, table="p")
        where.insert(0, "posts_fts MATCH ?")
        sql = (
            "SELECT p.doc FROM posts_fts JOIN posts p ON p.id = posts_fts.id "
            f"{_where(where)} ORDER BY bm25(posts_fts), p.created_ts DESC LIMIT ?"
        )
        try:
            rows = self._db.execute(sql, [match, *params, limit]).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"search {query!r} failed: {exc}") from exc
        return [Post.from_dict(json.loads(doc)) for (doc,) in rows]

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
        key = f"COALESCE({_DIMENSION_COLUMN[by]}, 'unscored')" if by else "'all'"
        where, params = _filters(brand, since, until)
        first, last = self._db.execute(
            f"SELECT MIN(created_ts), MAX(created_ts) FROM posts {_where(where)}", params
        ).fetchone()
        if first is None:
            return []
        # CAST truncates, which floors here: every stored time is after 1970 (the schema admits 2000-2099).
        sql = (
            f"SELECT CAST((created_ts + ?) / {seconds} AS INTEGER) AS local, brand, {key} AS k, COUNT(*) "
            f"FROM posts {_where([*where, 'created_ts >= ?', 'created_ts < ?'])} GROUP BY local, brand, k"
        )
        counts: Counter[tuple[int, str, str]] = Counter()
        for span in offset_spans(tz, first, last):
            for local, brand_name, value, count in self._db.execute(sql, [span.offset, *params, span.start, span.end]):
                # Any instant of the bucket within the span gives its start: the local start, or the span's first.
                instant = max(local * seconds - span.offset, span.start)
                counts[(bucket_start(instant, seconds, tz), brand_name or "", str(value))] += count
        return [
            TrendBucket(datetime.fromtimestamp(start, tz), brand_name, value, count)
            for (start, brand_name, value), count in sorted(counts.items())
        ]

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
        sql = (
            f"SELECT doc FROM posts {_where(where)} "
            "ORDER BY reposts DESC, comments DESC, likes DESC, created_ts DESC LIMIT ?"
        )
        return [Post.from_dict(json.loads(doc)) for (doc,) in self._db.execute(sql, [*params, limit])]

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


def _index_words(post: Post) -> str:
    return " ".join(segment_for_search(post.text))


def _text_changed(existing: dict[str, str], post: Post) -> bool:
    old_doc = existing.get(post.id)
    return old_doc is None or json.loads(old_doc).get("text") != post.text


def _observation_time(post: Post, observed_at: datetime | None, now: float) -> float:
    if observed_at is not None:
        return observed_at.timestamp()
    return post.fetched_at.timestamp() if post.fetched_at else now


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
