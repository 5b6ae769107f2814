"""`yuqing demo`: the whole flow on the bundled sample day, no services needed; `--inbox` instead drops the day,
moved to now, into the JSONL inbox for the scheduler (or `ingest` and `monitor`) to pick up."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.config import Settings


def register(commands: Any) -> None:
    parser = commands.add_parser("demo", help="run the whole flow on a bundled day of sample posts")
    parser.add_argument(
        "--inbox",
        action="store_true",
        help="instead, write the sample day moved to now (its crisis under way) into the JSONL inbox, "
        "for the Airflow DAGs or `yuqing ingest` and `yuqing monitor` to pick up",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.inbox:
        from pipeline.demo.live import write_live_inbox

        path, count = write_live_inbox(settings.inbox_path, datetime.now(UTC))
        print(f"wrote {count} posts to {path}: the 蒙牛 crisis is under way now (brands with `sources: [jsonl]`)")
        return 0
    from pipeline.demo.run import run_demo  # the store, the classifiers and detection

    return run_demo(settings, sys.stdout, lambda message: print(f"demo: {message}", file=sys.stderr))
