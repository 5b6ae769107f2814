"""Tables of the SQLite store and the mapping of a post to its row."""

from __future__ import annotations

from typing import Any

from pipeline.models import Post

# WAL (set when a store opens) lets readers go on while one writer writes; the busy timeout (set on the
# connection) makes a second writer wait for the lock instead of failing with "database is locked".
SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    id TEXT PRIMARY KEY,
    brand TEXT,
    source TEXT,
    created_ts REAL NOT NULL,
    repost_of TEXT,
    author_id TEXT,
    author_followers INTEGER,
    sentiment TEXT,
    negative_score REAL,
    is_complaint INTEGER,
    severity INTEGER,
    severity_label TEXT,
    category TEXT,
    reposts INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    first_seen REAL,
    last_seen REAL,
    seq INTEGER,  -- order of insertion: what detection has read up to (never changed by an update)
    doc TEXT NOT NULL
);
-- Covering indexes: counting posts in a window and ranking them by spread read only the index; documents are
-- read for the page of results alone (ranking a month of a brand's posts read their rows: 1 s on 1M posts).
CREATE INDEX IF NOT EXISTS posts_by_brand
    ON posts (brand, created_ts, sentiment, severity_label, category, reposts, comments, likes);
CREATE INDEX IF NOT EXISTS posts_by_time
    ON posts (created_ts, brand, sentiment, severity_label, category, reposts, comments, likes);
CREATE INDEX IF NOT EXISTS posts_repost_of ON posts (repost_of);
-- Full-text index of CJK bigrams (`pipeline.store.fulltext`), one entry per post under the post's `seq`. Contentless:
-- the words are not stored twice; an entry is removed with the 'delete' command and the words it was indexed with.
CREATE VIRTUAL TABLE IF NOT EXISTS posts_text USING fts5 (words, content = '', tokenize = 'unicode61');
-- Posts per brand, UTC hour and labels, kept in the same transaction as the posts: trends over a month read a few
-- thousand rows here instead of a hundred thousand posts. '' stands for a missing value.
CREATE TABLE IF NOT EXISTS posts_hourly (
    brand TEXT NOT NULL,
    hour INTEGER NOT NULL,  -- epoch hours: floor(created_ts / 3600)
    sentiment TEXT NOT NULL,
    severity_label TEXT NOT NULL,
    category TEXT NOT NULL,
    posts INTEGER NOT NULL,
    PRIMARY KEY (brand, hour, sentiment, severity_label, category)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS posts_hourly_hour ON posts_hourly (hour, brand);
CREATE TABLE IF NOT EXISTS snapshots (
    post_id TEXT NOT NULL,
    observed_ts REAL NOT NULL,
    reposts INTEGER NOT NULL,
    comments INTEGER NOT NULL,
    likes INTEGER NOT NULL,
    PRIMARY KEY (post_id, observed_ts)
);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    updated_ts REAL NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, key)
);
"""
# Columns added after the first release, added in place to older files: (table, column, definition).
MIGRATIONS = [("records", "version", "INTEGER NOT NULL DEFAULT 1"), ("posts", "seq", "INTEGER")]
# Indexes on migrated columns, created once the columns exist.
LATE_INDEXES = "CREATE INDEX IF NOT EXISTS posts_seq ON posts (seq);"
# What older files had instead, dropped once the new tables are filled.
RETIRED_TABLES = ("posts_fts",)
RETIRED_INDEXES = ("posts_brand_trends", "posts_trends")
# The rollup's columns after `hour`, and the posts' columns they count.
ROLLUP_LABELS = ("sentiment", "severity_label", "category")
REBUILD_ROLLUP = f"""
INSERT INTO posts_hourly (brand, hour, {", ".join(ROLLUP_LABELS)}, posts)
SELECT COALESCE(brand, ''), CAST(created_ts / 3600 AS INTEGER) AS hour,
       {", ".join(f"COALESCE({label}, '')" for label in ROLLUP_LABELS)}, COUNT(*)
FROM posts GROUP BY 1, 2, 3, 4, 5
"""
ADD_TO_ROLLUP = f"""
INSERT INTO posts_hourly (brand, hour, {", ".join(ROLLUP_LABELS)}, posts) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT DO UPDATE SET posts = posts + excluded.posts
"""
RollupKey = tuple[str, int, str, str, str]


def rollup_key(row: dict[str, Any]) -> RollupKey:
    """Where a post row counts in the hourly rollup."""
    hour = int(row["created_ts"] // 3600)
    return (row["brand"] or "", hour, row["sentiment"] or "", row["severity_label"] or "", row["category"] or "")


def post_row(post: Post, doc: str, seen_at: float) -> dict[str, Any]:
    """Column values of a post (all but `first_seen`, which only an insert sets)."""
    complaint = post.complaint
    return {
        "id": post.id,
        "brand": post.brand,
        "source": post.source,
        "created_ts": post.created_at.timestamp(),
        "repost_of": post.repost_of,
        "author_id": post.author.id if post.author else None,
        "author_followers": post.author.followers if post.author else None,
        "sentiment": post.sentiment.label if post.sentiment else None,
        "negative_score": post.sentiment.score if post.sentiment else None,
        "is_complaint": int(complaint.is_complaint) if complaint else None,
        "severity": complaint.severity if complaint else None,
        "severity_label": complaint.severity_label if complaint else None,
        "category": complaint.category if complaint else None,
        "reposts": post.metrics.reposts,
        "comments": post.metrics.comments,
        "likes": post.metrics.likes,
        "last_seen": seen_at,
        "doc": doc,
    }
