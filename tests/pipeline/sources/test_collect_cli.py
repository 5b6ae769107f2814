from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.cli import main
from tests.pipeline.sources.helpers import HTML, JSON, fixture_bytes


@pytest.fixture
def quiet_env(env: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_WEIBO__DELAY_S", "0")
    env.setenv("YUQING_WEIBO__JITTER_S", "0")
    env.setenv("YUQING_WEIBO__MAX_RETRIES", "0")
    return env


def _lines(path: Path) -> dict[str, dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {record["id"]: record for record in records}


def test_collect_weibo_search_against_a_local_server(
    httpserver: HTTPServer, quiet_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/weibo").respond_with_handler(
        lambda request: Response(fixture_bytes(f"search/page{request.args.get('page', '1')}.html"), content_type=HTML)
    )
    out = tmp_path / "posts.jsonl"
    code = main(
        ["collect", "--source", "weibo-search", "--keyword", "XX充电宝", "--since", "3h",
         "--base-url", httpserver.url_for("/"), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    posts = _lines(out)
    assert len(posts) == 9
    first = posts["weibo:5230000000000001"]
    assert first["url"] == "https://weibo.com/1001/PbCdEfGhI"
    assert first["source"] == "weibo"
    assert first["metrics"] == {"reposts": 12, "comments": 34, "likes": 56}
    assert first["author"] == {
        "id": "1001",
        "name": "充电宝观察",
        "followers": None,
        "verified": True,
        "verified_type": 1,
    }  # fmt: skip  (search pages show no follower count: unknown, not 0)
    assert first["created_at"].endswith("08:15:00+08:00")
    fetched = datetime.fromisoformat(posts["weibo:5230000000000002"]["fetched_at"])
    assert datetime.fromisoformat(posts["weibo:5230000000000002"]["created_at"]) == fetched  # 刚刚
    repost = posts["weibo:5230000000000004"]
    assert repost["repost_of"] == "weibo:5229000000000009"
    assert datetime.fromisoformat(repost["created_at"]) == fetched - timedelta(minutes=5)
    assert posts["weibo:5229000000000009"]["author"]["id"] == "1001"
    assert posts["weibo:5230000000000003"]["metrics"] == {"reposts": 12000, "comments": 1000000, "likes": 30000}
    assert posts["weibo:5230000000000006"]["created_at"] == "2025-12-30T23:59:00+08:00"
    assert posts["weibo:5230000000000001"]["bid"] == "PbCdEfGhI"
    err = capsys.readouterr().err
    assert "pages=3 posts=9 duplicates=1" in err
    assert "blocked: none" in err


def test_collect_weibo_mobile_against_a_local_server(
    httpserver: HTTPServer, quiet_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pages = {"1": "mobile/getindex_page1.json", "2": "mobile/getindex_page2.json", "3": "mobile/end.json"}

    def getindex(request: Request) -> Response:
        return Response(fixture_bytes(pages[request.args.get("page", "1")]), content_type=JSON)

    httpserver.expect_request("/api/container/getIndex").respond_with_handler(getindex)
    httpserver.expect_request("/statuses/extend").respond_with_data(
        fixture_bytes("mobile/extend_5230000000000011.json"), content_type=JSON
    )
    out = tmp_path / "mobile.jsonl"
    code = main(
        ["collect", "--source", "weibo-mobile", "--keyword", "XX充电宝", "--since", "2026-11-01T00:00+08:00",
         "--until", "2026-11-23T00:00+08:00", "--base-url", httpserver.url_for("/"), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    posts = _lines(out)
    assert set(posts) >= {"weibo:5230000000000011", "weibo:5230000000000012", "weibo:5229000000000010"}
    assert posts["weibo:5230000000000012"]["repost_of"] == "weibo:5229000000000010"
    assert posts["weibo:5230000000000011"]["metrics"]["comments"] == 1_000_000
    assert posts["weibo:5230000000000011"]["created_at"] == "2026-11-22T10:00:00+08:00"
    assert "买了不到一个月" in posts["weibo:5230000000000011"]["text"]


@pytest.mark.parametrize(
    ("source", "path", "body", "status", "kind"),
    [
        ("weibo-search", "/weibo", fixture_bytes("blocks/legacy2017_busy_page.html"), 200, "busy"),
        ("weibo-search", "/weibo", fixture_bytes("blocks/visitor_wall.html"), 200, "visitor_wall"),
        ("weibo-mobile", "/api/container/getIndex", fixture_bytes("mobile/login_required.json"), 200, "login_required"),
        ("weibo-mobile", "/api/container/getIndex", b"", 432, "rate_limited"),
    ],
)  # fmt: skip
def test_blocked_run_exits_3_and_names_the_block(
    httpserver: HTTPServer,
    quiet_env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    source: str,
    path: str,
    body: bytes,
    status: int,
    kind: str,
) -> None:
    httpserver.expect_request(path).respond_with_data(body, status=status, content_type="text/html; charset=utf-8")
    out = tmp_path / "posts.jsonl"
    code = main(
        ["collect", "--source", source, "--keyword", "XX", "--base-url", httpserver.url_for("/"), "--out", str(out)]
    )
    assert code == 3
    err = capsys.readouterr().err
    assert f"{kind}=1" in err
    assert "BLOCKED" in err
    assert out.read_text(encoding="utf-8") == ""


def test_brand_option_filters_and_tags(httpserver: HTTPServer, quiet_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("brands:\n  - name: 鼓包\n    sources: [weibo-search]\n", encoding="utf-8")
    httpserver.expect_request("/weibo").respond_with_data(fixture_bytes("search/page1.html"), content_type=HTML)
    out = tmp_path / "posts.jsonl"
    code = main(
        ["collect", "--source", "weibo-search", "--keyword", "XX", "--brand", "鼓包", "--watchlist", str(watchlist),
         "--max-pages", "1", "--base-url", httpserver.url_for("/"), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    posts = _lines(out)
    assert set(posts) == {"weibo:5230000000000001", "weibo:5230000000000004", "weibo:5229000000000009"}
    assert {post["brand"] for post in posts.values()} == {"鼓包"}


def test_unknown_brand_is_a_config_error(quiet_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code = main(
        ["collect", "--source", "weibo-search", "--keyword", "x", "--brand", "nope", "--out", str(tmp_path / "o")]
    )
    assert code == 2


def test_collect_mastodon_against_a_local_server(
    httpserver: HTTPServer, quiet_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    quiet_env.setenv("YUQING_MASTODON__DELAY_S", "0")
    httpserver.expect_request("/api/v1/timelines/tag/XX充电宝").respond_with_data(
        fixture_bytes("mastodon/tag_page1.json"), content_type=JSON
    )
    httpserver.expect_request("/api/v2/search").respond_with_data(
        fixture_bytes("mastodon/search.json"), content_type=JSON
    )
    out = tmp_path / "mastodon.jsonl"
    code = main(
        ["collect", "--source", "mastodon", "--keyword", "XX充电宝", "--since", "2026-11-21T00:00+08:00",
         "--until", "2026-11-23T00:00+08:00", "--base-url", httpserver.url_for("/"), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    posts = _lines(out)
    host = httpserver.url_for("/").split("//")[1].rstrip("/")
    assert set(posts) == {
        f"mastodon:{host}:{n}"
        for n in ("113500000000000003", "113500000000000002", "113400000000000001", "113500000000000004")
    }
    assert posts[f"mastodon:{host}:113500000000000002"]["repost_of"] == f"mastodon:{host}:113400000000000001"
    assert {post["source"] for post in posts.values()} == {"mastodon"}


def test_cookie_comes_from_the_environment_and_is_never_printed(
    httpserver: HTTPServer, quiet_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet_env.setenv("YUQING_WEIBO_COOKIE", "SUB=_2A25secret; SUBP=0033WrSXq")
    httpserver.expect_request("/weibo", headers={"Cookie": "SUB=_2A25secret; SUBP=0033WrSXq"}).respond_with_data(
        fixture_bytes("search/page3.html"), content_type=HTML
    )
    out = tmp_path / "posts.jsonl"
    code = main(
        ["-v", "collect", "--source", "weibo-search", "--keyword", "XX", "--base-url", httpserver.url_for("/"),
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    assert len(_lines(out)) == 1
    captured = capsys.readouterr()
    assert "_2A25secret" not in captured.err + captured.out
