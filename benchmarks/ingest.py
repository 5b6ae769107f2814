"""Ingest throughput and peak memory on realistic posts (real Weibo texts with brand names, see
`benchmarks/realistic_posts.py`), or on the short generated ones (`--texts generated`) for comparison.

Measures, each phase in its own process so that peak RSS belongs to that phase alone:
  read     — streaming JSONL read only (the floor every phase pays)
  store    — store-only upserts of already-enriched posts (SQLite + FTS5 + snapshots)
  ingest   — the whole `yuqing ingest` path: normalise + enrich (each scorer) + store
  rerun    — the same ingest a second time (idempotent: nothing changes)

    python benchmarks/ingest.py [--posts 100000] [--scorers snownlp,model] [--texts realistic|generated]
        [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from pipeline.demo.posts import DAY
from pipeline.models import Post

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("realistic_posts", HERE / "realistic_posts.py")
assert _spec is not None and _spec.loader is not None
realistic_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(realistic_posts)

_BRANDS = realistic_posts.BRANDS
_OPENINGS = ["刚买的", "昨天收到的", "朋友推荐的", "公司楼下的", "用了三个月的", "双十一抢的"]
_BODIES = [
    "{b}真不错，体验很好[赞]",
    "{b}的客服太敷衍了，问题拖了一周都没解决[怒]",
    "{b}今天有活动吗，想囤一点",
    "{b}的快递又晚了两天，外箱还破了",
    "感觉{b}最近质量下降了，有点失望",
    "{b}新品发布会什么时候开始",
    "{b}乱扣费，已经打12315投诉",
    "{b}这次的服务让我很满意，点赞",
]


def generate(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            brand = rng.choice(_BRANDS)
            text = rng.choice(_OPENINGS) + rng.choice(_BODIES).format(b=brand) + f" #{brand}#"
            record = {
                "id": f"weibo:{5_000_000_000_000_000 + number}",
                "source": "weibo",
                "text": text,
                "created_at": (DAY + timedelta(seconds=number * 86400 * 7 // count)).isoformat(),
                "author": {"id": str(rng.randint(1, 10**9)), "name": "u", "followers": rng.randint(0, 10**5)},
                "metrics": {"reposts": rng.randint(0, 50), "comments": rng.randint(0, 20), "likes": rng.randint(0, 99)},
                "repost_of": None,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def watchlist_file(folder: Path) -> Path:
    path = folder / "watchlist.yaml"
    path.write_text("brands:\n" + "".join(f"  - name: {brand}\n" for brand in _BRANDS), encoding="utf-8")
    return path


def run_phase(phase: str, posts_file: Path, db: Path, scorer: str, folder: Path) -> None:
    """Child process: one phase, prints a JSON line with its figures."""
    from functools import partial

    from pipeline.config import load_watchlist
    from pipeline.enrich.parallel import ParallelEnricher
    from pipeline.enrich.registry import make_enricher
    from pipeline.ingest import ingest
    from pipeline.jsonl import read_posts
    from pipeline.normalise import BrandMatcher
    from pipeline.store.sqlite import SQLiteStore

    started = time.perf_counter()
    count = 0
    if phase == "read":
        count = sum(1 for _ in read_posts(posts_file))
    elif phase == "store":
        store = SQLiteStore(db)
        count = store.upsert_posts(read_posts(posts_file)).inserted
        store.close()
    else:
        store = SQLiteStore(db)
        workers = 2 if phase == "ingest-2" else 1
        with ParallelEnricher(workers, partial(make_enricher, scorer)) as enricher:
            summary = ingest(
                read_posts(posts_file),
                matcher=BrandMatcher.from_watchlist(load_watchlist(watchlist_file(folder))),
                enricher=enricher,
                store=store,
            )
        store.close()
        count = summary.read
    elapsed = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(json.dumps({"phase": phase, "scorer": scorer, "posts": count, "seconds": elapsed, "peak_mb": peak_mb}))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def enriched_copy(source: Path, target: Path) -> None:
    """Posts as they leave enrichment, for the store-only phase. The labels are drawn at random: the
    store's cost does not depend on which model produced them, and this keeps the set-up cheap."""
    from pipeline.jsonl import read_posts, write_posts
    from pipeline.models import Complaint, Sentiment

    rng = random.Random(3)

    def scored(post: Post) -> Post:
        negative = rng.random()
        label = "negative" if negative > 0.6 else "neutral" if negative > 0.3 else "positive"
        severity = rng.randint(1, 3) if label == "negative" else 0
        category = rng.choice(["quality", "delivery", "service"]) if severity else "none"
        return post.with_changes(
            brand=next((brand for brand in _BRANDS if brand in post.text), None),
            sentiment=Sentiment(label, negative),
            complaint=Complaint(severity > 0, negative, severity, category),
        )

    write_posts(target, (scored(post) for post in read_posts(source)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--scorers", default="model,snownlp")
    parser.add_argument("--texts", choices=["realistic", "generated"], default="realistic")
    parser.add_argument("--data-dir", type=Path, default=realistic_posts.DEFAULT_DATA_DIR)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scorer", default="snownlp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.file, args.db, args.scorer, args.db.parent)
        return

    folder = Path(tempfile.mkdtemp(prefix="yuqing-bench-"))
    posts_file = folder / "posts.jsonl"
    if args.texts == "realistic":
        realistic_posts.write_realistic_posts(posts_file, args.posts, data_dir=args.data_dir)
    else:
        generate(posts_file, args.posts)
    scorers = [name for name in args.scorers.split(",") if name]
    enriched = folder / "enriched.jsonl"
    enriched_copy(posts_file, enriched)
    size_mb = posts_file.stat().st_size / 1e6
    mean_chars = realistic_posts.mean_length(posts_file)
    print(f"{args.posts:,} {args.texts} posts ({size_mb:.0f} MB JSONL, {mean_chars:.0f} characters a text on average)")
    print(f"Python {sys.version.split()[0]}")

    def child(phase: str, file: Path, db: Path, scorer: str) -> dict[str, float]:
        # -P: do not put benchmarks/ on the path, where benchmarks/classifiers.py would shadow the package.
        command = [sys.executable, "-P", __file__, "--phase", phase, "--file", str(file), "--db", str(db)]
        output = subprocess.run([*command, "--scorer", scorer], capture_output=True, text=True, check=True)
        return dict(json.loads(output.stdout.strip().splitlines()[-1]))

    rows = [("read only (JSONL parse + validation)", child("read", posts_file, folder / "r.db", "-"))]
    rows.append(("store-only upserts (enriched posts)", child("store", enriched, folder / "s.db", "-")))
    for scorer in scorers:
        db = folder / f"ingest-{scorer}.db"
        rows.append((f"ingest, scorer {scorer} (normalise+enrich+store)", child("ingest", posts_file, db, scorer)))
        if scorer != "snownlp":  # a second snownlp pass would only measure snownlp again
            rows.append((f"ingest again, scorer {scorer} (nothing changes)", child("rerun", posts_file, db, scorer)))
            db_2 = folder / f"ingest-2-{scorer}.db"
            rows.append((f"ingest, scorer {scorer}, 2 scoring processes", child("ingest-2", posts_file, db_2, scorer)))
    print(f"{'phase':<52} {'posts/s':>9} {'seconds':>8} {'peak RSS MB':>12}")
    for label, row in rows:
        rate = row["posts"] / row["seconds"] if row["seconds"] else 0.0
        print(f"{label:<52} {rate:>9,.0f} {row['seconds']:>8.1f} {row['peak_mb']:>12.0f}")
    print(f"command: python benchmarks/ingest.py --posts {args.posts} --scorers {args.scorers} --texts {args.texts}")


if __name__ == "__main__":
    main()
