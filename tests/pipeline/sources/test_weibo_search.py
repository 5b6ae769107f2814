from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.config import WeiboSettings
from pipeline.exceptions import (
    AccountBanned,
    BotShell,
    Captcha,
    LoginRequired,
    RateLimited,
    SiteBusy,
    Unparseable,
    VisitorWall,
)
from pipeline.models import SHANGHAI
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.weibo_search import (
    PROVINCE_CODES,
    SearchWindow,
    WeiboSearchSource,
    build_search_url,
    hour_window,
)
from tests.pipeline.sources.helpers import FETCHED, HTML, fixture_bytes, route_by_page

SINCE = datetime(2026, 11, 22, 8, 0, tzinfo=SHANGHAI)
UNTIL = datetime(2026, 11, 22, 10, 7, tzinfo=SHANGHAI)


def _source(base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings) -> WeiboSearchSource:
    return WeiboSearchSource(requests.Session(), weibo_settings, base_url=base_url, fetcher=fetcher)


def _three_pages() -> dict[str, tuple[bytes, str, int]]:
    return {str(n): (fixture_bytes(f"search/page{n}.html"), HTML, 200) for n in (1, 2, 3)}


def test_url_building() -> None:
    window = SearchWindow(SINCE, SINCE + timedelta(hours=1), province=44)
    url = build_search_url("https://s.weibo.com", "#XX充电宝#", window, page=3)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://s.weibo.com/weibo?q=%23XX")
    assert query["q"] == ["#XX充电宝#"]
    assert query["typeall"] == ["1"] and query["suball"] == ["1"]
    assert query["timescope"] == ["custom:2026-11-22-8:2026-11-22-9"]
    assert query["region"] == ["custom:44:1000"]
    assert query["page"] == ["3"]
    assert "page=" not in build_search_url("https://s.weibo.com", "x", window, page=1)
    original_only = parse_qs(urlsplit(build_search_url("https://s.weibo.com", "x", type_filter="original")).query)
    assert original_only["scope"] == ["ori"]


def test_hour_window_covers_the_request() -> None:
    window = hour_window(datetime(2026, 11, 22, 8, 30, tzinfo=SHANGHAI), UNTIL)
    assert window.timescope == "custom:2026-11-22-8:2026-11-22-11"
    assert hour_window(SINCE, SINCE).end == SINCE + timedelta(hours=1)


def test_paginates_to_the_last_page_and_dedups(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request("/weibo").respond_with_handler(route_by_page(_three_pages()))
    source = _source(base_url, fetcher, weibo_settings)
    posts = list(source.search("XX充电宝", SINCE, UNTIL))
    ids = [post.id for post in posts]
    assert len(ids) == len(set(ids)) == 9  # 8 cards + 1 quoted original; card 2 repeats on page 2
    assert source.summary.pages == 3
    assert source.summary.duplicates == 1
    assert source.summary.posts == 9
    pages = [request.args.get("page", "1") for request, _ in httpserver.log]
    assert pages == ["1", "2", "3"]
    first = httpserver.log[0][0]
    assert first.args["q"] == "XX充电宝"
    assert first.args["timescope"] == "custom:2026-11-22-8:2026-11-22-11"


def test_max_pages_is_respected(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request("/weibo").respond_with_handler(route_by_page(_three_pages()))
    list(_source(base_url, fetcher, weibo_settings).search("XX充电宝", SINCE, UNTIL, max_pages=2))
    assert len(httpserver.log) == 2


def test_empty_page_mid_pagination_does_not_stop(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    pages = _three_pages()
    pages["2"] = (fixture_bytes("search/empty_mid_pagination.html"), HTML, 200)
    httpserver.expect_request("/weibo").respond_with_handler(route_by_page(pages))
    posts = list(_source(base_url, fetcher, weibo_settings).search("XX充电宝", SINCE, UNTIL))
    assert "weibo:5230000000000008" in {post.id for post in posts}


def test_no_results_is_not_a_block(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request("/weibo").respond_with_data(fixture_bytes("search/no_results.html"), content_type=HTML)
    source = _source(base_url, fetcher, weibo_settings)
    assert list(source.search("XX充电宝爆炸门", SINCE, UNTIL)) == []
    assert source.summary.pages == 1 and not source.summary.blocked


@pytest.mark.parametrize(
    ("relative", "content_type", "error"),
    [
        ("blocks/visitor_wall.html", HTML, VisitorWall),
        ("blocks/bot_shell.html", HTML, BotShell),
        ("blocks/legacy2017_busy_page.html", HTML, SiteBusy),
        ("blocks/legacy2017_blocked_page.html", HTML, AccountBanned),
        ("blocks/legacy2017_access_denied.html", HTML, Captcha),
        ("blocks/legacy2017_sso_login_error.html", "text/html", LoginRequired),
        ("blocks/rate_limited.html", HTML, RateLimited),
    ],
)
def test_block_pages_raise_instead_of_no_results(
    httpserver: HTTPServer,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    relative: str,
    content_type: str,
    error: type[Exception],
) -> None:
    httpserver.expect_request("/weibo").respond_with_data(fixture_bytes(relative), content_type=content_type)
    with pytest.raises(error):
        list(_source(base_url, fetcher, weibo_settings).search("XX", SINCE, UNTIL))


def test_redirect_to_the_visitor_system_is_a_visitor_wall(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request("/weibo").respond_with_data(
        "", status=302, headers={"Location": "https://passport.weibo.com/visitor/visitor?entry=miniblog"}
    )
    with pytest.raises(VisitorWall, match=r"passport\.weibo\.com/visitor"):
        list(_source(base_url, fetcher, weibo_settings).search("XX", SINCE, UNTIL))


def test_block_on_a_later_page_keeps_the_posts_already_seen(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    pages = _three_pages()
    pages["2"] = (fixture_bytes("blocks/visitor_wall.html"), HTML, 200)
    httpserver.expect_request("/weibo").respond_with_handler(route_by_page(pages))
    seen = []
    with pytest.raises(VisitorWall):
        for post in _source(base_url, fetcher, weibo_settings).search("XX", SINCE, UNTIL):
            seen.append(post.id)
    assert len(seen) == 5


def test_unparseable_page_is_reported(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request("/weibo").respond_with_data("<html><body>hello</body></html>", content_type=HTML)
    with pytest.raises(Unparseable, match="not a search result page"):
        list(_source(base_url, fetcher, weibo_settings).search("XX", SINCE, UNTIL))


def _saturated_page() -> bytes:
    items = "".join(f'<li><a href="/weibo?page={n}">第{n}页</a></li>' for n in range(1, 51))
    page = fixture_bytes("search/page3.html").decode()
    start = page.index('<ul class="s-scroll">') + len('<ul class="s-scroll">')
    end = page.index("</ul>", start)
    return (page[:start] + items + page[end:]).encode()


def test_saturated_window_is_sliced_by_hour_then_by_province(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    saturated_hour = "custom:2026-11-22-9:2026-11-22-10"

    def handler(request: Request) -> Response:
        scope = request.args["timescope"]
        if scope == "custom:2026-11-22-8:2026-11-22-10" or (scope == saturated_hour and "region" not in request.args):
            return Response(_saturated_page(), content_type=HTML)
        if request.args.get("region") == "custom:44:1000":
            return Response(fixture_bytes("search/page1.html").replace(b"page=2", b"page=1"), content_type=HTML)
        return Response(fixture_bytes("search/no_results.html"), content_type=HTML)

    httpserver.expect_request("/weibo").respond_with_handler(handler)
    source = _source(base_url, fetcher, weibo_settings)
    until = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
    posts = list(source.search("XX充电宝", SINCE, until, max_pages=1))
    scopes = [(request.args["timescope"], request.args.get("region")) for request, _ in httpserver.log]
    assert scopes[0] == ("custom:2026-11-22-8:2026-11-22-10", None)
    assert ("custom:2026-11-22-8:2026-11-22-9", None) in scopes
    assert (saturated_hour, None) in scopes
    assert {region for scope, region in scopes if scope == saturated_hour and region} == {
        f"custom:{code}:1000" for code in PROVINCE_CODES
    }
    assert {post.id for post in posts} >= {"weibo:5230000000000001", "weibo:5230000000000004"}
    assert [window.timescope for window in source.saturated_windows] == [
        "custom:2026-11-22-8:2026-11-22-10",
        saturated_hour,
    ]


def test_window_split_steps() -> None:
    three_days = SearchWindow(SINCE, SINCE + timedelta(days=3))
    assert len(three_days.split()) == 3
    day = SearchWindow(SINCE, SINCE + timedelta(days=1))
    assert len(day.split()) == 24
    hour = SearchWindow(SINCE, SINCE + timedelta(hours=1))
    assert [part.province for part in hour.split()] == list(PROVINCE_CODES)
    assert SearchWindow(SINCE, SINCE + timedelta(hours=1), province=44).split() == []


def test_fetch_time_comes_from_the_injected_clock(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request("/weibo").respond_with_data(fixture_bytes("search/page3.html"), content_type=HTML)
    (post,) = _source(base_url, fetcher, weibo_settings).search("XX", SINCE, UNTIL, max_pages=1)
    assert post.fetched_at == FETCHED
    assert post.created_at == FETCHED - timedelta(hours=2)
