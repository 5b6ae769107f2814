"""`yuqing serve`: the web console over the configured store, with the monitoring cycle in the same process."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import TYPE_CHECKING, Any

from pipeline.exceptions import ConfigError

if TYPE_CHECKING:
    from pipeline.config import Settings


def register(commands: Any) -> None:
    parser = commands.add_parser("serve", help="the web console (and the monitoring cycle) on http://127.0.0.1:8000")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-monitor", action="store_true", help="serve the console only; collect nothing")
    parser.set_defaults(handler=run_serve)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def demo_store_when_empty(settings: Settings) -> Settings:
    """Right after `yuqing demo` on a fresh clone the embedded store is empty and the demo's store holds a day
    and its crisis: serve (and monitor) that one, and say so, rather than an empty console."""
    demo = settings.data_dir / "demo" / "demo.db"
    if settings.store != "sqlite" or settings.db_path is not None or not demo.is_file():
        return settings
    if settings.sqlite_path.is_file():
        from pipeline.store.sqlite import SQLiteStore

        with SQLiteStore(settings.sqlite_path) as store:
            if store.count_posts():
                return settings
    print(f"{settings.sqlite_path} holds no posts yet: serving the demo's store {demo}", file=sys.stderr)
    return settings.model_copy(update={"db_path": demo})


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    if not is_loopback(args.host) and not settings.web.has_credentials:
        raise ConfigError(
            f"refusing to serve on {args.host} without credentials: set YUQING_WEB__USER and YUQING_WEB__PASSWORD "
            "(or YUQING_WEB__TOKEN), or serve on 127.0.0.1"
        )
    import uvicorn

    from pipeline.web.app import create_app
    from pipeline.web.monitor import MonitorLoop

    settings.watchlist_config  # a bad watchlist fails here, before the server starts  # noqa: B018
    settings = demo_store_when_empty(settings)
    app = create_app(settings)
    loop = None if args.no_monitor else MonitorLoop(settings)
    if loop is not None:
        loop.start()
    print(f"yuqing console on http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        if loop is not None:
            loop.stop()
    return 0
