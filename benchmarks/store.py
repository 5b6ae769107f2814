"""Store benchmark: bulk-ingest posts/s, trend and search latency on realistic enriched posts (real Weibo texts
with brand names, `benchmarks/realistic_posts.py`; labels drawn at random).

SQLite always; Elasticsearch too when YUQING_ES_URL points at a server (its own index prefix, dropped
afterwards). Baselines measured in the same run: serialising the same posts to JSON Lines in memory (the
floor of any store write) and `count_posts` (the cheapest query), so the ratios survive noisy machines.

    .venv/bin/python -P benchmarks/store.py [--posts 1000000] [--batch 5000] [--queries 20] [--data-dir D]

Queries timed (median after a warm-up): trends of one brand over 30 days hourly (total, and by sentiment), the
same over all brands by severity daily, and a search for a common word's first page (20 posts, with and without
a brand), against `count_posts(brand)` and the count of the word's full-text matches.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from itertools import islice
from pathlib import Path

from pipeline.models import Complaint, Post, Sentiment
from pipeline.store.base import Store

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("realistic_posts", HERE / "realistic_posts.py")
assert _spec is not None and _spec.loader is not None
realistic_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(realistic_posts)

BRANDS = realistic_posts.BRANDS
LABELS = [
    ("positive", 0, "none"),
    ("neutral", 0, "none"),
    ("negative", 0, "none"),
    ("negative", 1, "quality"),
    ("negative", 2, "service"),
    ("negative", 2, "delivery"),
    ("negative", 3, "safety"),
    ("negative", 1, "price"),
]
START = realistic_posts.START
SPAN = timedelta(days=30)
DATA_DIR = realistic_posts.DEFAULT_DATA_DIR


def generate(count: int, data_dir: Path = DATA_DIR, seed: int = 7) -> Iterator[Post]:
    """Realistic posts (`benchmarks/realistic_posts.py`) over 30 days, with labels drawn at random: the store's
    cost does not depend on which model made them."""
    rng = random.Random(seed)
    for record in realistic_posts.realistic_records(count, data_dir=data_dir, days=SPAN.days, seed=seed):
        label, severity, category = rng.choice(LABELS)
        post = Post.from_dict(record)
        yield post.with_changes(
            brand=next((brand for brand in BRANDS if brand in post.text), None),
            fetched_at=post.created_at + timedelta(minutes=5),
            sentiment=Sentiment(label, 0.9 if label == "negative" else 0.1),  # type: ignore[arg-type]
            complaint=Complaint(severity > 0, 0.8 if severity else 0.1, severity, category),
        )


def batches(posts: Iterator[Post], size: int) -> Iterator[list[Post]]:
    while batch := list(islice(posts, size)):
        yield batch


def serialise_rate(count: int, data_dir: Path) -> float:
    """Posts/s of turning the posts into JSON Lines in memory: what every store write pays at least."""
    sink = io.StringIO()
    started = time.perf_counter()
    for post in generate(count, data_dir):
        sink.write(json.dumps(post.to_dict(), ensure_ascii=False) + "\n")
    return count / (time.perf_counter() - started)


def ingest(store: Store, count: int, batch: int, label: str, data_dir: Path) -> float:
    started = time.perf_counter()
    done = 0
    for chunk in batches(generate(count, data_dir), batch):
        store.upsert_posts(chunk)
        done += len(chunk)
        elapsed = time.perf_counter() - started
        print(f"\r{label}: {done:,}/{count:,} posts, {done / elapsed:,.0f}/s", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return count / (time.perf_counter() - started)


def latency_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm caches once, as a dashboard that refreshes would
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(
    store: Store, name: str, count: int, batch: int, repeats: int, baseline_rate: float, data_dir: Path
) -> list[str]:
    rate = ingest(store, count, batch, name, data_dir)
    month = {"since": START, "until": START + SPAN}
    count_ms = latency_ms(lambda: store.count_posts("蒙牛"), repeats)
    hourly_ms = latency_ms(lambda: store.trends(brand="蒙牛", interval=timedelta(hours=1), **month), repeats)
    by_sentiment_ms = latency_ms(
        lambda: store.trends(brand="蒙牛", interval=timedelta(hours=1), by="sentiment", **month), repeats
    )
    all_brands_ms = latency_ms(
        lambda: store.trends(brand=None, interval=timedelta(days=1), by="severity", **month), repeats
    )
    lines = [
        f"{name}: bulk ingest {rate:,.0f} posts/s ({rate / baseline_rate:.3f}× JSON serialisation)",
        f"{name}: count_posts(brand) median {count_ms:.1f} ms (baseline)",
        f"{name}: trends 1 brand, 30 days hourly: median {hourly_ms:.1f} ms ({hourly_ms / count_ms:.1f}× count)",
        f"{name}: trends 1 brand, 30 days hourly by sentiment: median {by_sentiment_ms:.1f} ms "
        f"({by_sentiment_ms / count_ms:.1f}× count)",
        f"{name}: trends all brands, 30 days daily by severity: median {all_brands_ms:.1f} ms "
        f"({all_brands_ms / count_ms:.1f}× count)",
    ]
    return lines + search_lines(store, name, repeats)


def search_lines(store: Store, name: str, repeats: int) -> list[str]:
    """First page of a common word, against counting its matches in the index (SQLite only)."""
    from pipeline.store.fulltext import match_expression
    from pipeline.store.sqlite import SQLiteStore

    if not isinstance(store, SQLiteStore):
        return []
    lines = []
    count_sql = "SELECT COUNT(*) FROM posts_text WHERE posts_text MATCH ?"
    for word in COMMON_WORDS:
        expression = match_expression(word)
        hits = store._db.execute(count_sql, [expression]).fetchone()[0]
        count_ms = latency_ms(partial(lambda e: store._db.execute(count_sql, [e]).fetchone(), expression), repeats)
        page_ms = latency_ms(partial(store.search, word), repeats)
        brand_ms = latency_ms(partial(store.search, word, brand="蒙牛"), repeats)
        lines.append(
            f"{name}: search {word!r} ({hits:,} hits), first page: median {page_ms:.1f} ms, with a brand "
            f"{brand_ms:.1f} ms; counting its matches {count_ms:.1f} ms (baseline)"
        )
    return lines


COMMON_WORDS = ["今天", "什么", "快递"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=20, help="repeats per query (median reported)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()

    baseline = serialise_rate(min(args.posts, 100_000), args.data_dir)
    lines = [f"baseline: JSON Lines serialisation {baseline:,.0f} posts/s"]
    from pipeline.store.sqlite import SQLiteStore

    with tempfile.TemporaryDirectory() as folder:
        sqlite_store = SQLiteStore(Path(folder) / "bench.db")
        lines += measure(sqlite_store, "sqlite", args.posts, args.batch, args.queries, baseline, args.data_dir)
        sqlite_store.close()
    es_url = os.environ.get("YUQING_ES_URL")
    if es_url:
        from pipeline.store.elasticsearch import ElasticsearchStore

        # Bulk without refresh, as in production; one refresh before querying.
        es_store = ElasticsearchStore.for_tests(es_url, prefix=f"yuqing-bench-{uuid.uuid4().hex[:8]}", refresh=False)
        try:
            rate = ingest(es_store, args.posts, args.batch, "elasticsearch", args.data_dir)
            es_store.client.indices.refresh(index=es_store.names.posts_alias)
            lines.append(f"elasticsearch: bulk ingest {rate:,.0f} posts/s ({rate / baseline:.3f}× JSON serialisation)")
            month = {"since": START, "until": START + SPAN}
            hourly_ms = latency_ms(
                lambda: es_store.trends(brand="蒙牛", interval=timedelta(hours=1), by="sentiment", **month),
                args.queries,
            )
            lines.append(f"elasticsearch: trends 1 brand, 30 days hourly by sentiment: median {hourly_ms:.1f} ms")
        finally:
            es_store.drop_all()
            es_store.close()
    else:
        lines.append("elasticsearch: skipped (set YUQING_ES_URL to a server to measure it)")

    print(f"# {' '.join(['python', *sys.argv])}")
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {args.posts:,} posts"
    )
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
