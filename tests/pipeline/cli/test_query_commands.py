from __future__ import annotations

import codecs
import csv
import io
import json
import os
import subprocess
import sys

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.models import Complaint, Post, Sentiment
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post


@pytest.fixture
def stored(settings: Settings) -> None:
    store = SQLiteStore(settings.sqlite_path)
    posts = [
        Post.from_dict(make_post(id="weibo:1", brand="蒙牛", created_at="2026-11-22T10:05:00+08:00")),
        Post.from_dict(make_post(id="weibo:2", brand="蒙牛", created_at="2026-11-22T10:35:00+08:00")),
        Post.from_dict(
            make_post(id="weibo:3", brand="蒙牛", text="蒙牛酸奶很好喝", created_at="2026-11-22T11:10:00+08:00")
        ),
    ]
    labels = [("negative", 3, "safety"), ("negative", 2, "safety"), ("positive", 0, "none")]
    store.upsert_posts(
        post.with_changes(sentiment=Sentiment(label, 0.5), complaint=Complaint(severity > 0, 0.5, severity, category))  # type: ignore[arg-type]
        for post, (label, severity, category) in zip(posts, labels, strict=True)
    )
    store.close()


WINDOW = ["--since", "2026-11-22T10:00:00+08:00", "--until", "2026-11-22T12:00:00+08:00"]


def test_trends_csv_pivots_by_sentiment(stored: None, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["trends", "--brand", "蒙牛", *WINDOW, "--interval", "1h", "--by", "sentiment", "--format", "csv"]
    assert main([*argv, "--no-bom"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        ["time", "brand", "negative", "positive", "total"],
        ["2026-11-22T10:00:00+08:00", "蒙牛", "2", "0", "2"],
        ["2026-11-22T11:00:00+08:00", "蒙牛", "0", "1", "1"],
    ]


def test_trends_json_by_category(stored: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trends", *WINDOW, "--interval", "30m", "--by", "category", "--format", "json"]) == 0
    buckets = json.loads(capsys.readouterr().out)
    assert [(b["time"][11:16], b["key"], b["count"]) for b in buckets] == [
        ("10:00", "safety", 1),
        ("10:30", "safety", 1),
        ("11:00", "none", 1),
    ]


def test_search_table_and_json(stored: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "酸奶", "--format", "json"]) == 0
    assert [post["id"] for post in json.loads(capsys.readouterr().out)] == ["weibo:3"]
    assert main(["search", "异物", "--brand", "蒙牛"]) == 0
    table = capsys.readouterr().out
    assert "weibo:1" in table and "weibo:2" in table and "weibo:3" not in table


def test_bad_duration_is_a_clear_error(stored: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trends", "--since", "last week"]) == 2
    assert "not a time: 'last week'" in capsys.readouterr().err


@pytest.mark.parametrize("limit", ["99999999999999999999", "0", "-5", "1001", "ten"])
def test_search_limit_out_of_range_is_an_argument_error(
    stored: None, capsys: pytest.CaptureFixture[str], limit: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "异物", "--limit", limit])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --limit:" in err and "Traceback" not in err
    assert "must be from 1 to 1000" in err or "not a whole number: 'ten'" in err


def test_search_limit_within_range(stored: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "异物", "--limit", "1000", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["search", "异物", "--limit", "1", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


@pytest.mark.parametrize("since", ["99999999999d", "999999d"])
def test_absurd_durations_are_a_clear_error(stored: None, capsys: pytest.CaptureFixture[str], since: str) -> None:
    assert main(["search", "异物", "--since", since]) == 2
    assert f"duration too long: '{since}'" in capsys.readouterr().err


def test_daily_trends_are_days_in_shanghai(
    stored: None, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SQLiteStore(settings.sqlite_path)
    store.upsert_posts([Post.from_dict(make_post(id="weibo:4", brand="蒙牛", created_at="2026-11-22T07:30:00+08:00"))])
    store.close()
    days = ["--since", "2026-11-21T00:00:00+08:00", "--until", "2026-11-23T00:00:00+08:00", "--interval", "1d"]
    assert main(["trends", *days, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"time": "2026-11-22T00:00:00+08:00", "brand": "蒙牛", "key": "all", "count": 4}
    ]


def test_times_are_shown_and_counted_in_the_configured_zone(
    stored: None, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_TIMEZONE", "Asia/Kolkata")  # +05:30: its hours start on the half hour in Shanghai
    assert main(["trends", *WINDOW, "--interval", "1h", "--format", "json"]) == 0
    assert [(bucket["time"], bucket["count"]) for bucket in json.loads(capsys.readouterr().out)] == [
        ("2026-11-22T07:00:00+05:30", 1),
        ("2026-11-22T08:00:00+05:30", 2),
    ]
    assert main(["search", "异物", "--format", "csv", "--no-bom"]) == 0
    times = [row[0] for row in csv.reader(io.StringIO(capsys.readouterr().out))]
    assert times == ["created_at", "2026-11-22T08:05:00+05:30", "2026-11-22T07:35:00+05:30"]


def test_csv_is_utf8_with_a_byte_order_mark_unless_asked_not_to(
    stored: None, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["trends", *WINDOW, "--format", "csv"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(codecs.BOM_UTF8 + b"time,brand,total\n") and "蒙牛".encode() in out
    assert main(["search", "异物", "--format", "csv"]) == 0
    assert capsysbinary.readouterr().out.startswith(codecs.BOM_UTF8 + b"created_at,")
    assert main(["search", "异物", "--format", "csv", "--no-bom"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"created_at,")


def _yuqing(*argv: str, stdout: int, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, **(extra_env or {})},
        timeout=120,
        check=False,
    )


def test_csv_stays_utf8_whatever_the_terminal_encoding(stored: None) -> None:
    done = _yuqing("trends", *WINDOW, "--format", "csv", stdout=subprocess.PIPE, extra_env={"PYTHONIOENCODING": "gbk"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(codecs.BOM_UTF8) and "蒙牛".encode() in done.stdout


def test_a_reader_that_goes_away_ends_the_command_quietly(stored: None) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already read what it wanted
    try:
        done = _yuqing("trends", *WINDOW, "--format", "csv", stdout=write_end)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, b"")


def test_an_empty_search_says_what_it_searched(stored: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "火星", "--brand", "蒙牛", "--since", "2026-11-20T10:00:00+08:00", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "no stored post matches '火星' (brand 蒙牛, from 2026-11-20T10:00:00+08:00 to now)" in captured.err
    assert main(["search", "火星", "--until", "2026-11-23T00:00:00+08:00"]) == 0
    assert "(all brands, from the first post to 2026-11-23T00:00:00+08:00)" in capsys.readouterr().err
    assert main(["search", "火星"]) == 0
    assert "no stored post matches '火星' (all brands, any time)" in capsys.readouterr().err
