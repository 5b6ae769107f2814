"""Enrichment throughput on realistic posts: the trained models in process and over a process pool, against
stock snownlp in the same run; and a check that the batch hasher gives the models what sklearn gave them.

Posts: `benchmarks/realistic_posts.py` (weibo_senti_100k texts, ~74 characters, each with a watched brand put
in, emoticon tags and `//@name:` repost chains as people wrote them), normalised as `yuqing ingest` does.
Measured, interleaved `--repeat` times (medians; the machine is shared):

  model          `make_enricher("model").enrich_stream` in this process (batches of 512, as `yuqing ingest`)
  model, batches of 2048   the same with larger batches (the models have a fixed cost per batch)
  model, sklearn hashing   the same with the featuriser's reference path (`reference_transform`: sklearn's
                 `HashingVectorizer`), which is what changed in the hashing
  pool           `ParallelEnricher(workers=--workers)` (models loaded in each worker before timing)
  snownlp        `SnowNLP(text).sentiments` on the sentiment input of the first `--snownlp-sample` posts

Check (before timing; exits non-zero when it fails): on the sentiment and the complaint input of every post,
`WeiboFeaturizer.transform` and `reference_transform` give the same matrix (indices, pointers and float32
values equal) and the models give the same labels from both.

`--baseline-tree DIR` also times in-process enrichment with another checkout's code (e.g. an export of the
previous commit: `git archive HEAD | tar -x -C /tmp/before`) in a subprocess, on the same posts, interleaved.

    .venv/bin/python benchmarks/enrichment.py [--posts 20000] [--snownlp-sample 400] [--workers 2]
        [--repeat 3] [--baseline-tree /tmp/before] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Run as a script, this folder comes first on the path, and its classifiers.py would shadow the package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
_spec = importlib.util.spec_from_file_location("realistic_posts", HERE / "realistic_posts.py")
assert _spec is not None and _spec.loader is not None
realistic_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(realistic_posts)

from pipeline.enrich.enricher import Enricher, batched  # noqa: E402
from pipeline.models import Post  # noqa: E402
from pipeline.normalise import text_for_scoring  # noqa: E402

BATCH = 512


def load_posts(count: int, data_dir: Path) -> list[Post]:
    """`count` realistic records, normalised; the few that lose their brand in cleaning are dropped."""
    posts: list[Post] = realistic_posts.normalised_posts(count, data_dir)
    return posts


def posts_per_second(enrich: Callable[[list[Post]], object], posts: list[Post]) -> tuple[float, float]:
    """Posts per second of wall time and per second of this process's CPU time. Other processes on a shared
    machine stretch the first; the second is what the work costs (it does not count a pool's workers)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    enrich(posts)
    return len(posts) / (time.perf_counter() - started), len(posts) / (time.process_time() - cpu_started)


def in_process(enricher: Enricher, batch: int = BATCH) -> Callable[[list[Post]], object]:
    return lambda posts: list(enricher.enrich_stream(posts, batch))


def check_same_features(posts: list[Post]) -> dict[str, Any]:
    """Fast and reference featurisation of every input: same matrix, same labels. Raises SystemExit if not."""
    from scipy import sparse

    from classifiers.inference import default_bundle

    bundle = default_bundle()
    featurizer = bundle.featurizer
    inputs = list(dict.fromkeys([text_for_scoring(post.text) for post in posts] + [post.text for post in posts]))
    fast_seconds = reference_seconds = 0.0
    labels: list[tuple[list[str], list[str]]] = []
    for start in range(0, len(inputs), BATCH):
        texts = inputs[start : start + BATCH]
        started = time.perf_counter()
        fast = featurizer.transform(texts)
        middle = time.perf_counter()
        reference = featurizer.reference_transform(texts)
        reference_seconds += time.perf_counter() - middle
        fast_seconds += middle - started
        if not _identical(fast, reference):
            raise SystemExit(f"featurisation differs from sklearn's in the batch at {start}")
        labels.append((_labels(bundle, fast), _labels(bundle, sparse.csr_matrix(reference))))
    differing = sum(a != b for fast, reference in labels for a, b in zip(fast, reference, strict=True))
    if differing:
        raise SystemExit(f"{differing} labels differ between the fast and the reference featurisation")
    return {
        "texts": len(inputs),
        "transform_texts_per_s": len(inputs) / fast_seconds,
        "reference_texts_per_s": len(inputs) / reference_seconds,
    }


def _identical(first: Any, second: Any) -> bool:
    return bool(
        first.shape == second.shape
        and first.dtype == second.dtype
        and (first.indptr == second.indptr).all()
        and (first.indices == second.indices).all()
        and (first.data == second.data).all()
    )


def _labels(bundle: Any, features: Any) -> list[str]:
    """Sentiment label, complaint flag, severity and category of each row, as one string."""
    sentiment = bundle.sentiment_head.labels(features[:, : bundle.featurizer.category_columns().start])
    complaint = bundle.complaint_head.predict_all(features)
    return [
        f"{label}/{flag}/{severity}/{category}"
        for label, flag, severity, category in zip(
            sentiment, complaint.is_complaint, complaint.severity, complaint.category, strict=True
        )
    ]


class ReferenceHashing:
    """The model enricher with the featuriser's sklearn path, for the same-run comparison of the hasher."""

    def __init__(self) -> None:
        from classifiers.features import WeiboFeaturizer

        self._class = WeiboFeaturizer
        self._fast = WeiboFeaturizer.transform

    def __enter__(self) -> None:
        self._class.transform = self._class.reference_transform  # type: ignore[method-assign]

    def __exit__(self, *_: object) -> None:
        self._class.transform = self._fast  # type: ignore[method-assign]


def snownlp_rate(posts: list[Post]) -> tuple[float, float]:
    from snownlp import SnowNLP

    def score(batch: list[Post]) -> None:
        for post in batch:
            SnowNLP(text_for_scoring(post.text) or "。").sentiments  # noqa: B018 - the score is the work timed

    return posts_per_second(score, posts)


def baseline_rate(tree: Path, posts_file: Path) -> tuple[float, float]:
    """In-process model enrichment with the code of `tree`, in a subprocess, on the posts of `posts_file`."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure-baseline", str(posts_file)],
        env=environment,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = completed.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def measure_baseline(posts_file: Path) -> None:
    """The `--baseline-tree` subprocess: prints posts/s of the model enricher of whatever code is imported."""
    from pipeline.enrich.registry import make_enricher

    posts = [Post.from_dict(json.loads(line)) for line in posts_file.read_text(encoding="utf-8").splitlines()]
    enricher = make_enricher("model")
    enricher.enrich(posts[:BATCH])  # loads the models
    print(*posts_per_second(in_process(enricher), posts))


def profile_in_process(enricher: Enricher, posts: list[Post]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    list(enricher.enrich_stream(posts, BATCH))
    profiler.disable()
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(30)
    return report.getvalue()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--snownlp-sample", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=realistic_posts.DEFAULT_DATA_DIR)
    parser.add_argument("--baseline-tree", type=Path, help="also time in-process enrichment with this code")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of in-process enrichment")
    parser.add_argument("--measure-baseline", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure_baseline:
        measure_baseline(args.measure_baseline)
        return

    from pipeline.enrich.parallel import ParallelEnricher
    from pipeline.enrich.registry import make_enricher

    posts = load_posts(args.posts, args.data_dir)
    lengths = [len(post.text) for post in posts]
    differing = sum(text_for_scoring(post.text) != post.text for post in posts)
    print(
        f"{len(posts)} realistic posts, {statistics.mean(lengths):.1f} characters on average; "
        f"{differing / len(posts):.0%} have a sentiment input other than their text"
    )
    check = check_same_features(posts)
    print(
        f"check: {check['texts']} distinct inputs featurised by both paths: same matrices, same labels "
        f"(transform {check['transform_texts_per_s']:,.0f} texts/s, "
        f"sklearn reference {check['reference_texts_per_s']:,.0f} texts/s)"
    )

    enricher = make_enricher("model")
    enricher.enrich(posts[:BATCH])  # loads the models
    started = time.perf_counter()
    pool = ParallelEnricher(workers=args.workers)
    list(pool.enrich_batches([posts[:BATCH]] * args.workers))  # every worker has loaded its models
    pool_start = time.perf_counter() - started
    posts_file = None
    if args.baseline_tree:
        handle, name = tempfile.mkstemp(suffix=".jsonl")
        posts_file = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            output.writelines(json.dumps(post_record(post), ensure_ascii=False) + "\n" for post in posts)

    rates: dict[str, list[tuple[float, float]]] = {}
    sample = posts[: args.snownlp_sample]
    for _ in range(args.repeat):
        rates.setdefault("snownlp", []).append(snownlp_rate(sample))
        rates.setdefault("model", []).append(posts_per_second(in_process(enricher), posts))
        big = f"model, batches of {4 * BATCH}"
        rates.setdefault(big, []).append(posts_per_second(in_process(enricher, 4 * BATCH), posts))
        with ReferenceHashing():
            rates.setdefault("model, sklearn hashing", []).append(posts_per_second(in_process(enricher), posts))
        if posts_file is not None:
            rates.setdefault("model, baseline tree", []).append(baseline_rate(args.baseline_tree, posts_file))
        pooled = lambda batch: [post for done in pool.enrich_batches(batched(batch, BATCH)) for post in done]  # noqa: E731
        rates.setdefault(f"pool of {args.workers} (wall)", []).append(posts_per_second(pooled, posts))
    pool.close()
    if posts_file is not None:
        posts_file.unlink()
    print_rates(rates, args.repeat, pool_start)
    if args.profile:
        print(profile_in_process(enricher, posts))
    command = " ".join(["python", "benchmarks/enrichment.py", *(argv if argv is not None else sys.argv[1:])])
    print(f"\ncommand: {command}")


def print_rates(rates: dict[str, list[tuple[float, float]]], repeat: int, pool_start: float) -> None:
    """Medians, and ratios to snownlp taken round by round (both measured within a minute of each other)."""
    print(f"\nposts/s, median of {repeat} interleaved rounds (pool start-up {pool_start:.1f} s, not timed):")
    print(f"  {'':26s} {'wall':>8s} {'CPU':>8s}   x snownlp (wall, CPU; per round, median)")
    snownlp = rates["snownlp"]
    for name, values in rates.items():
        wall = statistics.median(value[0] for value in values)
        cpu = statistics.median(value[1] for value in values)
        wall_ratio = statistics.median(value[0] / base[0] for value, base in zip(values, snownlp, strict=True))
        cpu_ratio = statistics.median(value[1] / base[1] for value, base in zip(values, snownlp, strict=True))
        shown_cpu = "-" if "pool" in name else f"{cpu:,.0f}"
        shown_ratio = f"{wall_ratio:5.1f}" + ("" if "pool" in name else f", {cpu_ratio:5.1f}")
        print(f"  {name:26s} {wall:8,.0f} {shown_cpu:>8s}   {shown_ratio}")
        print(f"  {'':26s} runs (wall): {', '.join(f'{value[0]:,.0f}' for value in values)}")


def post_record(post: Post) -> dict[str, Any]:
    """The JSON record of a normalised post (what `Post.from_dict` reads back)."""
    return {
        "id": post.id,
        "source": post.source,
        "text": post.text,
        "created_at": post.created_at.isoformat(),
        "brand": post.brand,
    }


if __name__ == "__main__":
    main()
