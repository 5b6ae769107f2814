from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.store.sqlite import SQLiteStore
from tests.conftest import make_post, write_jsonl


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
