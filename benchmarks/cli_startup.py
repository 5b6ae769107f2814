"""Start-up of the `yuqing` command line: whole-command wall time, with the interpreter's own start-up as the
baseline in the same run.

Each command runs in a fresh process, `--runs` times, the commands interleaved round-robin so that load from
other work on the machine falls on all of them alike; the figure is the median (and the fastest run). Rows:

  python -c pass          the interpreter alone: no command can start faster
  settings + store floor  importing what `trends` cannot do without (pydantic-settings, the SQLite store)
  yuqing --help           building the whole parser
  yuqing trends           one brand, hourly, over the store's seven days (a few thousand posts)

Commands run as `python -m pipeline.cli`, which is what the `yuqing` script calls. The store is built with
`SQLiteStore.upsert_posts` from realistic posts (`benchmarks/realistic_posts.py`: real weibo_senti_100k texts
with a brand name put in), normalised with the six brands; `--db` uses an existing store instead. The trends
query itself is also timed in process, so that start-up = whole command - query.

`--compare-tree DIR` adds the same rows for another checkout (e.g. `git archive HEAD | tar -x -C DIR`), run in
the same session: its own code builds its own store, and its processes find `pipeline` there first.

    python benchmarks/cli_startup.py [--posts 5000] [--runs 15] [--db PATH] [--compare-tree DIR]
    python -X importtime -m pipeline.cli trends ...   # where the remaining time goes
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Run as a script, this folder comes first on the path, and its classifiers.py would shadow the package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
_spec = importlib.util.spec_from_file_location("realistic_posts", HERE / "realistic_posts.py")
assert _spec is not None and _spec.loader is not None
realistic_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(realistic_posts)

SINCE = realistic_posts.START
UNTIL = realistic_posts.START + timedelta(days=7)
BRAND = "蒙牛"
FLOOR = "import pipeline.config, pipeline.store.sqlite; pipeline.config.Settings()"


def build_store(db: Path, count: int, data_dir: Path) -> None:
    """`count` realistic posts, normalised (brand found in the text) and upserted into a new SQLite store."""
    from pipeline.store.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        store.upsert_posts(realistic_posts.normalised_posts(count, data_dir))


def query_ms(db: Path, repeat: int = 20) -> float:
    """Median in-process time of the trends query the command runs."""
    from zoneinfo import ZoneInfo

    from pipeline.store.sqlite import SQLiteStore

    times = []
    with SQLiteStore(db) as store:
        for _ in range(repeat):
            started = time.perf_counter()
            store.trends(
                brand=BRAND, since=SINCE, until=UNTIL, interval=timedelta(hours=1), tz=ZoneInfo("Asia/Shanghai")
            )
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def environment(tree: Path, db: Path) -> dict[str, str]:
    """The processes of one checkout (run in its folder, which `-m` and `-c` put first on the path, and on
    PYTHONPATH for scripts): its `pipeline`, its store, no user settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("YUQING_")}
    env.update(PYTHONPATH=str(tree), YUQING_DB_PATH=str(db), YUQING_STORE="sqlite")
    return env


Row = tuple[str, list[str], dict[str, str], Path]  # name, argv, environment, working directory


def commands(label: str, tree: Path, db: Path) -> list[Row]:
    env = environment(tree, db)
    cli = [sys.executable, "-m", "pipeline.cli"]
    trends = ["trends", "--brand", BRAND, "--since", SINCE.isoformat(), "--until", UNTIL.isoformat()]
    suffix = f" ({label})" if label else ""
    return [
        (f"settings + store floor{suffix}", [sys.executable, "-c", FLOOR], env, tree),
        (f"yuqing --help{suffix}", [*cli, "--help"], env, tree),
        (f"yuqing trends{suffix}", [*cli, *trends], env, tree),
    ]


def wall_times(rows: list[Row], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name, _, _, _ in rows}
    for _, argv, env, cwd in rows:  # one untimed run each: compiled bytecode and the OS file cache are warm
        subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True)
    for _ in range(runs):
        for name, argv, env, cwd in rows:
            started = time.perf_counter()
            subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True)
            times[name].append(time.perf_counter() - started)
    return times


def prepared_store(tree: Path, folder: Path, count: int, data_dir: Path) -> Path:
    """A store built by the code of `tree` (its schema), in a child process that imports from `tree`."""
    db = folder / f"{tree.name or 'tree'}-{abs(hash(str(tree)))}.db"
    env = environment(tree, db)
    argv = [sys.executable, __file__, "--build-store", str(db), "--posts", str(count), "--data-dir", str(data_dir)]
    subprocess.run(argv, env=env, cwd=tree, check=True)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=5000, help="posts in the store built (default 5000)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command (default 15)")
    parser.add_argument("--db", type=Path, help="an existing SQLite store instead of building one")
    parser.add_argument("--compare-tree", type=Path, help="another checkout to time in the same run")
    parser.add_argument("--data-dir", type=Path, default=realistic_posts.DEFAULT_DATA_DIR)
    parser.add_argument("--build-store", type=Path, help=argparse.SUPPRESS)  # the child process's job
    parser.add_argument("--query-ms", type=Path, help=argparse.SUPPRESS)  # the child process's job
    args = parser.parse_args()
    if args.build_store:
        build_store(args.build_store, args.posts, args.data_dir)
        return
    if args.query_ms:
        print(json.dumps(query_ms(args.query_ms)))
        return

    trees = [("", REPO)] + ([(f"{args.compare_tree}", args.compare_tree.resolve())] if args.compare_tree else [])
    with tempfile.TemporaryDirectory() as folder:
        rows: list[Row] = [("python -c pass", [sys.executable, "-c", "pass"], dict(os.environ), REPO)]
        queries = {}
        for label, tree in trees:
            db = args.db or prepared_store(tree, Path(folder), args.posts, args.data_dir)
            rows += commands(label, tree, db)
            child = [sys.executable, __file__, "--query-ms", str(db)]
            queries[label] = json.loads(
                subprocess.run(child, env=environment(tree, db), check=True, capture_output=True, text=True).stdout
            )
        times = wall_times(rows, args.runs)

    print(
        f"command: python benchmarks/cli_startup.py --posts {args.posts} --runs {args.runs}"
        + (f" --db {args.db}" if args.db else "")
        + (f" --compare-tree {args.compare_tree}" if args.compare_tree else "")
    )
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    baseline = statistics.median(times["python -c pass"])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:<40} median {median:6.3f} s   fastest {min(values):6.3f} s   "
            f"{median / baseline:5.1f} × python -c pass"
        )
    for label, milliseconds in queries.items():
        print(f"trends query in process{f' ({label})' if label else '':<17} median {milliseconds:6.1f} ms")


if __name__ == "__main__":
    main()
