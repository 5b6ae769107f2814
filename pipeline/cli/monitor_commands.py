"""`yuqing monitor`: run detection and delivery over the store on one machine, once or on a schedule."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipeline.cli.common import parse_duration, parse_moment

if TYPE_CHECKING:
    from pipeline.config import Settings


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "monitor", help="detect spreading complaints in the store and deliver the pages, once or every few minutes"
    )
    parser.add_argument("--once", action="store_true", help="run one cycle and exit")
    parser.add_argument("--every", default="5m", help="time between cycles (default 5m)")
    parser.add_argument("--at", help="run one cycle as of this time (ISO 8601), e.g. to replay a stored day")
    parser.set_defaults(handler=run_monitor)


def run_monitor(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.tasks.spread_tracker import run_cycle

    every = parse_duration(args.every).total_seconds()
    while True:
        now = parse_moment(args.at) if args.at else datetime.now(UTC)
        summary = run_cycle(settings, now).summary()
        print(
            f"{summary['now']}  {summary['posts']} posts, {summary['notifications']} new notifications, "
            f"{summary['sent']} sent, {summary['failed']} failed, {summary['silenced']} silenced",
            flush=True,
        )
        if args.once or args.at:
            return 0
        print(f"next cycle in {args.every} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        time.sleep(every)
