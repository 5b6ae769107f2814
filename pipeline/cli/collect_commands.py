"""`yuqing collect`: run one real source for one keyword over a window and write the posts as JSONL."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.cli.common import Progress, parse_moment
from pipeline.models import SHANGHAI
from pipeline.sources.base import RawPage
from pipeline.sources.collect import SOURCE_NAMES

if TYPE_CHECKING:
    from pipeline.config import Settings

EXIT_BLOCKED = 3
EXIT_FAILED = 1


def register(commands: Any) -> None:
    register_collect(commands)
    register_sources(commands)


def register_collect(commands: Any) -> None:
    parser = commands.add_parser("collect", help="collect posts for a keyword from Weibo or Mastodon")
    parser.add_argument("--source", choices=SOURCE_NAMES, required=True)
    parser.add_argument("--keyword", required=True, help="search keyword (a Mastodon hashtag without #)")
    parser.add_argument("--since", default="2h", help="ISO 8601 time or a duration ago (2h, 7d); default 2h")
    parser.add_argument("--until", help="ISO 8601 time or a duration ago; default now")
    parser.add_argument("--max-pages", type=int, default=50, help="pages per query window (default 50)")
    parser.add_argument("--base-url", help="point the source at another host (mirror, local test server)")
    parser.add_argument("--brand", help="keep only posts naming this watchlist brand, and tag them with it")
    parser.add_argument("--watchlist", type=Path, help="brands YAML (default: YUQING_WATCHLIST or bundled)")
    parser.add_argument("--delay", type=float, help="seconds between requests to one host (default: settings)")
    parser.add_argument("--out", dest="output", type=Path, required=True, help="posts, one JSON object per line")
    parser.set_defaults(handler=run_collect)


def run_collect(args: argparse.Namespace, settings: Settings) -> int:
    import requests

    from pipeline.config import load_watchlist
    from pipeline.jsonl import write_posts
    from pipeline.sources.collect import collect, make_source

    now = datetime.now(UTC)
    since = parse_moment(args.since, now).astimezone(SHANGHAI)
    until = parse_moment(args.until, now).astimezone(SHANGHAI) if args.until else now.astimezone(SHANGHAI)
    if args.delay is not None:
        settings = settings.model_copy(
            update={
                "weibo": settings.weibo.model_copy(update={"delay_s": args.delay, "jitter_s": 0.0}),
                "mastodon": settings.mastodon.model_copy(update={"delay_s": args.delay}),
            }
        )
    brand = None
    if args.brand:
        watchlist = load_watchlist(args.watchlist) if args.watchlist else settings.watchlist_config
        brand = watchlist.brand(args.brand)
    print(
        f"collect: {args.source} {args.keyword!r} {since:%Y-%m-%d %H:%M} .. {until:%Y-%m-%d %H:%M} (+08:00)",
        file=sys.stderr,
    )
    progress = Progress("collect")
    fetched: list[RawPage] = []

    def show_progress(page: RawPage) -> None:
        fetched.append(page)
        progress.update(f"{len(fetched)} pages, last {page.status.value}")

    with requests.Session() as http:
        source = make_source(args.source, http, settings, base_url=args.base_url, on_page=show_progress)
        result = collect(source, [args.keyword], since, until, max(args.max_pages, 1), brand)
    written = write_posts(args.output, result.posts)
    summary = result.summary
    print(f"collect: wrote {written} posts to {args.output}", file=sys.stderr)
    print(f"collect: {summary}", file=sys.stderr)
    for message in summary.messages:
        print(f"collect: {message}", file=sys.stderr)
    if summary.blocked:
        kinds = ", ".join(sorted(summary.blocked))
        print(f"collect: BLOCKED ({kinds}): results are incomplete, not empty", file=sys.stderr)
        return EXIT_BLOCKED
    if result.stopped_by or (summary.failed and not result.posts):
        # A source stopped by an error (network, a format change, ...) delivered only part of the window.
        kinds = ", ".join(sorted(summary.failed))
        print(f"collect: FAILED ({kinds}): results are incomplete, not empty", file=sys.stderr)
        return EXIT_FAILED
    return 0


def register_sources(commands: Any) -> None:
    parser = commands.add_parser(
        "sources", help="health of each brand's sources: last success, last error, backing off or blocked"
    )
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], help="default: YUQING_STORE")
    parser.set_defaults(handler=run_sources)


def run_sources(args: argparse.Namespace, settings: Settings) -> int:
    """One line per configured (brand, source), and the cascade refresh; tab-separated."""
    from pipeline.i18n import message
    from pipeline.sources.health import ANY_BRAND, health_key, list_health
    from pipeline.store import open_store

    with open_store(settings, args.store) as store:
        records = {health_key(doc["brand"], doc["source"]): doc for doc in list_health(store)}
    language = settings.language
    rows = [
        (brand.name, source)
        for brand in settings.watchlist_config.brands
        for source in brand.sources
        if source != "jsonl"  # the inbox is read, not collected: nothing to go wrong but the file itself
    ]
    rows += [(doc["brand"], doc["source"]) for key, doc in records.items() if (doc["brand"], doc["source"]) not in rows]
    print(message("health.header", language))
    for brand, source in rows:
        doc = records.get(health_key(brand, source), {})
        state = message(f"health.state.{doc.get('state', 'never')}", language)
        never = message("health.none", language)
        detail = [doc.get("last_error") or "", doc.get("note") or ""]
        if int(doc.get("failures_in_a_row") or 0) > 1:
            detail.append(message("health.failures", language, count=int(doc["failures_in_a_row"])))
        shown_brand = message("health.all_brands", language) if brand == ANY_BRAND else brand
        cells = [shown_brand, source, state, doc.get("last_success_at") or never, doc.get("last_error_at") or never]
        cells.append(" ".join(part for part in detail if part).replace("\t", " ").replace("\n", " "))
        print("\t".join(cells))
    return 0
