"""`yuqing ingest` and `yuqing classify`: posts in, normalised and enriched posts out (store or file)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pipeline.cli.common import Progress, report_bad_lines
from pipeline.enrich.registry import SCORER_NAMES, make_enricher
from pipeline.exceptions import ConfigError
from pipeline.jsonl import atomic_writer, read_posts, require_readable, write_post_lines
from pipeline.models import Post
from pipeline.store import open_store

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.ingest import IngestSummary


def register(commands: Any) -> None:
    parser = commands.add_parser("ingest", help="normalise, enrich and store posts from a JSONL file")
    parser.add_argument("--in", dest="input", type=Path, required=True, help="posts, one JSON object per line")
    parser.add_argument("--watchlist", type=Path, help="brands YAML (default: YUQING_WATCHLIST or bundled)")
    _add_scorer(parser)
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], help="default: YUQING_STORE")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes that score posts (2 uses both cores of a 2-core machine)"
    )
    parser.set_defaults(handler=run_ingest)

    parser = commands.add_parser(
        "classify",
        help="add sentiment and complaint enrichment to a JSONL file",
        description="Add sentiment and complaint enrichment to every valid post. Classification depends on the "
        "text alone: no watchlist is read and no post is dropped for its brand (`yuqing ingest` does that).",
    )
    parser.add_argument("--in", dest="input", type=Path, required=True)
    parser.add_argument("--out", dest="output", type=Path, required=True, help="'-' for stdout")
    _add_scorer(parser)
    parser.set_defaults(handler=run_classify)


def _add_scorer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scorer", choices=SCORER_NAMES, help="default: YUQING_SCORER")


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from functools import partial

    from pipeline.config import load_watchlist
    from pipeline.enrich.parallel import ParallelEnricher
    from pipeline.ingest import ingest
    from pipeline.normalise import BrandMatcher

    watchlist = load_watchlist(args.watchlist) if args.watchlist else settings.watchlist_config
    require_readable(args.input)
    reader = read_posts(args.input, log_errors=False)  # report_bad_lines names them, once each
    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {args.workers}")
    store = open_store(settings, args.store)
    progress = Progress("ingest")
    try:
        with ParallelEnricher(args.workers, partial(make_enricher, args.scorer or settings.scorer)) as enricher:
            summary = ingest(
                reader,
                matcher=BrandMatcher.from_watchlist(watchlist),
                enricher=enricher,
                store=store,
                on_batch=lambda s: progress.update(f"{s.read:,} posts read"),
            )
    finally:
        store.close()
    report_bad_lines(reader)
    print(f"{summary}; skipped {reader.skipped} bad lines", file=sys.stderr)
    return 0


def run_classify(args: argparse.Namespace, settings: Settings) -> int:
    """Enrich every valid post as it is (no brand filter: classify is a pure function of the text).

    The output replaces its file only when every post is written, so a failure leaves an existing file as it
    was, and `--in x --out x` rewrites x in place.
    """
    require_readable(args.input)  # before the models load and before anything is written
    reader = read_posts(args.input, log_errors=False)
    enricher = make_enricher(args.scorer or settings.scorer)
    if str(args.output) == "-":
        summary = _classify_to(sys.stdout, enricher.enrich_stream(reader))
    else:
        with atomic_writer(args.output) as output:
            summary = _classify_to(output, enricher.enrich_stream(reader))
    report_bad_lines(reader)
    print(f"classified {summary.read} posts; skipped {reader.skipped} bad lines", file=sys.stderr)
    return 0


def _classify_to(output: IO[str], posts: Iterable[Post]) -> IngestSummary:
    from pipeline.ingest import IngestSummary

    progress = Progress("classify")
    summary = IngestSummary()
    for post in posts:
        write_post_lines(output, [post])
        summary.read += 1
        if summary.read % 512 == 0:
            progress.update(f"{summary.read:,} posts classified")
    return summary
