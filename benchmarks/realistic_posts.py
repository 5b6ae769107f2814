"""Realistic posts for the throughput benchmarks: real Weibo texts with a brand name put in.

Texts are the posts of `weibo_senti_100k` (real Weibo posts of 2012–2013, 65 characters on average, emoticon
tags, `//@name:` repost chains and `回复@` replies as people wrote them), each with one watched brand name
inserted at a random word boundary so that brand matching keeps it, and `#brand#` appended to one post in
five. Times spread over `days` days, metrics and follower counts drawn at random, one post in four a repost of
an earlier one. The project's own generator (`benchmarks/ingest.py --texts generated`) makes 21-character texts
with 216 distinct ones, which flatters every figure: caches hit, the index stays tiny.

    realistic_posts.write_realistic_posts(path, 100_000, data_dir=Path("../shared/data"))

(benchmark scripts load this file with importlib, as `benchmarks/ingest.py` does: run as scripts, their folder
is not a package.)
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BRANDS = ["蒙牛", "小米", "顺丰", "瑞幸", "京东", "美团"]
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
START = datetime(2026, 11, 1, tzinfo=UTC)
_CORPUS = "weibo_senti_100k/weibo_senti_100k_recovered.csv"
_BREAKS = "，。！？ ,.!?~"


def real_texts(data_dir: Path = DEFAULT_DATA_DIR) -> list[str]:
    """The corpus's texts, in file order."""
    path = data_dir / _CORPUS
    if not path.exists():
        raise SystemExit(f"{path} is missing: pass --data-dir pointing at the shared data folder")
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["review"].strip() for row in csv.DictReader(handle) if row["review"].strip()]


def with_brand(text: str, brand: str, rng: random.Random) -> str:
    """`text` with `brand` inserted after a random punctuation mark (or at the start when there is none)."""
    breaks = [index + 1 for index, char in enumerate(text) if char in _BREAKS]
    at = rng.choice(breaks) if breaks and rng.random() < 0.7 else 0
    tagged = text[:at] + brand + text[at:]
    return tagged + f" #{brand}#" if rng.random() < 0.2 else tagged


def realistic_records(
    count: int, *, data_dir: Path = DEFAULT_DATA_DIR, days: int = 7, seed: int = 7
) -> Iterator[dict[str, Any]]:
    """`count` raw post records (the JSONL input of `yuqing ingest`). Texts repeat only once the corpus
    (93k texts) is used up, and then with another brand."""
    rng = random.Random(seed)
    texts = real_texts(data_dir)
    rng.shuffle(texts)
    span = days * 86_400
    for number in range(count):
        brand = rng.choice(BRANDS)
        created = START + timedelta(seconds=number * span // max(count, 1))
        reposted = number > 10 and rng.random() < 0.25
        yield {
            "id": f"weibo:{5_000_000_000_000_000 + number}",
            "source": "weibo",
            "text": with_brand(texts[number % len(texts)], brand, rng),
            "created_at": created.isoformat(),
            "author": {
                "id": str(rng.randint(1, 10**9)),
                "name": f"用户{rng.randint(1, 10**6)}",
                "followers": rng.randint(0, 10**5),
            },
            "metrics": {"reposts": rng.randint(0, 50), "comments": rng.randint(0, 20), "likes": rng.randint(0, 99)},
            "repost_of": f"weibo:{5_000_000_000_000_000 + rng.randint(0, number - 1)}" if reposted else None,
        }


def normalised_posts(count: int, data_dir: Path = DEFAULT_DATA_DIR) -> list[Any]:
    """`count` realistic records as normalised `Post`s (as ingest makes them); the few that lose their brand in
    cleaning are dropped."""
    from pipeline.config import BrandConfig
    from pipeline.exceptions import DropPost
    from pipeline.models import Post
    from pipeline.normalise import BrandMatcher, normalise

    matcher = BrandMatcher([BrandConfig(name=name) for name in BRANDS])
    posts = []
    for record in realistic_records(count, data_dir=data_dir):
        try:
            posts.append(normalise(Post.from_dict(record), matcher))
        except DropPost:
            continue
    return posts


def write_realistic_posts(path: Path, count: int, *, data_dir: Path = DEFAULT_DATA_DIR, days: int = 7) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in realistic_records(count, data_dir=data_dir, days=days):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def mean_length(path: Path) -> float:
    lengths = [len(json.loads(line)["text"]) for line in path.open(encoding="utf-8")]
    return sum(lengths) / max(len(lengths), 1)
