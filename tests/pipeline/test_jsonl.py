from __future__ import annotations

import json
import logging
import os
import stat
import tracemalloc
from pathlib import Path

import pytest

from pipeline.exceptions import InvalidRecord
from pipeline.jsonl import LOGGED_ERRORS, atomic_writer, read_posts, read_records, write_posts
from pipeline.models import Post
from tests.helpers import make_post, write_jsonl


def _line(**overrides: object) -> bytes:
    return json.dumps(make_post(**overrides), ensure_ascii=False).encode("utf-8")


def _read(path: Path) -> tuple[list[str], list[tuple[int, str]], list[str]]:
    reader = read_posts(path, log_errors=False)
    ids = [post.id for post in reader]
    return ids, [(error.line, error.reason) for error in reader.errors], reader.notes


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
        (6, "record is an array, not an object"),
    ]
    assert reader.error_counts == {
        "invalid JSON": 1,
        "missing required field": 1,
        "unparsable time": 1,
        "invalid field": 1,
    }
    assert str(reader.errors[0]).startswith(f"{path}:2: invalid JSON")


def test_write_then_read_round_trip(tmp_path: Path) -> None:
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


def test_each_line_is_strict_utf8_and_a_gbk_file_gets_one_hint(tmp_path: Path) -> None:
    path = tmp_path / "gbk.jsonl"
    gbk = json.dumps(make_post(id="weibo:2"), ensure_ascii=False).encode("gbk")
    path.write_bytes(b"\n".join([_line(id="weibo:1"), gbk, gbk, _line(id="weibo:4", text="Mengniu")]) + b"\n")
    ids, errors, notes = _read(path)
    assert ids == ["weibo:1", "weibo:4"]  # nothing garbled into a stored post
    assert [line for line, _ in errors] == [2, 3]
    assert errors[0][1].startswith("not UTF-8 (byte 0xc3 at byte ")
    assert notes == [
        f"{path} looks GBK/GB18030-encoded, not UTF-8; convert it with: "
        f"iconv -f GB18030 -t UTF-8 {path} > {tmp_path / 'gbk.utf8.jsonl'}"
    ]


def test_a_stray_byte_in_utf8_is_named_without_the_gbk_hint(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    broken = _line(id="weibo:2").replace("异物".encode(), b"\xff\xc3\x28")
    path.write_bytes(b"\n".join([_line(id="weibo:1"), broken, _line(id="weibo:3")]) + b"\n")
    ids, errors, notes = _read(path)
    assert ids == ["weibo:1", "weibo:3"]
    assert [line for line, _ in errors] == [2] and "not UTF-8" in errors[0][1]
    assert notes == []


def test_bom_crlf_blank_lines_and_a_missing_final_newline_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "windows.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + _line(id="weibo:1") + b"\r\n\r\n   \t\n" + _line(id="weibo:2") + b"\r\n" + _line(id="weibo:3")
    )
    assert _read(path) == (["weibo:1", "weibo:2", "weibo:3"], [], [])


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"id": "weibo:1", "likes": NaN}', "invalid JSON (NaN is not a JSON number)"),
        (b'{"id": "weibo:1", "x": -Infinity}', "invalid JSON (-Infinity is not a JSON number)"),
        (b'{"id": "weibo:1", "id": "weibo:2"}', "invalid JSON (duplicate key 'id')"),
        (b"[" * 100_000, "record is nested deeper than 64 levels"),
        (b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "record is nested deeper than 64 levels"),
        (b'{"id": ' + b"9" * 5000 + b"}", "invalid JSON (a number with more than 4300 digits)"),
        (_line().replace(b'"name"', b'"nick\\ud800": "x", "name"'), "record contains a lone surrogate"),
        (_line().replace(b'"weibo"', b'"weibo", "tags": ' + b"[" * 70 + b"]" * 70), "nested deeper than 64 levels"),
        (b'{"id": "weibo:1", "text": "\x01"}', "invalid JSON (Invalid control character at column 28)"),
    ],
)
def test_hostile_json_is_named_and_skipped(tmp_path: Path, line: bytes, reason: str) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_bytes(_line(id="weibo:1") + b"\n" + line + b"\n" + _line(id="weibo:3") + b"\n")
    ids, errors, _ = _read(path)
    assert ids == ["weibo:1", "weibo:3"]
    assert len(errors) == 1 and errors[0][0] == 2 and reason in errors[0][1]


def test_an_escaped_surrogate_pair_is_one_character(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "posts.jsonl", [_line(text="蒙牛 PAIR").decode().replace("PAIR", "\\ud83d\\ude00")])
    assert [post.text for post in read_posts(path)] == ["蒙牛 😀"]


def test_a_line_over_1_mib_is_skipped_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    long_line = _line(id="weibo:2", text="蒙牛" + "a" * 3_000_000)
    path.write_bytes(b"\n".join([_line(id="weibo:1"), long_line, _line(id="weibo:3")]))
    tracemalloc.start()
    ids, errors, _ = _read(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert ids == ["weibo:1", "weibo:3"]
    assert errors == [(2, f"line is longer than 1 MiB ({len(long_line):,} bytes)")]
    assert peak < 2 * 2**20 + 2**19  # one bounded read, not the 3 MB line


def test_library_callers_get_twenty_bad_lines_logged_then_a_summary(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text("{broken\n" * 100, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pipeline.jsonl"):
        assert list(read_posts(path)) == []
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == LOGGED_ERRORS + 1
    assert messages[-1] == f"{path}: skipped 100 bad lines in all (100 invalid JSON)"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.jsonl"):
        reader = read_posts(path, log_errors=False)
        assert list(reader) == []
    assert caplog.records == [] and reader.skipped == 100


def test_read_records_is_strict_too(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": NaN}\n')
    records = read_records(path)
    assert next(records) == (1, {"a": 1})
    with pytest.raises(InvalidRecord, match=r":3: invalid JSON \(NaN is not a JSON number\)"):
        next(records)


def test_atomic_writer_replaces_the_file_only_when_the_block_completes(tmp_path: Path) -> None:
    target = tmp_path / "scored.jsonl"
    target.write_text("old\n", encoding="utf-8")
    os.chmod(target, 0o640)
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write("half")
        raise RuntimeError("the input was missing")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["scored.jsonl"]  # no temporary file left behind

    with atomic_writer(target) as handle:
        handle.write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_atomic_writer_creates_folders_follows_links_and_writes_devices_directly(tmp_path: Path) -> None:
    with atomic_writer(tmp_path / "new" / "out.jsonl") as handle:
        handle.write("x\n")
    assert (tmp_path / "new" / "out.jsonl").read_text(encoding="utf-8") == "x\n"

    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "new" / "out.jsonl")
    with atomic_writer(link) as handle:
        handle.write("y\n")
    assert link.is_symlink() and (tmp_path / "new" / "out.jsonl").read_text(encoding="utf-8") == "y\n"

    with atomic_writer(os.devnull) as handle:  # not a regular file: nothing to rename over
        handle.write("z\n")
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()


def test_write_posts_keeps_the_old_file_when_a_post_fails(tmp_path: Path) -> None:
    target = tmp_path / "batch.jsonl"
    write_posts(target, [Post.from_dict(make_post(id="weibo:1"))])

    def posts() -> object:
        yield Post.from_dict(make_post(id="weibo:2"))
        raise RuntimeError("the source broke off")

    with pytest.raises(RuntimeError):
        write_posts(target, posts())  # type: ignore[arg-type]
    assert [post.id for post in read_posts(target)] == ["weibo:1"]
