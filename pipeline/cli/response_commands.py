"""`yuqing responses`: does the brand answer? Reply rate and first-response times of its checked complaints per
day, category or severity, and optionally one CSV row per complaint (the console's `/responses.csv`)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pipeline.cli.common import parse_moment
from pipeline.cli.query_commands import format_table
from pipeline.i18n import Language, message, term
from pipeline.store import open_store

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.report.responses import ResponseMeasures

GROUPINGS = ("day", "category", "severity")
_COLUMNS = ("complaints", "answered", "reply_rate", "median", "p90", "within_1h", "within_24h", "calmed")


def register(commands: Any) -> None:
    parser = commands.add_parser("responses", help="does the brand answer? reply rate and first-response times")
    parser.add_argument("--brand", required=True)
    parser.add_argument("--since", default="7d", help="ISO time or duration ago (default 7d): complaints from then")
    parser.add_argument("--until", help="ISO time or duration ago (default now)")
    parser.add_argument(
        "--by", choices=GROUPINGS, default="day", help="a row per local day (default), category, severity"
    )
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write one row per checked complaint to FILE")
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], help="default: YUQING_STORE")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: pipeline.report loads the briefing's charts, which no other command waits for.
    from pipeline.report.responses import grouping, measures_by, response_measures, response_records

    brand = settings.watchlist_config.brand(args.brand)  # ConfigError for a brand that is not watched
    tz = ZoneInfo(settings.timezone)
    now = datetime.now(UTC)
    since = parse_moment(args.since, now)
    until = parse_moment(args.until, now) if args.until else now
    language = settings.language
    with open_store(settings, args.store) as store:
        records = response_records(store, brand.name, since, until)
        groups = measures_by(records, grouping(args.by, tz), store.snapshots)
        total = response_measures(records, store.snapshots)
    if not brand.official_accounts:  # on stderr, so that stdout stays the table
        print(message("response.no_accounts", language), file=sys.stderr)
    header = [_group_label(args.by, language), *(message(f"response.{key}", language) for key in _COLUMNS)]
    rows = [[_key_label(args.by, key, language), *_cells(item, language)] for key, item in _ordered(args.by, groups)]
    rows.append([message("response.all", language), *_cells(total, language)])
    print(format_table(header, rows))
    if args.csv is not None:
        from pipeline.web.pages.responses import responses_csv

        args.csv.parent.mkdir(parents=True, exist_ok=True)
        args.csv.write_bytes(responses_csv(records, language, tz))
        print(f"wrote {args.csv} ({len(records)} complaints)", file=sys.stderr)
    return 0


def _ordered(by: str, groups: dict[str, ResponseMeasures]) -> list[tuple[str, ResponseMeasures]]:
    from pipeline.report.responses import severity_order

    if by == "severity":
        return sorted(groups.items(), key=lambda item: severity_order(item[0]))
    return sorted(groups.items())


def _group_label(by: str, language: Language) -> str:
    return message("response.day" if by == "day" else f"briefing.{by}", language)


def _key_label(by: str, key: str, language: Language) -> str:
    return key if by == "day" else term(by, key, language) or key


def _cells(measures: ResponseMeasures, language: Language) -> list[str]:
    from pipeline.report.response_cells import measure_cells

    return [str(measures.complaints), str(measures.answered), *measure_cells(measures, language)]
