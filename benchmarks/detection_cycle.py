"""Detection-cycle time on a large embedded store: what one spread-tracker detection step costs as the store grows.

Builds SQLite stores of 250k, 500k and 1M enriched posts (about 36,000 a day, so 7, 14 and 28 days; about a
third are reposts of cascades, 40 % of the originals negative or complaints, six brands), then times
`pipeline.tasks.spread_tracker.run_cycle` at the end of each store's time span (no channel configured: detection and
incident fusion only), five cycles each after one warm-up. Baselines in the same run: `count_posts` and reading
every post of the detection window as whole documents (`iter_posts`), the way a cycle used to read them.

    .venv/bin/python benchmarks/detection_cycle.py [--sizes 250000,500000,1000000] [--folder /tmp/yuqing-cycle]

Stores are kept in the folder and reused by later runs (building 1M posts takes several minutes).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from pipeline.models import Author, Complaint, Metrics, Post, Sentiment
from pipeline.store.sqlite import SQLiteStore

BRANDS = ["蒙牛", "小米", "顺丰", "瑞幸", "京东", "美团"]
PER_DAY = 36_000
START = datetime(2026, 10, 1, tzinfo=UTC)
TEXTS = [
    "刚买的{b}纯牛奶喝出异物，孩子喝完就拉肚子，已经打12315投诉了，大家千万别买这一批次[怒]",
    "{b}的客服太敷衍了，问题拖了一周都没解决，退款也迟迟不到账，真的很失望",
    "今天收到{b}的快递，包装完好，物流也很快，整体体验不错，下次还会回购[赞]",
    "{b}新品发布会看了吗？感觉这次的设计一般般，价格倒是比去年贵了不少",
    "吐槽一下{b}，会员自动续费根本没有提醒，客服电话也打不通，已经在黑猫投诉了",
]


def generate(count: int, seed: int = 11) -> Iterator[Post]:
    """`count` posts at PER_DAY a day from START: originals, and reposts joining recent originals."""
    rng = random.Random(seed)
    step = timedelta(days=1) / PER_DAY
    recent_roots: list[tuple[str, str]] = []
    for number in range(count):
        created = START + step * number
        post_id = f"weibo:{4_800_000_000_000_000 + number}"
        repost_of, brand = None, rng.choice(BRANDS)
        if recent_roots and rng.random() < 0.35:
            repost_of, brand = rng.choice(recent_roots[-400:])
        negative = rng.random() < 0.4
        severity = rng.choice([1, 2, 3]) if negative else 0
        yield Post(
            id=post_id,
            text=rng.choice(TEXTS).format(b=brand),
            created_at=created,
            source="weibo",
            url=f"https://weibo.com/{number}/Pz{number}",
            fetched_at=created + timedelta(minutes=3),
            author=Author(str(rng.randint(1, 10**7)), f"用户{number % 9973}", int(rng.paretovariate(1.2) * 100)),
            metrics=Metrics(rng.randint(0, 50), rng.randint(0, 20), rng.randint(0, 99)),
            repost_of=repost_of,
            brand=brand,
            sentiment=Sentiment("negative" if negative else "neutral", 0.9 if negative else 0.2),
            complaint=Complaint(negative, 0.8 if negative else 0.1, severity, "quality" if negative else "none"),
        )
        if repost_of is None:
            recent_roots.append((post_id, brand))


def build(path: Path, count: int) -> None:
    if path.exists():
        with SQLiteStore(path) as store:
            if store.count_posts() == count:
                return
        path.unlink()
    started = time.perf_counter()
    with SQLiteStore(path) as store:
        posts = generate(count)
        while batch := list(islice(posts, 5000)):
            store.upsert_posts(batch)
            print(f"  {path.name}: {store.count_posts():,} posts", end="\r", file=sys.stderr, flush=True)
    print(f"  built {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def watchlist(folder: Path) -> Path:
    path = folder / "watchlist.yaml"
    brands = "\n".join(f"  - name: {brand}" for brand in BRANDS)
    path.write_text(f"brands:\n{brands}\nroutes:\n  default: {{channels: [console]}}\n", encoding="utf-8")
    return path


def measure(path: Path, count: int, folder: Path, cycles: int = 5) -> dict[str, float]:
    """A cold cycle (no saved detector state: the window is read from the store), then `cycles` cycles five
    minutes apart, each after the posts of those five minutes (180) were stored, as in production."""
    from pipeline.config import Settings
    from pipeline.detect.engine import detection_config
    from pipeline.detect.incremental import detection_window
    from pipeline.store.memory import InMemoryRecords
    from pipeline.tasks.spread_tracker import run_cycle

    working = folder / "working.db"  # a copy: the cycles add posts, and the built store is reused next run
    shutil.copyfile(path, working)
    shutil.rmtree(folder / "detection", ignore_errors=True)
    settings = Settings(db_path=working, data_dir=folder, watchlist=watchlist(folder))
    end = START + timedelta(days=1) / PER_DAY * count
    figures: dict[str, float] = {}
    with SQLiteStore(working) as store:
        started = time.perf_counter()
        store.count_posts()
        figures["count_posts"] = time.perf_counter() - started
        window = detection_window(detection_config(settings.detection))
        started = time.perf_counter()
        figures["window posts"] = sum(1 for _ in store.iter_posts(since=end - window, until=end))
        figures["read window as documents"] = time.perf_counter() - started
        records = InMemoryRecords()  # incidents in memory: timed cycles start from the same incidents
        started = time.perf_counter()
        run_cycle(settings, end, store=_SharedPosts(store, records))
        figures["cold cycle"] = time.perf_counter() - started
        arriving = islice(generate(count + cycles * PER_DAY // 288), count, None)
        times = []
        for cycle in range(1, cycles + 1):
            store.upsert_posts(list(islice(arriving, PER_DAY // 288)))
            started = time.perf_counter()
            run_cycle(settings, end + timedelta(minutes=5 * cycle), store=_SharedPosts(store, records))
            times.append(time.perf_counter() - started)
        figures["cycle"] = statistics.median(times)
    working.unlink()
    return figures


class _SharedPosts:
    """The store's posts with incident records kept in memory, so that timed cycles do not change the store."""

    def __init__(self, store: SQLiteStore, records: object) -> None:
        self._store, self._records = store, records

    def __getattr__(self, name: str) -> object:
        target = self._records if "record" in name or name.endswith("versioned") else self._store
        return getattr(target, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250000,500000,1000000")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/yuqing-cycle"))
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    for count in sizes:
        path = args.folder / f"posts-{count}.db"
        build(path, count)
        figures = measure(path, count, args.folder)
        rows.append((count, figures))
        print(json.dumps({"posts": count, **figures}), file=sys.stderr)
    print(f"Detection cycle on SQLite stores ({platform.python_version()}, {datetime.now(UTC):%Y-%m-%d})\n")
    print(
        "| posts in store | days | window posts | detection cycle (median of 5, 180 new posts each) | cold cycle "
        "(no saved state) | read window as documents | count_posts |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for count, figures in rows:
        print(
            f"| {count:,} | {count / PER_DAY:.0f} | {figures['window posts']:,.0f} | {figures['cycle'] * 1000:,.0f} ms"
            f" | {figures['cold cycle'] * 1000:,.0f} ms | {figures['read window as documents'] * 1000:,.0f} ms"
            f" | {figures['count_posts'] * 1000:.1f} ms |"
        )
    print(f"\nCommand: `.venv/bin/python benchmarks/detection_cycle.py --sizes {args.sizes}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
