from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.cli import main
from pipeline.config import WeiboSettings
from pipeline.exceptions import Captcha, LoginRequired, ParseError, RateLimited, Unparseable, VisitorWall
from pipeline.models import SHANGHAI
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.weibo_mobile import WeiboMobileSource, parse_getindex
from tests.pipeline.sources.helpers import HTML, JSON, fixture_bytes

SINCE = datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)
UNTIL = datetime(2026, 11, 22, 10, 7, tzinfo=SHANGHAI)
GETINDEX = "/api/container/getIndex"


def _source(base_url: str, fetcher: PoliteFetcher, settings: WeiboSettings, **options: Any) -> WeiboMobileSource:
    return WeiboMobileSource(requests.Session(), settings, base_url=base_url, fetcher=fetcher, **options)


def _serve_search(httpserver: HTTPServer, third_page: str = "mobile/end.json") -> None:
    pages = {"1": "mobile/getindex_page1.json", "2": "mobile/getindex_page2.json", "3": third_page}

    def handler(request: Request) -> Response:
        return Response(fixture_bytes(pages[request.args.get("page", "1")]), content_type=JSON)

    httpserver.expect_request(GETINDEX).respond_with_handler(handler)
    httpserver.expect_request("/statuses/extend", query_string={"id": "5230000000000011"}).respond_with_data(
        fixture_bytes("mobile/extend_5230000000000011.json"), content_type=JSON
    )


def test_parse_getindex_finds_type_9_cards_also_inside_type_11() -> None:
    import json

    page = parse_getindex(json.loads(fixture_bytes("mobile/getindex_page1.json")))
    assert [mblog.get("mid") for mblog in page.mblogs] == [
        "5230000000000011",
        "5230000000000012",
        "5230000000000013",
        "not-a-number",
    ]
    assert page.next_page == 2
    assert parse_getindex({"ok": 1, "data": {"cards": "nonsense"}}).mblogs == []


def test_search_pages_until_ok_0(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    _serve_search(httpserver)
    source = _source(base_url, fetcher, weibo_settings)
    posts = {post.id: post for post in source.search("XX充电宝", SINCE, UNTIL)}
    assert set(posts) == {
        "weibo:5230000000000011",
        "weibo:5230000000000012",
        "weibo:5229000000000010",
        "weibo:5230000000000013",
        "weibo:5230000000000014",
    }
    assert source.summary.duplicates == 1  # 5230000000000011 again on page 2
    assert source.summary.failed["card_unreadable"] == 1  # the card with a non-numeric mid
    requests_seen = [(request.path, request.args.get("page")) for request, _ in httpserver.log]
    assert requests_seen == [(GETINDEX, None), ("/statuses/extend", None), (GETINDEX, "2"), (GETINDEX, "3")]
    first = httpserver.log[0][0]
    assert first.args["containerid"] == "100103type=61&q=XX充电宝"
    assert first.headers["MWeibo-Pwa"] == "1"

    long_post = posts["weibo:5230000000000011"]
    assert long_post.text.startswith("XX充电宝又炸了[怒] 客服说是我的问题，让我自己承担损失。\n买了不到一个月")
    assert long_post.text.endswith("#XX充电宝#")
    assert long_post.extra["text_complete"] is True
    assert long_post.created_at == datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
    assert long_post.metrics.to_dict() == {"reposts": 15, "comments": 1_000_000, "likes": 3}
    assert long_post.author is not None and long_post.author.followers == 12_000
    assert long_post.extra["region"] == "广东"
    assert long_post.url == "https://weibo.com/2002/PbCdEfGhQ"

    repost = posts["weibo:5230000000000012"]
    assert repost.repost_of == "weibo:5229000000000010"
    original = posts["weibo:5229000000000010"]
    assert original.repost_of is None
    assert original.text == "XX充电宝用了三天就鼓包了\n大家小心"
    assert original.metrics.to_dict() == {"reposts": 15_000, "comments": 2100, "likes": 30_000}
    assert original.author is not None and original.author.verified_type == 3
    assert original.author.followers == 1_520_000

    orphan = posts["weibo:5230000000000013"]
    assert orphan.repost_of == "weibo:5229000000000020"  # the root id is known though its author is gone
    assert "weibo:5229000000000020" not in posts


def test_long_text_left_truncated_when_extend_is_off(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    _serve_search(httpserver)
    source = _source(base_url, fetcher, weibo_settings, fetch_long_text=False)
    post = next(iter(source.search("XX充电宝", SINCE, UNTIL, max_pages=1)))
    assert post.text == "XX充电宝又炸了[怒] 客服说是我的问题"
    assert post.extra["text_complete"] is False


def test_window_cut_stops_the_realtime_feed(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    _serve_search(httpserver)
    since = datetime(2026, 11, 22, 9, 59, tzinfo=SHANGHAI)
    posts = list(_source(base_url, fetcher, weibo_settings).search("XX充电宝", since, UNTIL))
    # 09:58:30 is before the window, and so its quoted original goes too.
    assert [post.id for post in posts] == ["weibo:5230000000000011"]
    later = datetime(2026, 11, 22, 10, 1, tzinfo=SHANGHAI)
    assert list(_source(base_url, fetcher, weibo_settings).search("XX充电宝", later, UNTIL)) == []
    getindex_pages = [request.args.get("page") for request, _ in httpserver.log if request.path == GETINDEX]
    # First run: page 2 still had an in-window post, page 3 said ok:0; second run: page 1 was all older.
    assert getindex_pages == [None, "2", "3", None]


@pytest.mark.parametrize(
    ("body", "status", "content_type", "error"),
    [
        (fixture_bytes("mobile/login_required.json"), 200, JSON, LoginRequired),
        (b"", 432, "text/plain", RateLimited),
        (b"", 418, "text/plain", RateLimited),
        (fixture_bytes("mobile/rate_limited.json"), 200, JSON, RateLimited),
        (fixture_bytes("mobile/captcha.json"), 200, JSON, Captcha),
        (fixture_bytes("blocks/visitor_wall.html"), 200, HTML, VisitorWall),
        (fixture_bytes("mobile/malformed.json"), 200, JSON, Unparseable),
    ],
)
def test_blocks_and_broken_answers_raise(
    httpserver: HTTPServer,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    body: bytes,
    status: int,
    content_type: str,
    error: type[Exception],
) -> None:
    httpserver.expect_request(GETINDEX).respond_with_data(body, status=status, content_type=content_type)
    with pytest.raises(error):
        list(_source(base_url, fetcher, weibo_settings).search("XX", SINCE, UNTIL))


def test_end_of_results_is_empty_not_blocked(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request(GETINDEX).respond_with_data(fixture_bytes("mobile/end.json"), content_type=JSON)
    source = _source(base_url, fetcher, weibo_settings)
    assert list(source.search("XX", SINCE, UNTIL)) == []
    assert source.summary.pages == 1 and not source.summary.blocked


def test_redirect_on_the_api_is_not_followed(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request(GETINDEX).respond_with_data(
        "", status=302, headers={"Location": "https://passport.weibo.cn/signin/welcome?entry=mweibo"}
    )
    with pytest.raises(LoginRequired):
        list(_source(base_url, fetcher, weibo_settings).search("XX", SINCE, UNTIL))
    assert len(httpserver.log) == 1


def test_type_1_search_uses_its_container(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request(GETINDEX).respond_with_data(fixture_bytes("mobile/end.json"), content_type=JSON)
    list(_source(base_url, fetcher, weibo_settings, search_type="all").search("XX", SINCE, UNTIL))
    assert httpserver.log[0][0].args["containerid"] == "100103type=1&q=XX"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"ok":1}', "ok:1 without a data object"),
        (b'{"ok":1,"data":null}', "ok:1 without a data object"),
        (b'{"ok":1,"data":{"cardlistInfo":{"page":2}}}', "getIndex data without a cards list"),
    ],
)
def test_ok_1_without_its_data_is_a_format_change_not_zero_posts(
    httpserver: HTTPServer,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    body: bytes,
    problem: str,
) -> None:
    httpserver.expect_request(GETINDEX).respond_with_data(body, content_type=JSON)
    source = _source(base_url, fetcher, weibo_settings)
    with pytest.raises(ParseError, match=f"format change: {problem}") as raised:
        list(source.search("XX", SINCE, UNTIL))
    assert f"{base_url.split('//')[1]}{GETINDEX}" in str(raised.value)
    assert "containerid" not in str(raised.value)


def test_collect_reports_a_format_change_and_exits_non_zero(
    httpserver: HTTPServer, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {"DATA_DIR": str(tmp_path), "WEIBO__DELAY_S": "0", "WEIBO__JITTER_S": "0"}.items():
        env.setenv(f"YUQING_{name}", value)
    httpserver.expect_request(GETINDEX).respond_with_data(b'{"ok":1}', content_type=JSON)
    out = tmp_path / "posts.jsonl"
    code = main(
        ["collect", "--source", "weibo-mobile", "--keyword", "XX", "--base-url", httpserver.url_for("/"),
         "--out", str(out)]
    )  # fmt: skip
    assert code != 0
    err = capsys.readouterr().err
    host = httpserver.url_for("/").split("//")[1].rstrip("/")
    assert f"weibo-mobile: unparseable at {host}{GETINDEX}: format change: ok:1 without a data object" in err
    assert "containerid" not in err and "page_type" not in err


def test_a_format_change_after_good_pages_still_fails_the_run(
    httpserver: HTTPServer, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {"DATA_DIR": str(tmp_path), "WEIBO__DELAY_S": "0", "WEIBO__JITTER_S": "0"}.items():
        env.setenv(f"YUQING_{name}", value)
    pages = {"1": fixture_bytes("mobile/getindex_page1.json"), "2": b'{"ok":1}'}
    httpserver.expect_request(GETINDEX).respond_with_handler(
        lambda request: Response(pages[request.args.get("page", "1")], content_type=JSON)
    )
    httpserver.expect_request("/statuses/extend").respond_with_data(
        fixture_bytes("mobile/extend_5230000000000011.json"), content_type=JSON
    )
    out = tmp_path / "posts.jsonl"
    code = main(
        ["collect", "--source", "weibo-mobile", "--keyword", "XX充电宝", "--since", "2026-11-01T00:00+08:00",
         "--until", "2026-11-23T00:00+08:00", "--base-url", httpserver.url_for("/"), "--out", str(out)]
    )  # fmt: skip
    assert code == 1
    assert out.read_text(encoding="utf-8").count("\n") >= 1  # what came before is kept
    assert "FAILED (" in capsys.readouterr().err
