from __future__ import annotations

import tracemalloc
from pathlib import Path

from pipeline.jsonl import read_posts, write_posts
from tests.conftest import make_post, write_jsonl


def test_bad_lines_are_reported_with_numbers_and_skipped(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            make_post(id="weibo:1"),
            "{not json",
            make_post(id="weibo:2", text=None),
            "",
            make_post(id="weibo:3", created_at="22/11/2026"),
            "[1, 2]",
            make_post(id="weibo:4"),
        ],
    )
    reader = read_posts(path)
    assert [post.id for post in reader] == ["weibo:1", "weibo:4"]
    assert [(error.line, error.reason.split(" (")[0]) for error in reader.errors] == [
        (2, "invalid JSON"),
        (3, "missing required field(s): text"),
        (5, "created_at is not an ISO 8601 time: '22/11/2026'"),
        (6, "record is a list, not an object"),
    ]
    assert reader.error_counts == {
        "invalid JSON": 1,
        "missing required field": 1,
        "unparsable time": 1,
        "invalid field": 1,
    }
    assert str(reader.errors[0]).startswith(f"{path}:2: invalid JSON")


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    from pipeline.models import Post

    posts = [Post.from_dict(make_post(id=f"weibo:{n}")) for n in range(3)]
    assert write_posts(tmp_path / "out" / "posts.jsonl", posts) == 3
    assert list(read_posts(tmp_path / "out" / "posts.jsonl")) == posts


def test_reading_is_streaming(tmp_path: Path) -> None:
    """Memory stays flat however long the file: peak while reading 20k lines is far below the file size."""
    import json

    path = tmp_path / "big.jsonl"
    line = json.dumps(make_post(text="蒙牛" * 200), ensure_ascii=False) + "\n"
    path.write_text(line * 20_000, encoding="utf-8")
    tracemalloc.start()
    count = sum(1 for _ in read_posts(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 20_000
    assert peak < path.stat().st_size / 20
