"""Server time of the web console's pages and API calls on a 1M-post SQLite store, and its memory over a long
refresh.

Uses the detection benchmark's store of 1,000,000 enriched posts (`benchmarks/detection_cycle.py`: 28 days from
2026-10-01, 36,000 posts a day, six brands; built there, or here when missing) through a fresh copy, adds one
open incident (the demo's P1 cascade, pointed at a 蒙牛 root of the store, since the synthetic posts page no
incident), and requests each route in-process (Starlette's TestClient, logged in, one warm-up then the median of
`--requests`; a route slower than a second stops after three). Routes of the other pages are timed when they
answer 200. Baselines in the same run: `count_posts` called directly, and the static stylesheet through the
app (the framework's own cost per request). The store's newest post is weeks before today, so the overview's
default window is found by the newest-post search (`pipeline.web.pages.overview.default_window`).

Memory: `/api/overview` (default filters, as a wall screen asks) requested `--refreshes` times in a row; RSS
after 50 warm-up requests and at the end.

    .venv/bin/python benchmarks/console.py [--posts 1000000] [--folder /tmp/yuqing-cycle] [--requests 20]
        [--refreshes 2000] [--profile /briefing]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import platform
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
# Run as a script, this folder comes first on the path, and its classifiers.py would shadow the package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
_spec = importlib.util.spec_from_file_location("detection_cycle", HERE / "detection_cycle.py")
assert _spec is not None and _spec.loader is not None
detection_cycle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(detection_cycle)

from pipeline.config import Settings  # noqa: E402
from pipeline.store.sqlite import SQLiteStore  # noqa: E402

USER, PASSWORD = "bench", "bench-password"
SLOW_S = 1.0  # a route slower than this is timed three times only
INCIDENT = "cas-bench"


def rss_mib() -> float:
    """Resident set size now (Linux), else the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_incident(store: SQLiteStore, end: datetime, folder: Path) -> tuple[str, str]:
    """The demo's cascade incident, pointed at the most spread 蒙牛 original of the store's last day; returns
    (incident, root)."""
    from pipeline.demo.run import run_demo

    demo = Settings(data_dir=folder / "demo-data")
    run_demo(demo, io.StringIO(), lambda _message: None)
    with SQLiteStore(demo.data_dir / "demo" / "demo.db") as demo_store:
        [incident] = demo_store.list_records("incident", where={"kind": "cascade"})
    spread = store.top_posts(brand="蒙牛", since=end - timedelta(days=1), until=end, sentiment="negative", limit=200)
    root = next(post for post in spread if post.repost_of is None and store.reposts_of(post.id))
    posts = [root.id, *(post.id for post in store.reposts_of(root.id)[:9])]
    incident |= {
        "incident_id": INCIDENT,
        "key": f"cascade:{root.id}",
        "root_id": root.id,
        "posts": posts,
        "status": "open",
        "resolved_at": None,
        "resolved_by": None,
    }
    store.put_record("incident", INCIDENT, incident)
    return INCIDENT, root.id


def routes(root: str, day: date) -> list[tuple[str, str, bool]]:
    """(what, path, ours) for the store's last whole day: this work's pages first, then the other pages'."""
    window = f"since={day}&until={day + timedelta(days=1)}"
    return [
        ("overview, default window (newest-post search)", "/", True),
        ("overview, one day given", f"/?brand=蒙牛&{window}", True),
        ("overview, 7 days by day", f"/?brand=蒙牛&since={day - timedelta(days=6)}&until={day}&interval=1d", True),
        (
            "overview, 28 days by day",
            f"/?brand=蒙牛&since=2026-10-01&until={day + timedelta(days=1)}&interval=1d",
            True,
        ),
        ("API overview, default window", "/api/overview", True),
        ("API trends, by sentiment, all brands", f"/api/trends?by=sentiment&{window}", True),
        ("briefing page", f"/briefing?brand=蒙牛&date={day}", True),
        ("API briefing", f"/api/briefing?brand=蒙牛&date={day}", True),
        ("briefing download (HTML)", f"/briefing.html?brand=蒙牛&date={day}", True),
        ("incidents", "/incidents", False),
        ("incident", f"/incidents/{INCIDENT}", False),
        ("API incidents", "/api/incidents", False),
        ("API incident", f"/api/incidents/{INCIDENT}", False),
        ("complaints, defaults", "/complaints", False),
        ("complaints, brand and day", f"/complaints?brand=蒙牛&{window}", False),
        ("complaints, full-text search", f"/complaints?q=异物&{window}", False),
        ("complaints CSV, brand and day", f"/complaints.csv?brand=蒙牛&{window}", False),
        ("API posts, brand and day", f"/api/posts?brand=蒙牛&{window}", False),
        ("post", f"/posts/{root}", False),
        ("API post", f"/api/posts/{root}", False),
    ]


def timed(call: Callable[[], Any], count: int) -> list[float]:
    call()  # warm-up: first connection of the thread, jieba's dictionary, template compilation
    times: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
        if times[-1] > SLOW_S and len(times) >= 3:
            break
    return times


def profiled(client: Any, path: str) -> str:
    """The profile of one request's endpoint. FastAPI runs a plain `def` endpoint in a worker thread, where a
    profiler started here would see nothing: the endpoint is wrapped in the profiler on its way there."""
    import fastapi.routing

    profile = cProfile.Profile()
    original = fastapi.routing.run_in_threadpool

    async def run_profiled(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await original(profile.runcall, function, *args, **kwargs)

    fastapi.routing.run_in_threadpool = run_profiled  # type: ignore[assignment]
    try:
        client.get(path)
    finally:
        fastapi.routing.run_in_threadpool = original
    report = io.StringIO()
    pstats.Stats(profile, stream=report).sort_stats("cumulative").print_stats(20)
    return report.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/yuqing-cycle"))
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--refreshes", type=int, default=2000)
    parser.add_argument("--profile", action="append", default=[], help="a path to profile one request of")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # TestClient's httpx notice

    from fastapi.testclient import TestClient

    from pipeline.web.app import create_app

    args.folder.mkdir(parents=True, exist_ok=True)
    built = args.folder / f"posts-{args.posts}.db"
    detection_cycle.build(built, args.posts)
    end = detection_cycle.START + timedelta(days=1) / detection_cycle.PER_DAY * args.posts
    with tempfile.TemporaryDirectory(prefix="yuqing-console-") as scratch:
        work = Path(scratch)
        database = work / "console.db"
        shutil.copyfile(built, database)  # the console's store is written to (an incident): keep the built one
        with SQLiteStore(database) as store:
            _incident, root = add_incident(store, end, work)
            started = time.perf_counter()
            count = store.count_posts()
            count_s = time.perf_counter() - started
        settings = Settings(
            db_path=database,
            data_dir=work / "data",
            watchlist=detection_cycle.watchlist(work),
            web={"user": USER, "password": PASSWORD},  # type: ignore[arg-type]
        )
        day = end.astimezone(ZoneInfo(settings.timezone)).date() - timedelta(days=1)  # the last whole day
        rows: list[tuple[str, str, list[float] | None, bool]] = []
        with TestClient(create_app(settings)) as client:
            login = client.post("/login", data={"user": USER, "password": PASSWORD}, follow_redirects=False)
            assert login.status_code == 303, login.text[:200]
            rows.append(
                (
                    "baseline: static stylesheet",
                    "/static/app.css",
                    timed(lambda: client.get("/static/app.css"), 50),
                    True,
                )
            )
            for what, path, ours in routes(root, day):
                status = client.get(path).status_code
                if status != 200:
                    print(f"  skipped {path}: {status}", file=sys.stderr)
                    rows.append((what, path, None, ours))
                    continue
                times = timed(lambda path=path: client.get(path), args.requests)
                rows.append((what, path, times, ours))
                print(f"  {path}: {statistics.median(times) * 1000:,.0f} ms", file=sys.stderr)
            for path in args.profile:
                print(f"\nProfile of {path}:\n{profiled(client, path)}", file=sys.stderr)

            for _ in range(50):
                client.get("/api/overview")
            rss_before = rss_mib()
            started = time.perf_counter()
            for _ in range(args.refreshes):
                assert client.get("/api/overview").status_code == 200
            refresh_s = time.perf_counter() - started
            rss_after = rss_mib()

    print(
        f"Console page times on a SQLite store of {count:,} posts ({platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}; in-process, median of up to {args.requests} requests after a warm-up)\n"
    )
    print("| page or call | route | median | slowest | requests |")
    print("| --- | --- | ---: | ---: | ---: |")
    print(f"| baseline: `count_posts` (direct call) | | {count_s * 1000:.1f} ms | | 1 |")
    for what, path, times, ours in rows:
        shown = what if ours else f"{what} (other page)"
        if times is None:
            print(f"| {shown} | `{path}` | not served | | |")
            continue
        print(
            f"| {shown} | `{path}` | {statistics.median(times) * 1000:,.1f} ms | {max(times) * 1000:,.1f} ms "
            f"| {len(times)} |"
        )
    print(
        f"\nLong refresh: {args.refreshes:,} × `/api/overview` in {refresh_s:,.0f} s "
        f"({refresh_s / args.refreshes * 1000:.1f} ms each); RSS {rss_before:,.0f} MiB after 50 warm-up requests, "
        f"{rss_after:,.0f} MiB after ({rss_after - rss_before:+,.1f} MiB)."
    )
    print(
        f"\nCommand: `.venv/bin/python benchmarks/console.py --posts {args.posts} --requests {args.requests} "
        f"--refreshes {args.refreshes}`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
