"""`yuqing demo`: the whole flow on the bundled sample day, no services needed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pipeline.config import Settings
from pipeline.demo.run import run_demo


def register(commands: Any) -> None:
    parser = commands.add_parser("demo", help="run the whole flow on a bundled day of sample posts")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_demo(settings, sys.stdout, lambda message: print(f"demo: {message}", file=sys.stderr))
