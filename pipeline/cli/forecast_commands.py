"""`yuqing forecast POST_ID`: one post's cascade forecast (final size, interval, branching factor)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipeline.cli.common import parse_moment

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.detect.forecast import Forecast
    from pipeline.i18n import Language


def register(commands: Any) -> None:
    parser = commands.add_parser("forecast", help="one post's cascade forecast: final size, interval, branching")
    parser.add_argument("post_id", help="a stored post id (a repost's forecast is its root's)")
    parser.add_argument("--at", help="as of this ISO time or duration ago (default now)")
    parser.add_argument("--json", action="store_true", help="the forecast as JSON")
    parser.set_defaults(handler=run_forecast)


def run_forecast(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.detect.engine import detection_config
    from pipeline.detect.forecast import forecast_post
    from pipeline.detect.forecast_words import forecast_lines, say
    from pipeline.store import open_store

    now = parse_moment(args.at) if args.at else datetime.now(UTC)
    with open_store(settings) as store:
        forecast = forecast_post(store, args.post_id, now, detection_config(settings.detection).cascade)
    language: Language = settings.language
    if forecast is None:
        print(say("not_found", language, post_id=args.post_id))
        return 1
    if args.json:
        print(json.dumps(forecast_json(forecast), ensure_ascii=False, indent=2))
    else:
        print("\n".join(forecast_lines(forecast, language, settings.timezone)))
    return 0


def forecast_json(forecast: Forecast) -> dict[str, Any]:
    from dataclasses import asdict

    record = asdict(forecast)
    record["as_of"] = forecast.as_of.isoformat(timespec="seconds")
    return record
