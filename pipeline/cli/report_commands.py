"""`yuqing report`: the daily briefing (舆情日报) of one brand as HTML or Markdown."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pipeline.exceptions import ConfigError
from pipeline.store import open_store

if TYPE_CHECKING:
    from pipeline.config import Settings


def register(commands: Any) -> None:
    parser = commands.add_parser("report", help="the daily briefing (舆情日报) of one brand")
    parser.add_argument("--brand", required=True)
    parser.add_argument("--date", help="the day reported, YYYY-MM-DD, a day in YUQING_TIMEZONE (default: yesterday)")
    parser.add_argument("--format", choices=["html", "md"], default="html")
    parser.add_argument("--out", type=Path, help="file to write (default: stdout)")
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], help="default: YUQING_STORE")
    parser.set_defaults(handler=run)


def _day(text: str | None, tz: ZoneInfo) -> date:
    from pipeline.report import briefing_day

    if text is None:
        return briefing_day(datetime.now(UTC), tz)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--date must look like 2026-11-22, got {text!r}") from exc


def _require_watched(brand: str, settings: Settings) -> None:
    """Any other name (a typo, a brand not added yet) would give an empty briefing that reads as a quiet day."""
    names = [watched.name for watched in settings.watchlist_config.brands]
    if brand not in names:
        raise ConfigError(f"brand {brand!r} is not in the watchlist; it watches {', '.join(names)}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.report import build_briefing, render_html, render_markdown
    from pipeline.safe_text import LinkPolicy

    _require_watched(args.brand, settings)
    tz = ZoneInfo(settings.timezone)
    day = _day(args.date, tz)
    with open_store(settings, args.store) as store:
        briefing = build_briefing(store, args.brand, day, tz=tz)
    links = LinkPolicy.from_settings(settings)
    render = render_html if args.format == "html" else render_markdown
    document = render(briefing, links, settings.language)
    if args.out is None:
        sys.stdout.write(document)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(document, encoding="utf-8")
    print(f"wrote {args.out} ({briefing.today.total} mentions on {day.isoformat()})", file=sys.stderr)
    return 0
