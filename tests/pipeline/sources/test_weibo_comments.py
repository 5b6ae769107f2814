from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
import requests
from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.config import Settings, WeiboSettings
from pipeline.exceptions import ParseError, RateLimited
from pipeline.models import SHANGHAI
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.weibo_comments import WeiboCommentSource, comment_text
from tests.pipeline.sources.helpers import JSON, fixture_bytes

HOTFLOW = "/comments/hotflow"
LEGACY = "/api/comments/show"
MID = "5240000000000001"
COMPLAINT = f"weibo:{MID}"
CURSOR = "139000000000012"


def serve_hotflow(httpserver: HTTPServer, page2: tuple[bytes, int] | None = None) -> None:
    """Hotflow in two pages joined by the cursor; `page2` replaces the second answer (body, status)."""

    def handler(request: Request) -> Response:
        assert request.args["id"] == MID and request.args["mid"] == MID
        assert request.args["max_id_type"] == "0"
        if "max_id" not in request.args:
            return Response(fixture_bytes("comments/hotflow_page1.json"), content_type=JSON)
        assert request.args["max_id"] == CURSOR
        body, status = page2 or (fixture_bytes("comments/hotflow_page2.json"), 200)
        return Response(body, status=status, content_type=JSON)

    httpserver.expect_request(HOTFLOW).respond_with_handler(handler)


def serve_legacy(httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        assert request.args["id"] == MID
        return Response(fixture_bytes(f"comments/legacy_page{request.args['page']}.json"), content_type=JSON)

    httpserver.expect_request(LEGACY).respond_with_handler(handler)


def source(
    base_url: str,
    fetcher: PoliteFetcher,
    settings: WeiboSettings,
    *,
    max_pages: int = 5,
    post_budget_s: float = 30.0,
    monotonic: Callable[[], float] = time.monotonic,
) -> WeiboCommentSource:
    return WeiboCommentSource(
        requests.Session(),
        settings,
        sleep=lambda _s: None,
        base_url=base_url,
        fetcher=fetcher,
        max_pages=max_pages,
        post_budget_s=post_budget_s,
        monotonic=monotonic,
    )


def paths(httpserver: HTTPServer) -> list[str]:
    return [request.path for request, _response in httpserver.log]


def test_two_hotflow_pages_joined_by_the_cursor(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    serve_hotflow(httpserver)
    thread = source(base_url, fetcher, weibo_settings).fetch(COMPLAINT)
    assert [comment.id for comment in thread.comments] == [
        "5240000000100001",
        "5240000000100011",  # inline replies follow the comment they sit under
        "5240000000100012",
        "5240000000100002",
        "5240000000100003",
        "5240000000100004",  # 5240000000100001 again on page 2 is not kept twice
    ]
    assert thread.complete and thread.stopped == "" and thread.stopped_by is None
    assert (thread.pages, thread.endpoint, thread.total_number) == (2, "hotflow", 5)
    assert paths(httpserver) == [HOTFLOW, HOTFLOW]
    first_request = httpserver.log[0][0]
    assert "max_id" not in first_request.args
    assert first_request.headers["Referer"] == f"{base_url}/detail/{MID}"
    assert first_request.headers["X-Requested-With"] == "XMLHttpRequest"


def test_comment_fields_and_inline_replies(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    serve_hotflow(httpserver)
    comments = {comment.id: comment for comment in source(base_url, fetcher, weibo_settings).fetch(MID).comments}
    first = comments["5240000000100001"]
    assert (first.author_uid, first.author_name, first.reply_to_uid) == ("5001", "路过的", None)
    assert first.text == "同样遇到了，快递三天没动[怒]"
    assert first.created_at == datetime(2026, 12, 5, 10, 5, tzinfo=SHANGHAI)
    service = comments["5240000000100011"]
    assert (service.author_uid, service.author_name) == ("1400000002", "顺丰客服")
    assert service.reply_to_uid == "5001"  # the author of the comment it sits under
    assert service.text == "回复@路过的:您好，请私信运单号，我们马上核实"
    assert comments["5240000000100012"].reply_to_uid == "1400000002"  # names its target in reply_comment
    official = comments["5240000000100003"]
    assert official.text == "@投诉的小王 您好，已为您加急处理，请留意来电"
    assert official.created_at.utcoffset() is not None


def test_hostile_comment_html_becomes_plain_text() -> None:
    hostile = (
        "<script>alert('x')</script><img src=x onerror=alert(1)>太差了"
        '<a href="javascript:alert(2)">点我</a> &lt;b&gt;加粗&lt;/b&gt;<STYLE>body{display:none}</style >'
    )
    # Escaped tags are what the commenter typed: they stay as characters, never become markup.
    assert comment_text(hostile) == "太差了点我 <b>加粗</b>"


def test_hostile_comment_from_the_server_is_stored_without_markup(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    serve_hotflow(httpserver)
    comments = {comment.id: comment for comment in source(base_url, fetcher, weibo_settings).fetch(MID).comments}
    text = comments["5240000000100002"].text
    assert text == "太差了点我 <b>加粗</b>"
    for trace in ("script", "alert", "onerror", "javascript", "display", "<img", "<a "):
        assert trace not in text


@pytest.mark.parametrize(
    ("body", "status"), [(b"", 403), (fixture_bytes("comments/hotflow_empty.json"), 200), (b'{"ok":1,"data":{}}', 200)]
)
def test_hotflow_403_or_nothing_falls_back_to_the_legacy_endpoint(
    httpserver: HTTPServer,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    body: bytes,
    status: int,
) -> None:
    httpserver.expect_request(HOTFLOW).respond_with_data(body, status=status, content_type=JSON)
    serve_legacy(httpserver)
    thread = source(base_url, fetcher, weibo_settings).fetch(COMPLAINT)
    assert thread.endpoint == "legacy" and thread.complete
    assert [comment.id for comment in thread.comments] == ["5240000000200003", "5240000000200002", "5240000000200001"]
    assert paths(httpserver) == [HOTFLOW, LEGACY, LEGACY]  # "max": 2 ends the legacy pages
    assert [request.args["page"] for request, _ in httpserver.log[1:]] == ["1", "2"]
    assert httpserver.log[1][0].headers["Referer"] == f"{base_url}/detail/{MID}"
    reply = thread.comments[0]
    # The legacy reply names the answered comment by id only; it was read on page 2, so its author is known.
    assert (reply.author_uid, reply.reply_to_uid) == ("1400000002", "4001")
    assert thread.comments[2].text == "还没人管吗[哭]"


@pytest.mark.parametrize(("body", "status"), [(fixture_bytes("mobile/rate_limited.json"), 200), (b"", 418), (b"", 403)])
def test_a_block_mid_thread_keeps_what_was_read_and_marks_it_partial(
    httpserver: HTTPServer,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    body: bytes,
    status: int,
) -> None:
    serve_hotflow(httpserver, page2=(body, status))
    thread = source(base_url, fetcher, weibo_settings).fetch(COMPLAINT)
    assert len(thread.comments) == 4  # page 1 with its inline replies
    assert not thread.complete and thread.stopped == "rate_limited"
    assert isinstance(thread.stopped_by, RateLimited)
    assert paths(httpserver) == [HOTFLOW, HOTFLOW]  # no fallback once hotflow has answered


def test_a_block_on_the_first_page_reads_nothing(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    httpserver.expect_request(HOTFLOW).respond_with_data(b"", status=418)
    thread = source(base_url, fetcher, weibo_settings).fetch(COMPLAINT)
    assert (thread.comments, thread.pages, thread.complete) == ([], 0, False)
    assert isinstance(thread.stopped_by, RateLimited)
    assert paths(httpserver) == [HOTFLOW]


def test_the_page_budget_cuts_the_thread(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    serve_hotflow(httpserver)
    thread = source(base_url, fetcher, weibo_settings, max_pages=1).fetch(COMPLAINT)
    assert (len(thread.comments), thread.complete, thread.stopped) == (4, False, "page budget")
    assert thread.stopped_by is None
    assert paths(httpserver) == [HOTFLOW]


def _ticks(step: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step


@pytest.mark.parametrize("budget_s", [None, 5.0])
def test_the_time_budget_cuts_the_thread(
    httpserver: HTTPServer,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    budget_s: float | None,
) -> None:
    serve_hotflow(httpserver)
    clock = _ticks(10.0)  # every reading of the clock is 10 s later: the first page spends the budget
    reader = source(
        base_url, fetcher, weibo_settings, post_budget_s=30.0 if budget_s else 8.0, monotonic=lambda: next(clock)
    )
    thread = reader.fetch(COMPLAINT, budget_s=budget_s)
    assert (len(thread.comments), thread.complete, thread.stopped) == (4, False, "time budget")
    assert paths(httpserver) == [HOTFLOW]


def test_enough_time_reads_everything(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    serve_hotflow(httpserver)
    clock = _ticks(1.0)
    thread = source(base_url, fetcher, weibo_settings, monotonic=lambda: next(clock)).fetch(COMPLAINT, budget_s=5.0)
    assert thread.complete and len(thread.comments) == 6


def test_ok_1_without_a_comment_list_later_on_is_a_format_change(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    serve_hotflow(httpserver, page2=(b'{"ok":1,"data":{"max_id":0,"data":{"1":"x"}}}', 200))
    with pytest.raises(ParseError, match="format change: hotflow data without a data list"):
        source(base_url, fetcher, weibo_settings).fetch(COMPLAINT)


def test_unreadable_comments_are_counted_and_skipped(
    httpserver: HTTPServer, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    body = (
        b'{"ok":1,"data":{"max_id":0,"max_id_type":0,"data":['
        b'{"id":"1","created_at":"Sat Dec 05 10:00:00 +0800 2026","text":"ok","user":{"id":7,"screen_name":"a"}},'
        b'{"id":"2","created_at":"Sat Dec 05 10:00:00 +0800 2026","text":"deleted user","user":null},'
        b'{"id":"3","created_at":"someday","text":"bad time","user":{"id":8}},'
        b'"not an object"]}}'
    )
    httpserver.expect_request(HOTFLOW).respond_with_data(body, content_type=JSON)
    reader = source(base_url, fetcher, weibo_settings)
    thread = reader.fetch(COMPLAINT)
    assert [comment.id for comment in thread.comments] == ["1"]
    assert thread.unreadable == 3 and reader.summary.failed["comment_unreadable"] == 3
    assert thread.complete  # skipping a broken comment is not a cut list


def test_the_post_id_must_be_a_weibo_id(fetcher: PoliteFetcher, weibo_settings: WeiboSettings) -> None:
    with pytest.raises(ValueError, match="post id"):
        source("http://127.0.0.1:9", fetcher, weibo_settings).fetch("mastodon:x:1")


def test_from_settings_takes_the_cookie_and_host_of_the_settings(
    httpserver: HTTPServer, base_url: str, settings: Settings
) -> None:
    serve_hotflow(httpserver)
    configured = settings.model_copy(
        update={
            "weibo_cookie": SecretStr("SUB=abc"),
            "weibo": WeiboSettings(delay_s=0, jitter_s=0, mobile_base_url=base_url),
        }
    )
    reader = WeiboCommentSource.from_settings(configured, http=requests.Session(), sleep=lambda _s: None)
    assert len(reader.fetch(COMPLAINT).comments) == 6
    assert httpserver.log[0][0].headers["Cookie"] == "SUB=abc"
