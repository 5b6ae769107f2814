"""Store benchmark: bulk-ingest posts/s and trend-query latency on generated, enriched posts.

SQLite always; Elasticsearch too when YUQING_ES_URL points at a server (its own index prefix, dropped
afterwards). Baselines measured in the same run: serialising the same posts to JSON Lines in memory (the
floor of any store write) and `count_posts` (the cheapest query), so the ratios survive noisy machines.

    /work/venv/bin/python benchmarks/store.py [--posts 1000000] [--batch 5000] [--queries 20]
"""

from __future__ import annotations

import argparse
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
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from pipeline.models import Author, Complaint, Metrics, Post, Sentiment
from pipeline.store.base import Store

BRANDS = ["蒙牛", "小米", "顺丰", "瑞幸", "京东", "美团"]
OPENINGS = ["刚买的", "昨天收到的", "朋友推荐的", "公司楼下的", "用了三个月的", "双十一抢的"]
BODIES = [
    ("{b}真不错，体验很好[赞]", "positive", 0, "none"),
    ("{b}的客服太敷衍了，问题拖了一周都没解决[怒]", "negative", 2, "service"),
    ("{b}今天有活动吗，想囤一点", "neutral", 0, "none"),
    ("{b}的快递又晚了两天，外箱还破了", "negative", 1, "delivery"),
    ("感觉{b}最近质量下降了，有点失望", "negative", 1, "quality"),
    ("{b}乱扣费，已经打12315投诉", "negative", 3, "price"),
]
START = datetime(2026, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=28)


def generate(count: int, seed: int = 7) -> Iterator[Post]:
    rng = random.Random(seed)
    step = SPAN / count
    for number in range(count):
        brand = rng.choice(BRANDS)
        body, label, severity, category = rng.choice(BODIES)
        created = START + step * number
        yield Post(
            id=f"weibo:{5_000_000_000_000_000 + number}",
            text=rng.choice(OPENINGS) + body.format(b=brand),
            created_at=created,
            source="weibo",
            url=f"https://weibo.com/{number}",
            fetched_at=created + timedelta(minutes=5),
            author=Author(str(rng.randint(1, 10**7)), "u", rng.randint(0, 10**5)),
            metrics=Metrics(rng.randint(0, 50), rng.randint(0, 20), rng.randint(0, 99)),
            brand=brand,
            sentiment=Sentiment(label, 0.9 if label == "negative" else 0.1),  # type: ignore[arg-type]
            complaint=Complaint(severity > 0, 0.8 if severity else 0.1, severity, category),
        )


def batches(posts: Iterator[Post], size: int) -> Iterator[list[Post]]:
    while batch := list(islice(posts, size)):
        yield batch


def serialise_rate(count: int) -> float:
    """Posts/s of turning the posts into JSON Lines in memory: what every store write pays at least."""
    sink = io.StringIO()
    started = time.perf_counter()
    for post in generate(count):
        sink.write(json.dumps(post.to_dict(), ensure_ascii=False) + "\n")
    return count / (time.perf_counter() - started)


def ingest(store: Store, count: int, batch: int, label: str) -> float:
    started = time.perf_counter()
    done = 0
    for chunk in batches(generate(count), batch):
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


def measure(store: Store, name: str, count: int, batch: int, repeats: int, baseline_rate: float) -> list[str]:
    rate = ingest(store, count, batch, name)
    week = {"since": START + SPAN - timedelta(days=7), "until": START + SPAN}
    count_ms = latency_ms(lambda: store.count_posts("蒙牛"), repeats)
    hourly_ms = latency_ms(
        lambda: store.trends(brand="蒙牛", interval=timedelta(hours=1), by="sentiment", **week), repeats
    )
    all_brands_ms = latency_ms(
        lambda: store.trends(brand=None, since=START, until=START + SPAN, interval=timedelta(days=1), by="severity"),
        repeats,
    )
    return [
        f"{name}: bulk ingest {rate:,.0f} posts/s ({rate / baseline_rate:.3f}× JSON serialisation)",
        f"{name}: count_posts(brand) median {count_ms:.1f} ms (baseline)",
        f"{name}: trends 1 brand, 7 days hourly by sentiment: median {hourly_ms:.1f} ms "
        f"({hourly_ms / count_ms:.1f}× count)",
        f"{name}: trends all brands, 28 days daily by severity: median {all_brands_ms:.1f} ms "
        f"({all_brands_ms / count_ms:.1f}× count)",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=20, help="repeats per query (median reported)")
    args = parser.parse_args()

    baseline = serialise_rate(min(args.posts, 100_000))
    lines = [f"baseline: JSON Lines serialisation {baseline:,.0f} posts/s"]
    from pipeline.store.sqlite import SQLiteStore

    with tempfile.TemporaryDirectory() as folder:
        sqlite_store = SQLiteStore(Path(folder) / "bench.db")
        lines += measure(sqlite_store, "sqlite", args.posts, args.batch, args.queries, baseline)
        sqlite_store.close()
    es_url = os.environ.get("YUQING_ES_URL")
    if es_url:
        from pipeline.store.elasticsearch import ElasticsearchStore

        # Bulk without refresh, as in production; one refresh before querying.
        es_store = ElasticsearchStore.for_tests(es_url, prefix=f"yuqing-bench-{uuid.uuid4().hex[:8]}", refresh=False)
        try:
            rate = ingest(es_store, args.posts, args.batch, "elasticsearch")
            es_store.client.indices.refresh(index=es_store.names.posts_alias)
            lines.append(f"elasticsearch: bulk ingest {rate:,.0f} posts/s ({rate / baseline:.3f}× JSON serialisation)")
            week = {"since": START + SPAN - timedelta(days=7), "until": START + SPAN}
            hourly_ms = latency_ms(
                lambda: es_store.trends(brand="蒙牛", interval=timedelta(hours=1), by="sentiment", **week),
                args.queries,
            )
            lines.append(f"elasticsearch: trends 1 brand, 7 days hourly by sentiment: median {hourly_ms:.1f} ms")
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
