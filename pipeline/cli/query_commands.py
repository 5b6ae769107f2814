"""`yuqing trends` and `yuqing search`: analysts' queries on either store, as table, CSV or JSON.

Times are shown, and trend days and hours counted, in the configured time zone (`YUQING_TIMEZONE`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pipeline.cli.common import parse_duration, parse_moment
from pipeline.models import Post, format_time
from pipeline.store import open_store

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.store.base import TrendBucket


def register(commands: Any) -> None:
    parser = commands.add_parser("trends", help="mention counts per time bucket by brand (and a breakdown)")
    parser.add_argument("--brand", help="one brand (default: all)")
    parser.add_argument("--since", default="7d", help="ISO time or duration ago (default 7d)")
    parser.add_argument("--until", help="ISO time or duration ago (default now)")
    parser.add_argument(
        "--interval", default="1h", help="bucket size, e.g. 5m, 1h, 1d (default 1h); days start at local midnight"
    )
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
    parser.add_argument(
        "--no-bom",
        dest="bom",
        action="store_false",
        help="CSV without the UTF-8 byte order mark that Excel needs to read Chinese (for tools that dislike it)",
    )
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], help="default: YUQING_STORE")


def run_trends(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    tz = ZoneInfo(settings.timezone)
    with open_store(settings, args.store) as store:
        buckets = store.trends(
            brand=args.brand,
            since=parse_moment(args.since, now),
            until=parse_moment(args.until, now) if args.until else now,
            interval=parse_duration(args.interval),
            by=args.by,
            tz=tz,
        )
    if args.format == "json":
        json.dump([_bucket_dict(bucket, tz) for bucket in buckets], sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    header, rows = pivot_trends(buckets, tz)
    _emit(header, rows, args.format, args.bom)
    return 0


def pivot_trends(buckets: list[TrendBucket], tz: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    """One row per (time, brand), one column per breakdown value, then the total."""
    keys = sorted({bucket.key for bucket in buckets})
    cells: dict[tuple[datetime, str], dict[str, int]] = defaultdict(dict)
    for bucket in buckets:
        cells[(bucket.start, bucket.brand)][bucket.key] = bucket.count
    header = ["time", "brand", *([] if keys == ["all"] else keys), "total"]
    rows = []
    for (start, brand), counts in sorted(cells.items()):
        values = [] if keys == ["all"] else [counts.get(key, 0) for key in keys]
        rows.append([format_time(start.astimezone(tz)), brand, *values, sum(counts.values())])
    return header, rows


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    tz = ZoneInfo(settings.timezone)
    since = parse_moment(args.since, now) if args.since else None
    until = parse_moment(args.until, now) if args.until else None
    with open_store(settings, args.store) as store:
        posts = store.search(args.query, brand=args.brand, since=since, until=until, limit=args.limit)
    if not posts:  # on stderr, so that stdout stays an empty table, CSV or JSON list
        print(f"no stored post matches {args.query!r} ({_scope(args.brand, since, until, tz)})", file=sys.stderr)
    if args.format == "json":
        json.dump([post.to_dict() for post in posts], sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    header = ["created_at", "brand", "sentiment", "severity", "reposts", "id", "text"]
    _emit(header, [_post_row(post, args.format == "table", tz) for post in posts], args.format, args.bom)
    return 0


def _scope(brand: str | None, since: datetime | None, until: datetime | None, tz: ZoneInfo) -> str:
    """What a search looked at, e.g. "brand 蒙牛, from 2026-11-20T10:00:00+08:00 to now"."""
    brands = f"brand {brand}" if brand else "all brands"
    if since is None and until is None:
        return f"{brands}, any time"
    start = format_time(since.astimezone(tz)) if since else "the first post"
    end = format_time(until.astimezone(tz)) if until else "now"
    return f"{brands}, from {start} to {end}"


def _post_row(post: Post, shorten: bool, tz: ZoneInfo) -> list[Any]:
    text = post.text.replace("\n", " ")
    return [
        format_time(post.created_at.astimezone(tz)),
        post.brand or "",
        post.sentiment.label if post.sentiment else "",
        post.complaint.severity_label if post.complaint else "",
        post.metrics.reposts,
        post.id,
        text[:60] + "…" if shorten and len(text) > 60 else text,
    ]


def _bucket_dict(bucket: TrendBucket, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "time": format_time(bucket.start.astimezone(tz)),
        "brand": bucket.brand,
        "key": bucket.key,
        "count": bucket.count,
    }


def _emit(header: list[str], rows: list[list[Any]], fmt: str, bom: bool) -> None:
    if fmt == "csv":
        _write_csv(header, rows, bom)
        return
    print(format_table(header, rows))


def _write_csv(header: list[str], rows: list[list[Any]], bom: bool) -> None:
    """CSV in UTF-8 whatever the locale's encoding. The byte order mark is how Excel tells UTF-8 from the
    system code page (GBK on Chinese Windows), which it assumes otherwise and garbles the Chinese with."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = text.getvalue().encode("utf-8-sig" if bom else "utf-8")
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a text-only stream (an embedding application's): it has its own encoding
        sys.stdout.write(data.decode("utf-8"))
        return
    sys.stdout.flush()  # anything already written as text goes first
    binary.write(data)
    binary.flush()


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
