"""Writers run at once: several `yuqing ingest` processes on one SQLite store, as parallel Airflow tasks do,
and an ingest killed with SIGKILL half-way. Nothing is lost, nothing is stored twice, metrics only grow."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.store.sqlite import SQLiteStore
from tests.reliability.helpers import REPO, child_env

BRANDS = ("蒙牛", "小米", "顺丰", "瑞幸")
PHRASES = (
    "买的{b}产品质量太差了，客服一直不回复，已经投诉到12315",
    "今天收到{b}的快递，包装很好，很满意",
    "{b}新品发布会看了吗？感觉一般般吧",
    "吐槽一下{b}，退款拖了两个星期还没到账，太气人了",
    "{b}的售后服务越来越好了，点赞",
)


def _posts(first: int, count: int, reposts: int) -> list[dict[str, Any]]:
    """Pre-scored posts (sentiment and complaint given), so the test measures the store, not the models."""
    rng = random.Random(first)
    posts = []
    for number in range(first, first + count):
        brand = BRANDS[number % len(BRANDS)]
        negative = number % 3 == 0
        posts.append(
            {
                "id": f"weibo:{4_900_000_000_000_000 + number}",
                "text": rng.choice(PHRASES).format(b=brand) + f" #{number}",
                "created_at": f"2026-11-22T{number % 24:02d}:{number % 60:02d}:00+08:00",
                "author": {"id": str(10_000 + number), "name": f"用户{number}", "followers": number % 5000},
                "metrics": {"reposts": reposts, "comments": 1, "likes": 2},
                "brand": brand,
                "sentiment": {"label": "negative" if negative else "neutral", "score": 0.9 if negative else 0.3},
                "complaint": {"is_complaint": negative, "probability": 0.8, "severity": 2 if negative else 0},
            }
        )
    return posts


def _write(path: Path, posts: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(post, ensure_ascii=False) + "\n" for post in posts), encoding="utf-8")
    return path


def _ingest(path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "ingest", "--in", str(path)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish_all(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "Traceback" not in err and "locked" not in err


def test_four_ingests_at_once_store_every_post(tmp_path: Path) -> None:
    env = child_env(tmp_path)
    files = [_write(tmp_path / f"part{k}.jsonl", _posts(k * 3000, 3000, reposts=k)) for k in range(4)]
    _finish_all([_ingest(path, env) for path in files])
    with SQLiteStore(tmp_path / "data" / "yuqing.db") as store:
        assert store.count_posts() == 12_000
        assert {brand: store.count_posts(brand) for brand in BRANDS} == dict.fromkeys(BRANDS, 3000)


def test_the_same_posts_ingested_twice_at_once_keep_the_higher_metrics(tmp_path: Path) -> None:
    env = child_env(tmp_path)
    low = _posts(0, 4000, reposts=5)
    high = _posts(0, 4000, reposts=500)
    # Half of the posts are newer in one file, half in the other: whichever writer lands last, metrics only grow.
    first = _write(tmp_path / "first.jsonl", low[:2000] + high[2000:])
    second = _write(tmp_path / "second.jsonl", high[:2000] + low[2000:])
    _finish_all([_ingest(first, env), _ingest(second, env)])
    with SQLiteStore(tmp_path / "data" / "yuqing.db") as store:
        assert store.count_posts() == 4000
        reposts = {post.metrics.reposts for post in store.iter_posts()}
        snapshots = store.snapshots(low[0]["id"])
    assert reposts == {500}
    assert [snapshot.reposts for snapshot in snapshots][-1] == 500


def test_an_ingest_killed_half_way_loses_nothing_once_run_again(tmp_path: Path) -> None:
    env = child_env(tmp_path)
    path = _write(tmp_path / "posts.jsonl", _posts(0, 20_000, reposts=3))
    killed = _ingest(path, env)
    database = tmp_path / "data" / "yuqing.db"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until some batches are in, then kill it mid-run
        time.sleep(0.2)
        if database.exists() and _count(database) >= 2000:
            break
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    stored_before = _count(database)
    assert 0 < stored_before < 20_000, "the kill should land half-way"
    _finish_all([_ingest(path, env)])
    with SQLiteStore(database) as store:
        assert store.count_posts() == 20_000
    with sqlite3.connect(database) as db:  # the full-text index holds each post exactly once
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT rowid) FROM posts_text").fetchone() == (20_000, 20_000)


def _count(database: Path) -> int:
    with SQLiteStore(database) as store:
        return store.count_posts()


OPEN_AT_ONCE = """
import sys, time
from pipeline.store.sqlite import SQLiteStore
start = float(sys.argv[2])
while time.time() < start:  # all processes open the new file in the same instant
    time.sleep(0.001)
SQLiteStore(sys.argv[1]).close()
"""


def test_processes_that_open_a_new_store_at_once_all_get_it(tmp_path: Path) -> None:
    for round_number in range(5):
        path = tmp_path / f"new-{round_number}.db"
        start = time.time() + 1.5  # after the interpreters have started
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_AT_ONCE, str(path), str(start)],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        _finish_all(processes)
        with SQLiteStore(path) as store:
            assert store.count_posts() == 0 and store.search("快递") == []
