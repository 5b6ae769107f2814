"""`yuqing trends` and `yuqing search`: analysts' queries on either store, as table, CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from pipeline.cli.common import parse_duration, parse_moment
from pipeline.config import Settings
from pipeline.models import SHANGHAI, Post, format_time
from pipeline.store import open_store
from pipeline.store.base import TrendBucket


def register(commands: Any) -> None:
    parser = commands.add_parser("trends", help="mention counts per time bucket by brand (and a breakdown)")
    parser.add_argument("--brand", help="one brand (default: all)")
    parser.add_argument("--since", default="7d", help="ISO time or duration ago (default 7d)")
    parser.add_argument("--until", help="ISO time or duration ago (default now)")
    parser.add_argument("--interval", default="1h", help="bucket size, e.g. 5m, 1h, 1d (default 1h)")
    parser.add_argument("--by", choices=["sentiment", "severity", "category"], help="breakdown")
    _add_output(parser)
    parser.set_defaults(handler=run_trends)

    parser = commands.add_parser("search", help="full-text search over stored posts")
    parser.add_argument("query", help="words to find (segmented like the index)")
    parser.add_argument("--brand")
    parser.add_argument("--since", help="ISO time or duration ago")
    parser.add_argument("--until", help="ISO time or duration ago")
    parser.add_argument("--limit", type=_limit, default=20, help=f"how many posts, 1-{MAX_LIMIT} (default 20)")
    _add_output(parser)
    parser.set_defaults(handler=run_search)


MAX_LIMIT = 1000


def _limit(text: str) -> int:
    """--limit within 1..MAX_LIMIT, refused by argparse with a clear message otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_LIMIT}, got {text}")
    return value


def _add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], help="default: YUQING_STORE")


def run_trends(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    store = open_store(settings, args.store)
    try:
        buckets = store.trends(
            brand=args.brand,
            since=parse_moment(args.since, now),
            until=parse_moment(args.until, now) if args.until else now,
            interval=parse_duration(args.interval),
            by=args.by,
        )
    finally:
        store.close()
    if args.format == "json":
        json.dump([_bucket_dict(bucket) for bucket in buckets], sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    header, rows = pivot_trends(buckets)
    _emit(header, rows, args.format)
    return 0


def pivot_trends(buckets: list[TrendBucket]) -> tuple[list[str], list[list[Any]]]:
    """One row per (time, brand), one column per breakdown value, then the total."""
    keys = sorted({bucket.key for bucket in buckets})
    cells: dict[tuple[datetime, str], dict[str, int]] = defaultdict(dict)
    for bucket in buckets:
        cells[(bucket.start, bucket.brand)][bucket.key] = bucket.count
    header = ["time", "brand", *([] if keys == ["all"] else keys), "total"]
    rows = []
    for (start, brand), counts in sorted(cells.items()):
        values = [] if keys == ["all"] else [counts.get(key, 0) for key in keys]
        rows.append([format_time(start.astimezone(SHANGHAI)), brand, *values, sum(counts.values())])
    return header, rows


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    store = open_store(settings, args.store)
    try:
        posts = store.search(
            args.query,
            brand=args.brand,
            since=parse_moment(args.since, now) if args.since else None,
            until=parse_moment(args.until, now) if args.until else None,
            limit=args.limit,
        )
    finally:
        store.close()
    if args.format == "json":
        json.dump([post.to_dict() for post in posts], sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    header = ["created_at", "brand", "sentiment", "severity", "reposts", "id", "text"]
    _emit(header, [_post_row(post, args.format == "table") for post in posts], args.format)
    if not posts and args.format == "table":
        print(f"no stored post matches {args.query!r}", file=sys.stderr)
    return 0


def _post_row(post: Post, shorten: bool) -> list[Any]:
    text = post.text.replace("\n", " ")
    return [
        format_time(post.created_at.astimezone(SHANGHAI)),
        post.brand or "",
        post.sentiment.label if post.sentiment else "",
        post.complaint.severity_label if post.complaint else "",
        post.metrics.reposts,
        post.id,
        text[:60] + "…" if shorten and len(text) > 60 else text,
    ]


def _bucket_dict(bucket: TrendBucket) -> dict[str, Any]:
    return {
        "time": format_time(bucket.start.astimezone(SHANGHAI)),
        "brand": bucket.brand,
        "key": bucket.key,
        "count": bucket.count,
    }


def _emit(header: list[str], rows: list[list[Any]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    print(format_table(header, rows))


def format_table(header: list[str], rows: list[list[Any]]) -> str:
    """Plain aligned columns; CJK characters count double so columns line up in a terminal."""
    table = [[str(cell) for cell in header], *[[str(cell) for cell in row] for row in rows]]
    widths = [max(_display_width(row[col]) for row in table) for col in range(len(header))]
    lines = []
    for index, row in enumerate(table):
        lines.append("  ".join(cell + " " * (widths[col] - _display_width(cell)) for col, cell in enumerate(row)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _display_width(text: str) -> int:
    return sum(2 if "\u2e80" <= char <= "\uffef" else 1 for char in text)
