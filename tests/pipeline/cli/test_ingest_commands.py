from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post, write_jsonl


@pytest.fixture
def posts_file(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "posts.jsonl",
        [
            make_post(id="weibo:1", text="蒙牛纯牛奶喝出异物，太恶心了"),
            "{broken",
            make_post(id="weibo:2", text="顺丰快递三天了还没到，客服也不理人", metrics={"reposts": 4}),
            make_post(id="weibo:3", created_at="not a time"),
            make_post(id="weibo:4", text="早上喝了一碗小米粥"),
            make_post(id="weibo:5", text=None),
            make_post(id="weibo:6", text="新买的小米手机拍照很清楚"),
        ],
    )


def test_ingest_stores_good_posts_names_bad_lines_and_is_idempotent(
    settings: Settings, posts_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--in", str(posts_file)]) == 0
    err = capsys.readouterr().err
    assert f"skipped {posts_file}:2: invalid JSON" in err
    assert f"skipped {posts_file}:4: created_at is not an ISO 8601 time" in err
    assert f"skipped {posts_file}:6: missing required field(s): text" in err
    assert "read 4 posts: 3 new, 0 updated, 0 unchanged; dropped 1 (1 no watched brand)" in err
    assert "skipped 3 bad lines" in err

    store = SQLiteStore(settings.sqlite_path)
    first = {post.id: post.to_dict() for post in store.iter_posts()}
    assert sorted(first) == ["weibo:1", "weibo:2", "weibo:6"]
    assert first["weibo:2"]["brand"] == "顺丰"
    assert first["weibo:1"]["sentiment"]["label"] in ("negative", "neutral", "positive")
    assert "is_complaint" in first["weibo:1"]["complaint"]
    snapshots_before = len(store.snapshots("weibo:2"))
    store.close()

    assert main(["ingest", "--in", str(posts_file)]) == 0
    assert "0 new, 0 updated, 3 unchanged" in capsys.readouterr().err
    store = SQLiteStore(settings.sqlite_path)
    assert {post.id: post.to_dict() for post in store.iter_posts()} == first
    assert len(store.snapshots("weibo:2")) == snapshots_before
    store.close()


def test_classify_adds_enrichment_and_skips_bad_lines(
    settings: Settings, posts_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "classified.jsonl"
    assert main(["classify", "--in", str(posts_file), "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [record["id"] for record in records] == ["weibo:1", "weibo:2", "weibo:4", "weibo:6"]
    for record in records:
        assert record["sentiment"]["label"] in ("negative", "neutral", "positive")
        assert 0.0 <= record["sentiment"]["score"] <= 1.0
        assert set(record["complaint"]) == {
            "is_complaint",
            "probability",
            "severity",
            "severity_label",
            "category",
        }
    assert "classified 4 posts; skipped 3 bad lines" in capsys.readouterr().err


def test_missing_input_is_a_clear_error(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--in", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot open" in capsys.readouterr().err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("ingest", "classify", "trends", "search", "demo"):
        assert command in out


def test_one_bad_value_costs_its_line_only(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each of these used to end the run with a traceback and lose the whole 512-post batch."""
    good = [make_post(id=f"weibo:{n}", text=f"蒙牛牛奶第{n}批有异物") for n in range(5)]
    bad = [
        json.dumps(make_post(id="weibo:b1", metrics={"likes": "PLACEHOLDER"})).replace('"PLACEHOLDER"', "1e999"),
        make_post(id="weibo:b2", metrics={"likes": 1e308}),
        make_post(id="weibo:b3", metrics={"likes": 12345678901234567890}),
        json.dumps(make_post(id="weibo:b4", text="蒙牛\ud800")),
        json.dumps(make_post(id="weibo:b5", author={"id": "1", "name": "\udc00"})),
        json.dumps(make_post(id="weibo:b6", region="\ud800")),
        "[" * 100_000,
        make_post(id="weibo:b8", created_at="0001-01-01T00:00:00+08:00"),
        make_post(id="weibo:b9", created_at="9999-12-31T23:59:59+08:00"),
        make_post(id={"weibo": 10}),
        make_post(id="weibo:b11", repost_of={"id": "weibo:1"}),
        make_post(id="weibo:b12", brand={"name": "蒙牛"}),
        make_post(id="4978123456789013", source=None),
    ]
    path = write_jsonl(tmp_path / "posts.jsonl", [good[0], *bad[:7], *good[1:3], *bad[7:], *good[3:]])
    assert main(["ingest", "--in", str(path)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    named = [line.split(": ", 1)[0] for line in err.splitlines() if line.startswith(f"skipped {path}:")]
    assert named == [f"skipped {path}:{number}" for number in [*range(2, 9), *range(11, 17)]]
    assert "no source prefix" in err and 'write the id as "weibo:4978123456789013"' in err
    store = SQLiteStore(settings.sqlite_path)
    assert sorted(post.id for post in store.iter_posts()) == [f"weibo:{n}" for n in range(5)]
    store.close()
    assert main(["search", "异物"]) == 0  # nothing stored that a query then trips over


def test_bad_lines_are_reported_once_and_summed_up_after_twenty(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    path = write_jsonl(tmp_path / "broken.jsonl", [make_post(id="weibo:1"), *["{broken"] * 4999, '{"id": "weibo:x"}'])
    assert main(["ingest", "--in", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("skipped ")][:20] == [
        f"skipped {path}:{number}: invalid JSON (Expecting property name enclosed in double quotes at column 2)"
        for number in range(2, 22)
    ]
    assert "... and 4980 more" in err
    assert "skipped 5000 bad lines (4999 invalid JSON, 1 missing required field)" in err
    assert len(err) <= 24
    assert not [record for record in caplog.records if "broken.jsonl" in record.getMessage()]  # not logged as well


def test_classify_in_place_rewrites_the_file(settings: Settings, posts_file: Path) -> None:
    assert main(["classify", "--in", str(posts_file), "--out", str(posts_file)]) == 0
    records = [json.loads(line) for line in posts_file.read_text(encoding="utf-8").splitlines()]
    assert [record["id"] for record in records] == ["weibo:1", "weibo:2", "weibo:4", "weibo:6"]
    assert all("sentiment" in record for record in records)


def test_classify_with_a_missing_input_leaves_the_output_alone(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scored = tmp_path / "scored.jsonl"
    scored.write_text('{"id": "weibo:1"}\n', encoding="utf-8")
    assert main(["classify", "--in", str(tmp_path / "typo.jsonl"), "--out", str(scored)]) == 2
    assert f"{tmp_path / 'typo.jsonl'}: cannot open: No such file or directory" in capsys.readouterr().err
    assert scored.read_text(encoding="utf-8") == '{"id": "weibo:1"}\n'
    assert not list(tmp_path.glob(".scored.jsonl.*"))  # no temporary file left behind


def test_backtest_keeps_the_old_alerts_file_when_writing_fails(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.detect import backtest

    posts = write_jsonl(tmp_path / "posts.jsonl", [make_post(id="weibo:1")])
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text('{"event": "resolved", "from": "the last run"}\n', encoding="utf-8")
    broken = backtest.BacktestResult(notifications=[{"event": "opened"}, {"event": object()}], posts=1)
    monkeypatch.setattr(backtest, "run_backtest", lambda *args, **kwargs: broken)
    with pytest.raises(TypeError):  # the second notification cannot be written
        main(["backtest", "--posts", str(posts), "--out", str(alerts)])
    assert alerts.read_text(encoding="utf-8") == '{"event": "resolved", "from": "the last run"}\n'


def test_classify_takes_no_watchlist(settings: Settings, posts_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Classification is a function of the text alone: a watchlist given to it would be silently ignored."""
    with pytest.raises(SystemExit) as exit_info:
        main(["classify", "--in", str(posts_file), "--out", "-", "--watchlist", "brands.yaml"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --watchlist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["classify", "--help"])
    assert "no watchlist is read" in " ".join(capsys.readouterr().out.split())


def test_two_scoring_processes_store_what_one_does(
    settings: Settings, posts_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--in", str(posts_file)]) == 0
    store = SQLiteStore(settings.sqlite_path)
    in_process = {post.id: (post.sentiment, post.complaint) for post in store.iter_posts()}
    store.close()
    settings.sqlite_path.unlink()
    capsys.readouterr()

    assert main(["ingest", "--in", str(posts_file), "--workers", "2"]) == 0
    assert "read 4 posts: 3 new" in capsys.readouterr().err
    store = SQLiteStore(settings.sqlite_path)
    assert {post.id: (post.sentiment, post.complaint) for post in store.iter_posts()} == in_process
    store.close()
    assert main(["ingest", "--in", str(posts_file), "--workers", "0"]) == 2
