"""`yuqing` command line: one module per command group, each exposing `register(subparsers)`.

A command's handler takes the parsed arguments and the settings and returns the exit code. Output for
people goes to stdout; progress and the run summary go to stderr so that stdout stays pipeable.

Every command builds the whole parser, so the command modules import at their top only what registering
needs (the standard library, names and a few light modules) and each handler imports the rest itself:
`yuqing trends` does not wait for matplotlib, the classifiers or the web console to load
(tests/pipeline/cli/test_lazy_imports.py, benchmarks/cli_startup.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from pipeline.cli import (
    alert_commands,
    collect_commands,
    demo_commands,
    es_commands,
    forecast_commands,
    ingest_commands,
    model_commands,
    monitor_commands,
    query_commands,
    report_commands,
    response_commands,
    serve_commands,
)
from pipeline.exceptions import YuqingError

BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE: what a shell reports for a command whose reader closed the pipe

# Explicit list, no import magic: each module adds its sub-commands to the parser.
COMMAND_MODULES = [
    ingest_commands,
    query_commands,
    demo_commands,
    collect_commands,
    es_commands,
    report_commands,
    response_commands,
    model_commands,
    alert_commands,
    monitor_commands,
    forecast_commands,
    serve_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yuqing", description="Complaint monitoring for brand mentions on Chinese microblogs."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Imported once a command is chosen, so that `--help` and a mistyped command do not wait for pydantic-settings.
    from pipeline.config import Settings
    from pipeline.log_redaction import install_redaction

    try:
        settings = Settings()
        install_redaction(settings)  # before any request is logged; it needs the settings to know the secrets
        code: int = args.handler(args, settings)
        sys.stdout.flush()  # a reader that went away (`| head`) shows here, not in Python's flush at exit
    except BrokenPipeError:
        # Stop quietly, as a command killed by SIGPIPE does. Whatever is still buffered goes to devnull, so that
        # the flush at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE_EXIT
    except Exception as exc:
        if not _expected(exc):
            raise
        print(f"yuqing: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("yuqing: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())


def _expected(exc: Exception) -> bool:
    """An error raised on purpose: the project's own, or the classifiers' (whose module is loaded if one was
    raised; looked up so that commands that never touch a model do not import the classifiers)."""
    classifier_errors = sys.modules.get("classifiers.errors")
    return isinstance(exc, YuqingError) or (
        classifier_errors is not None and isinstance(exc, classifier_errors.ClassifierError)
    )
