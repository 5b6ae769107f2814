"""What only the SQLite store does: the hourly rollup agrees with counting posts one by one, its full-text index
folds traditional characters, and files made by older versions are brought up to date when opened."""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.models import Complaint, Post, Sentiment
from pipeline.store.buckets import bucket_start
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post

T0 = datetime(2026, 3, 6, 0, 17, tzinfo=UTC)  # New York changes its clocks on 8 March
LABELS = ["negative", "neutral", "positive"]


def _random_post(rng: random.Random, number: int) -> Post:
    created = T0 + timedelta(minutes=rng.randint(0, 5 * 24 * 60))
    post = Post.from_dict(
        make_post(id=f"weibo:{number}", brand=rng.choice(["蒙牛", "小米", None]), created_at=created.isoformat())
    )
    if rng.random() < 0.2:
        return post  # unscored
    label = rng.choice(LABELS)
    severity = rng.randint(0, 3)
    category = rng.choice(["quality", "safety", "none"])
    return post.with_changes(
        sentiment=Sentiment(label, rng.random()),  # type: ignore[arg-type]
        complaint=Complaint(severity > 0, rng.random(), severity, category),
    )


def _counted_one_by_one(
    store: SQLiteStore, since: datetime, until: datetime, interval: timedelta, tz: ZoneInfo
) -> Counter[tuple[datetime, str, str]]:
    counts: Counter[tuple[datetime, str, str]] = Counter()
    for post in store.iter_posts(brand="蒙牛", since=since, until=until):
        start = bucket_start(int(post.created_at.timestamp()), int(interval.total_seconds()), tz)
        label = post.sentiment.label if post.sentiment else "unscored"
        counts[(datetime.fromtimestamp(start, tz), "蒙牛", label)] += 1
    return counts


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Asia/Kolkata", "UTC"])
@pytest.mark.parametrize("interval", [timedelta(hours=1), timedelta(hours=3), timedelta(days=1), timedelta(minutes=20)])
def test_trends_equal_counting_posts_one_by_one(tmp_path: Path, zone: str, interval: timedelta) -> None:
    rng = random.Random(f"{zone}{interval}")
    tz = ZoneInfo(zone)
    with SQLiteStore(tmp_path / "posts.db") as store:
        store.upsert_posts(_random_post(rng, number) for number in range(600))
        # Later copies of some posts: labels, brands and times of the rows change, so do the rollup's cells.
        store.upsert_posts(_random_post(rng, rng.randrange(600)) for _ in range(200))
        since = T0 + timedelta(minutes=rng.randint(0, 300), seconds=rng.randint(0, 59))
        until = since + timedelta(days=4, minutes=rng.randint(0, 300))
        buckets = store.trends(brand="蒙牛", since=since, until=until, interval=interval, by="sentiment", tz=tz)
        found = Counter({(bucket.start, bucket.brand, bucket.key): bucket.count for bucket in buckets})
        assert found == _counted_one_by_one(store, since, until, interval, tz)
        assert sum(found.values()) > 0
        assert store.count_posts() == 600


def test_search_folds_traditional_characters(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "posts.db") as store:
        store.upsert_posts([Post.from_dict(make_post(id="weibo:1", text="順豐快遞又丟件了"))])
        assert [post.id for post in store.search("顺丰快递")] == ["weibo:1"]
        assert [post.id for post in store.search("丢件")] == ["weibo:1"]


def test_a_text_that_changes_is_found_by_its_new_words_only(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "posts.db") as store:
        store.upsert_posts([Post.from_dict(make_post(id="weibo:1", text="快递太慢"))])
        store.upsert_posts([Post.from_dict(make_post(id="weibo:1", text="客服态度很差"))])
        assert store.search("快递") == []
        assert [post.id for post in store.search("态度")] == ["weibo:1"]


OLD_SCHEMA = """
CREATE TABLE posts (id TEXT PRIMARY KEY, brand TEXT, source TEXT, created_ts REAL NOT NULL, repost_of TEXT,
    author_id TEXT, author_followers INTEGER, sentiment TEXT, negative_score REAL, is_complaint INTEGER,
    severity INTEGER, severity_label TEXT, category TEXT, reposts INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0, likes INTEGER NOT NULL DEFAULT 0, first_seen REAL, last_seen REAL,
    doc TEXT NOT NULL);
CREATE VIRTUAL TABLE posts_fts USING fts5 (id UNINDEXED, words, tokenize = 'unicode61');
CREATE TABLE records (kind TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, updated_ts REAL NOT NULL,
    PRIMARY KEY (kind, key));
"""


def test_a_file_of_an_older_version_is_indexed_and_rolled_up_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(OLD_SCHEMA)
    for number, text in enumerate(["蒙牛牛奶有异物", "小米手机发热", "蒙牛客服不回复"]):
        post = Post.from_dict(make_post(id=f"weibo:{number}", text=text, brand="蒙牛"))
        doc = json.dumps(post.to_dict(), ensure_ascii=False)
        old.execute(
            "INSERT INTO posts (id, brand, created_ts, doc) VALUES (?, ?, ?, ?)",
            (post.id, "蒙牛", post.created_at.timestamp(), doc),
        )
        old.execute("INSERT INTO posts_fts (id, words) VALUES (?, ?)", (post.id, text))
    old.commit()
    old.close()

    with SQLiteStore(path) as store:
        assert [post.id for post in store.search("异物")] == ["weibo:0"]
        assert store.count_posts(brand="蒙牛") == 3
        assert store.added_cursor() == "0"  # old rows are not news to a detection cursor
        store.upsert_posts([Post.from_dict(make_post(id="weibo:9", text="蒙牛又出异物", brand="蒙牛"))])
        assert {post.id for post in store.search("异物")} == {"weibo:0", "weibo:9"}
    tables = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "posts_fts" not in tables

    # Opened by the older version again (which makes its index anew), then by this one: indexed once more.
    older = sqlite3.connect(path)
    older.execute("CREATE VIRTUAL TABLE posts_fts USING fts5 (id UNINDEXED, words, tokenize = 'unicode61')")
    older.commit()
    older.close()
    with SQLiteStore(path) as store:
        assert {post.id for post in store.search("异物")} == {"weibo:0", "weibo:9"}
        assert [post.id for post in store.search("手机发热")] == ["weibo:1"]  # once, not twice


def test_a_common_word_is_found_newest_first_by_walking_recent_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = [
        Post.from_dict(
            make_post(
                id=f"weibo:{n}",
                brand="蒙牛" if n % 2 else "小米",
                text="快递太慢" if n % 3 else "客服很好",
                created_at=(T0 + timedelta(minutes=(n * 37) % 100)).isoformat(),
            )
        )
        for n in range(60)
    ]
    with SQLiteStore(tmp_path / "posts.db") as store:
        store.upsert_posts(posts)
        sorted_all = [post.id for post in store.search("快递", brand="蒙牛", limit=7)]
        monkeypatch.setattr("pipeline.store.sqlite._FEW_MATCHES", 3)  # every search takes the common-word path
        assert [post.id for post in store.search("快递", brand="蒙牛", limit=7)] == sorted_all
        found = store.search("快递", limit=50)
        assert len(found) == 40
        assert [post.created_at for post in found] == sorted((post.created_at for post in found), reverse=True)
