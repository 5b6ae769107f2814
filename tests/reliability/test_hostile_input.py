"""The hostile-input corpus (tests/fixtures/hostile) through the real command line, one child process per
file and command: no bad line stops a run or takes good lines with it, and each bad line is named once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from pipeline.store.sqlite import SQLiteStore

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
FILES = sorted(CORPUS.glob("*.jsonl"))
GOOD_MARK = b'"expect": "good"'
NOTES = {
    "gbk.jsonl": "looks GBK/GB18030-encoded, not UTF-8; convert it with: iconv -f GB18030 -t UTF-8",
    "utf16.jsonl": "looks UTF-16-encoded; convert it with: iconv -f UTF-16 -t UTF-8",
}
T = TypeVar("T")

pytestmark = pytest.mark.slow  # some 30 child processes, a minute or two


@dataclass(frozen=True)
class Expected:
    """What the corpus README promises for one file: how many good lines, and which lines are bad."""

    good: int
    bad_lines: list[int]


def expected(path: Path) -> Expected:
    lines = path.read_bytes().split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the empty piece after the final newline is not a line
    good, bad = 0, []
    for number, line in enumerate(lines, start=1):
        if GOOD_MARK in line:
            good += 1
        elif line.removeprefix(b"\xef\xbb\xbf").strip():
            bad.append(number)
    return Expected(good, bad)


def yuqing(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("YUQING_")}
    env.update(YUQING_DATA_DIR=str(data_dir), YUQING_SCORER="snownlp", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=600,
        check=False,
    )


def for_each_file(run: Callable[[Path], T]) -> list[tuple[Path, T]]:
    """One child process per corpus file, as many at a time as there are CPUs."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(zip(FILES, pool.map(run, FILES), strict=True))


def assert_bad_lines_named_once(result: subprocess.CompletedProcess[str], path: Path) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    named = [int(number) for number in re.findall(rf"{re.escape(str(path))}:(\d+): ", result.stderr)]
    assert sorted(named) == expected(path).bad_lines, result.stderr[-3000:]  # each bad line once, no good one
    note = NOTES.get(path.name)
    if note is not None:
        assert result.stderr.count(note) == 1, result.stderr[-3000:]
    else:
        assert "iconv" not in result.stderr


def test_corpus_mixes_good_and_bad_lines_in_every_file() -> None:
    counts = {path.name: expected(path) for path in FILES}
    assert len(counts) == 8
    assert sum(count.good for count in counts.values()) == 34
    assert sum(len(count.bad_lines) for count in counts.values()) == 99
    assert all(len(count.bad_lines) <= 20 for count in counts.values())  # all named, none summed up


def test_ingest_stores_every_good_line_and_names_every_bad_one(tmp_path: Path) -> None:
    results = for_each_file(lambda path: yuqing(tmp_path / path.stem, "ingest", "--in", str(path)))
    for path, result in results:
        assert_bad_lines_named_once(result, path)
        good = expected(path).good
        assert f"read {good} posts: {good} new" in result.stderr
        store = SQLiteStore(tmp_path / path.stem / "yuqing.db")
        try:
            assert store.count_posts() == good, path.name
        finally:
            store.close()

    searched = yuqing(tmp_path / "strings", "search", "蒙牛", "--limit", "1000", "--format", "json")
    assert searched.returncode == 0, searched.stderr
    assert "Traceback" not in searched.stderr
    assert len(json.loads(searched.stdout)) == expected(CORPUS / "strings.jsonl").good
    table = yuqing(tmp_path / "structure", "search", "异物", "--since", "3650d")
    assert table.returncode == 0, table.stderr
    assert "weibo:ok-bom-first-line" in table.stdout


def test_classify_writes_every_good_line_and_names_every_bad_one(tmp_path: Path) -> None:
    def classify(path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
        out = tmp_path / f"{path.stem}.scored.jsonl"
        return yuqing(tmp_path / "data", "classify", "--in", str(path), "--out", str(out)), out

    for path, (result, out) in for_each_file(classify):
        assert_bad_lines_named_once(result, path)
        # split on "\n" only: str.splitlines would also cut at U+2028 and U+0085, which JSON keeps raw
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
        assert len(records) == expected(path).good, path.name
        assert all(record["expect"] == "good" and "sentiment" in record for record in records)


def test_backtest_replays_every_good_line_and_names_every_bad_one(tmp_path: Path) -> None:
    def backtest(path: Path) -> subprocess.CompletedProcess[str]:
        out = tmp_path / f"{path.stem}.alerts.jsonl"
        return yuqing(tmp_path / path.stem, "backtest", "--posts", str(path), "--out", str(out))

    for path, result in for_each_file(backtest):
        assert_bad_lines_named_once(result, path)
        good = expected(path).good
        if good:
            assert re.search(rf"backtest: {good} posts, \d+ ticks", result.stderr), result.stderr[-2000:]
            assert (tmp_path / f"{path.stem}.alerts.jsonl").exists()


@pytest.mark.parametrize("command", ["ingest", "classify", "backtest"])
def test_many_bad_lines_are_summed_up_after_twenty(tmp_path: Path, command: str) -> None:
    """5,000 bad lines give 20 named lines, one '... and N more' and the counts, not 5,000 (or 10,000)."""
    path = tmp_path / "broken.jsonl"
    good = json.dumps({"id": "weibo:1", "text": "蒙牛牛奶有异物", "created_at": "2026-11-22T10:00:00+08:00"})
    path.write_text(good + "\n" + "{broken\n" * 4990 + '{"id": 1}\n' * 10, encoding="utf-8")
    arguments = {"ingest": ["--in", str(path)], "classify": ["--in", str(path), "--out", str(tmp_path / "out.jsonl")]}
    result = yuqing(
        tmp_path / "data", command, *arguments.get(command, ["--posts", str(path), "--out", str(tmp_path / "a.jsonl")])
    )
    assert result.returncode == 0, result.stderr[-2000:]
    named = re.findall(rf"{re.escape(str(path))}:(\d+): ", result.stderr)
    assert named == [str(number) for number in range(2, 22)]
    assert "... and 4980 more\n" in result.stderr
    assert "skipped 5000 bad lines (4990 invalid JSON, 10 missing required field)" in result.stderr
    assert len(result.stderr.splitlines()) < 40
