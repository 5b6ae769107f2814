from __future__ import annotations

from datetime import datetime

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.config import WeiboSettings
from pipeline.exceptions import LoginRequired, ParseError, RateLimited
from pipeline.models import SHANGHAI
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.weibo_reposts import WeiboRepostTimelineSource
from tests.pipeline.sources.helpers import JSON, fixture_bytes

TIMELINE = "/api/statuses/repostTimeline"
ROOT = "weibo:5229000000000010"


def _serve(httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        assert request.args["id"] == "5229000000000010"
        return Response(fixture_bytes(f"mobile/repost_timeline_page{request.args['page']}.json"), content_type=JSON)

    httpserver.expect_request(TIMELINE).respond_with_handler(handler)


def _source(base_url: str, fetcher: PoliteFetcher, settings: WeiboSettings) -> WeiboRepostTimelineSource:
    return WeiboRepostTimelineSource(
        requests.Session(), settings, sleep=lambda _s: None, base_url=base_url, fetcher=fetcher
    )


def test_reposts_with_times_and_follower_counts(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    _serve(httpserver)
    source = _source(base_url, fetcher, weibo_settings)
    reposts = list(source.fetch(ROOT, max_pages=5))
    assert [post.id for post in reposts] == [
        "weibo:5230000000000101",
        "weibo:5230000000000102",
        "weibo:5230000000000103",
    ]
    assert all(post.repost_of == ROOT for post in reposts)
    followers = {post.id: post.author.followers for post in reposts if post.author}
    assert followers == {
        "weibo:5230000000000101": 230,
        "weibo:5230000000000102": 1_521_000,
        "weibo:5230000000000103": 5,
    }
    assert reposts[1].created_at == datetime(2026, 11, 22, 10, 1, tzinfo=SHANGHAI)
    assert reposts[1].text == "太吓人了 //@原作者:XX充电宝"
    assert source.summary.duplicates == 1
    assert len(httpserver.log) == 2  # "max": 2 ends the timeline


def test_max_pages_caps_requests(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    _serve(httpserver)
    assert len(list(_source(base_url, fetcher, weibo_settings).fetch(ROOT, max_pages=1))) == 2
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [(fixture_bytes("mobile/login_required.json"), 200, LoginRequired), (b"", 432, RateLimited)],
)
def test_blocks_raise(
    httpserver: HTTPServer,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    body: bytes,
    status: int,
    error: type[Exception],
) -> None:
    httpserver.expect_request(TIMELINE).respond_with_data(body, status=status, content_type=JSON)
    with pytest.raises(error):
        list(_source(base_url, fetcher, weibo_settings).fetch(ROOT))


def test_end_of_timeline(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request(TIMELINE).respond_with_data(fixture_bytes("mobile/end.json"), content_type=JSON)
    assert list(_source(base_url, fetcher, weibo_settings).fetch(ROOT)) == []


def test_root_id_must_be_a_weibo_id(fetcher: PoliteFetcher, weibo_settings: WeiboSettings) -> None:
    with pytest.raises(ValueError, match="post id"):
        list(_source("http://127.0.0.1:9", fetcher, weibo_settings).fetch("mastodon:x:1"))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"ok":1}', "ok:1 without a data object"),
        (b'{"ok":1,"data":{"total_number":3}}', "repostTimeline data without a data list"),
    ],
)
def test_ok_1_without_its_data_is_a_format_change_not_an_empty_timeline(
    httpserver: HTTPServer,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    body: bytes,
    problem: str,
) -> None:
    httpserver.expect_request(TIMELINE).respond_with_data(body, content_type=JSON)
    with pytest.raises(ParseError, match=f"format change: {problem}") as raised:
        list(_source(base_url, fetcher, weibo_settings).fetch(ROOT))
    assert f"{base_url.split('//')[1]}{TIMELINE}:" in str(raised.value)
    assert "5229000000000010" not in str(raised.value)  # the query (id=...) stays out of the message
