from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.config import BrandConfig, OfficialAccount, WeiboSettings
from pipeline.models import SHANGHAI, Author, Complaint, Post
from pipeline.sources.brand_replies import (
    ResponseSummary,
    collect_responses,
    find_official_replies,
    merge_response,
)
from pipeline.sources.http import PoliteFetcher
from pipeline.sources.weibo_comments import Comment, WeiboCommentSource
from pipeline.sources.weibo_reposts import WeiboRepostTimelineSource
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.sources.helpers import JSON, fixture_bytes

HOTFLOW = "/comments/hotflow"
TIMELINE = "/api/statuses/repostTimeline"
MID_A, MID_B = "5240000000000001", "5240000000000002"
CHECKED = datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI)
OFFICIAL = OfficialAccount(uid="1400000001", name="顺丰速运")
SERVICE = OfficialAccount(uid="1400000002", name="顺丰客服", role="service")
BRAND = BrandConfig(name="顺丰", official_accounts=[OFFICIAL, SERVICE])
URL_A = f"https://weibo.com/4001/{MID_A}"


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=SHANGHAI)


def complaint(mid: str = MID_A, severity: int = 3, **changes: object) -> Post:
    post = Post(
        id=f"weibo:{mid}",
        text="顺丰快递三天没动，客服电话打不通",
        created_at=at(10, 0),
        source="weibo",
        url=f"https://weibo.com/4001/{mid}",
        author=Author(id="4001", name="投诉的小王", followers=310),
        brand="顺丰",
        complaint=Complaint(is_complaint=True, probability=0.93, severity=severity, category="delivery"),
    )
    return post.with_changes(**changes)


def hotflow_page(*comments: dict[str, object]) -> bytes:
    return json.dumps({"ok": 1, "data": {"data": list(comments), "total_number": len(comments), "max_id": 0}}).encode()


def a_comment(comment_id: str, uid: int, text: str, hour: int = 10, minute: int = 20) -> dict[str, object]:
    return {
        "id": comment_id,
        "created_at": f"Sat Dec 05 {hour:02d}:{minute:02d}:00 +0800 2026",
        "text": text,
        "user": {"id": uid, "screen_name": f"用户{uid}", "followers_count": 10},
        "comments": False,
    }


class Weibo:
    """The loopback m.weibo.cn: hotflow and repost timeline per post id; `pages[mid]` overrides hotflow."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.pages: dict[str, Callable[[Request], tuple[bytes, int]]] = {}
        httpserver.expect_request(HOTFLOW).respond_with_handler(self._hotflow)
        httpserver.expect_request(TIMELINE).respond_with_handler(self._timeline)
        self._server = httpserver

    def _hotflow(self, request: Request) -> Response:
        mid = request.args["id"]
        if mid in self.pages:
            body, status = self.pages[mid](request)
        elif mid == MID_A:
            page = 2 if "max_id" in request.args else 1
            body, status = fixture_bytes(f"comments/hotflow_page{page}.json"), 200
        else:
            body, status = hotflow_page(a_comment("5240000000900001", 5009, "路人评论")), 200
        return Response(body, status=status, content_type=JSON)

    def _timeline(self, request: Request) -> Response:
        if request.args["id"] == MID_A:
            return Response(fixture_bytes("comments/repost_timeline.json"), content_type=JSON)
        return Response(b'{"ok":0,"msg":"\\u8fd9\\u91cc\\u8fd8\\u6ca1\\u6709\\u5185\\u5bb9"}', content_type=JSON)

    def asked(self) -> list[tuple[str, str]]:
        return [(request.path, request.args["id"]) for request, _response in self._server.log]


@pytest.fixture
def weibo(httpserver: HTTPServer) -> Weibo:
    return Weibo(httpserver)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "yuqing.db")
    yield opened
    opened.close()


def comments_source(
    base_url: str, fetcher: PoliteFetcher, settings: WeiboSettings, max_pages: int = 5
) -> WeiboCommentSource:
    return WeiboCommentSource(
        requests.Session(), settings, sleep=lambda _s: None, base_url=base_url, fetcher=fetcher, max_pages=max_pages
    )


def reposts_source(base_url: str, fetcher: PoliteFetcher, settings: WeiboSettings) -> WeiboRepostTimelineSource:
    return WeiboRepostTimelineSource(
        requests.Session(), settings, sleep=lambda _s: None, base_url=base_url, fetcher=fetcher
    )


def run(
    complaints: list[Post],
    store: SQLiteStore,
    base_url: str,
    fetcher: PoliteFetcher,
    settings: WeiboSettings,
    *,
    reposts: bool = True,
    max_pages: int = 5,
    brand: BrandConfig = BRAND,
    budget_s: float = 60.0,
    min_severity: int = 0,
) -> ResponseSummary:
    return collect_responses(
        complaints,
        brand,
        comments_source(base_url, fetcher, settings, max_pages).fetch,
        reposts_source(base_url, fetcher, settings).fetch if reposts else None,
        store,
        CHECKED,
        budget_s,
        min_severity=min_severity,
    )


# --- which comments and posts are replies ---------------------------------------------------------------


def test_replies_by_the_brands_accounts_in_comments_and_posts() -> None:
    comments = [
        Comment("1", "5001", "路过的", "同样遇到了", at(10, 5)),
        Comment("2", "1400000002", "顺丰客服", "回复@路过的:请私信运单号", at(10, 40), reply_to_uid="5001"),
        Comment("3", "1400000001", "顺丰速运", "@投诉的小王 已加急", at(11, 30)),
    ]
    reposts = [
        repost("11", "1400000001", "转发微博", at(10, 10)),  # bare: not an answer
        repost("12", "1400000001", "@投诉的小王 转发微博", at(10, 15)),  # a mention is not words of its own
        repost("13", "1400000001", "您好，已私信您 //@路过的:同样遇到了", at(11, 0)),
        repost("14", "1400000002", "@投诉的小王", at(11, 10)),
        repost("15", "5001", "顶上去", at(10, 30)),  # not an account of the brand
        repost("16", "1400000002", "今天的天气真好", at(10, 50), repost_of=None),  # a post about something else
        repost("17", "1400000002", "转发微博 //@投诉的小王:太慢了", at(10, 55)),  # the author only in the chain
    ]
    replies = find_official_replies(comments, reposts, [OFFICIAL, SERVICE], author_name="投诉的小王", post_url=URL_A)
    assert [(reply.at.strftime("%H:%M"), reply.account_uid, reply.kind) for reply in replies] == [
        ("10:15", "1400000001", "mention"),
        ("10:40", "1400000002", "inline_reply"),
        ("11:00", "1400000001", "repost"),
        ("11:10", "1400000002", "mention"),
        ("11:30", "1400000001", "comment"),
    ]
    assert replies[2].text == "您好，已私信您"  # the account's own words, without the chain
    assert replies[2].url == "https://weibo.com/1400000001/13"
    assert replies[1].url == URL_A  # a comment is seen under the complaint
    assert replies[1].account_name == "顺丰客服"


def test_without_the_authors_name_a_bare_mention_is_no_answer() -> None:
    only_mention = [repost("14", "1400000002", "@投诉的小王", at(11, 10))]
    assert find_official_replies([], only_mention, [SERVICE]) == []
    assert find_official_replies([], only_mention, [OFFICIAL], author_name="投诉的小王") == []


def repost(post_id: str, uid: str, text: str, when: datetime, repost_of: str | None = f"weibo:{MID_A}") -> Post:
    return Post(
        id=f"weibo:{post_id}",
        text=text,
        created_at=when,
        source="weibo",
        url=f"https://weibo.com/{uid}/{post_id}",
        author=Author(id=uid, name=""),
        repost_of=repost_of,
    )


# --- collecting and storing ------------------------------------------------------------------------------


def test_one_response_record_per_complaint(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    summary = run([complaint()], store, base_url, fetcher, weibo_settings)
    record = store.get_record("response", f"weibo:{MID_A}")
    assert record == {
        "post_id": f"weibo:{MID_A}",
        "brand": "顺丰",
        "complaint_at": "2026-12-05T10:00:00+08:00",
        "severity": 3,
        "category": "delivery",
        "checked_at": "2026-12-05T12:00:00+08:00",
        "complete": True,
        "comments_read": 6,
        "first_reply_at": "2026-12-05T10:40:00+08:00",  # the bare 转发微博 at 10:10 is no answer
        "replies": [
            {
                "account_uid": "1400000002",
                "account_name": "顺丰客服",
                "kind": "inline_reply",
                "at": "2026-12-05T10:40:00+08:00",
                "text": "回复@路过的:您好，请私信运单号，我们马上核实",
                "url": URL_A,
            },
            {
                "account_uid": "1400000001",
                "account_name": "顺丰速运",
                "kind": "repost",
                "at": "2026-12-05T11:00:00+08:00",
                "text": "您好，已私信您，请查收[抱抱]",
                "url": "https://weibo.com/1400000001/QgMA81g2L",  # bid of 5240000000300003,
            },
            {
                "account_uid": "1400000002",
                "account_name": "顺丰客服",
                "kind": "mention",
                "at": "2026-12-05T11:10:00+08:00",
                "text": "@投诉的小王",
                "url": "https://weibo.com/1400000002/QgMA81g2M",
            },
            {
                "account_uid": "1400000001",
                "account_name": "顺丰速运",
                "kind": "comment",
                "at": "2026-12-05T11:30:00+08:00",
                "text": "@投诉的小王 您好，已为您加急处理，请留意来电",
                "url": URL_A,
            },
        ],
    }
    assert (summary.checked, summary.answered, summary.partial, summary.blocked) == (1, 1, 0, "")
    assert weibo.asked() == [(HOTFLOW, MID_A), (HOTFLOW, MID_A), (TIMELINE, MID_A)]


def test_a_partial_comment_list_is_stored_as_incomplete(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    summary = run([complaint()], store, base_url, fetcher, weibo_settings, reposts=False, max_pages=1)
    record = store.get_record("response", f"weibo:{MID_A}")
    assert record is not None
    assert (record["complete"], record["comments_read"]) == (False, 4)
    assert [reply["kind"] for reply in record["replies"]] == ["inline_reply"]
    assert summary.partial == 1 and summary.blocked == ""


def test_a_block_stops_the_run_keeps_what_was_read_and_is_reported(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    def blocked_on_page_2(request: Request) -> tuple[bytes, int]:
        if "max_id" in request.args:
            return fixture_bytes("mobile/rate_limited.json"), 200
        return fixture_bytes("comments/hotflow_page1.json"), 200

    weibo.pages[MID_A] = blocked_on_page_2
    complaints = [complaint(MID_B, severity=2), complaint(MID_A, severity=3)]  # the critical one goes first
    summary = run(complaints, store, base_url, fetcher, weibo_settings)
    record = store.get_record("response", f"weibo:{MID_A}")
    assert record is not None and record["complete"] is False and record["comments_read"] == 4
    assert record["first_reply_at"] == "2026-12-05T10:40:00+08:00"
    assert summary.blocked.startswith("rate_limited: ")
    assert (summary.checked, summary.partial, summary.left) == (1, 1, 1)
    assert store.get_record("response", f"weibo:{MID_B}") is None
    assert weibo.asked() == [(HOTFLOW, MID_A), (HOTFLOW, MID_A)]  # no reposts, nothing of the next complaint


def test_a_complaint_nobody_commented_on_is_checked_and_unanswered(
    weibo: Weibo,
    httpserver: HTTPServer,
    store: SQLiteStore,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
) -> None:
    weibo.pages[MID_B] = lambda _request: (hotflow_page(), 200)
    httpserver.expect_request("/api/comments/show").respond_with_data(
        '{"ok":0,"msg":"\\u8fd8\\u6ca1\\u6709\\u4eba\\u8bc4\\u8bba"}', content_type=JSON
    )
    summary = run([complaint(MID_B)], store, base_url, fetcher, weibo_settings)
    record = store.get_record("response", f"weibo:{MID_B}")
    assert record is not None  # read to the end, with nothing in it: a check, and no answer
    assert (record["complete"], record["comments_read"], record["replies"], record["first_reply_at"]) == (
        True,
        0,
        [],
        None,
    )
    assert (summary.checked, summary.answered, summary.partial) == (1, 0, 0)


def test_a_block_before_anything_was_read_writes_nothing(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    weibo.pages[MID_A] = lambda _request: (b"", 418)
    summary = run([complaint(MID_A), complaint(MID_B, severity=1)], store, base_url, fetcher, weibo_settings)
    assert store.list_records("response") == []
    assert summary.blocked.startswith("rate_limited: ") and summary.left == 1 and summary.checked == 0


def test_a_format_change_skips_that_complaint_and_names_it(
    weibo: Weibo,
    store: SQLiteStore,
    base_url: str,
    fetcher: PoliteFetcher,
    weibo_settings: WeiboSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    weibo.pages[MID_A] = lambda _request: (b'{"ok":1,"data":{"max_id":0,"data":"moved"}}', 200)
    with caplog.at_level(logging.WARNING, logger="pipeline.sources.brand_replies"):
        summary = run([complaint(MID_A), complaint(MID_B, severity=2)], store, base_url, fetcher, weibo_settings)
    assert any(f"weibo:{MID_A}" in message and "format change" in message for message in caplog.messages)
    assert store.get_record("response", f"weibo:{MID_A}") is None
    other = store.get_record("response", f"weibo:{MID_B}")
    assert other is not None and other["replies"] == [] and other["first_reply_at"] is None and other["complete"]
    assert summary.failed["format_change"] == 1 and summary.checked == 1 and summary.blocked == ""


def test_hostile_reply_text_is_stored_as_plain_text(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    hostile = '<script>fetch("//evil")</script>您好<img src=x onerror=alert(1)><a href="javascript:x()">详情</a>'
    weibo.pages[MID_A] = lambda _request: (hotflow_page(a_comment("5240000000100009", 1400000001, hostile)), 200)
    run([complaint()], store, base_url, fetcher, weibo_settings, reposts=False)
    record = store.get_record("response", f"weibo:{MID_A}")
    assert record is not None
    assert [reply["text"] for reply in record["replies"]] == ["您好详情"]


def test_a_later_check_merges_and_the_first_reply_never_moves_later(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    # An earlier check saw a reply at 10:20 that has since been deleted (and its comment list was cut).
    earlier = {
        "account_uid": "1400000001",
        "account_name": "顺丰速运",
        "kind": "comment",
        "at": "2026-12-05T10:20:00+08:00",
        "text": "已收到，马上处理",
        "url": URL_A,
    }
    store.put_record(
        "response",
        f"weibo:{MID_A}",
        {
            "post_id": f"weibo:{MID_A}",
            "brand": "顺丰",
            "complaint_at": "2026-12-05T10:00:00+08:00",
            "severity": 3,
            "category": "delivery",
            "checked_at": "2026-12-05T10:30:00+08:00",
            "complete": False,
            "comments_read": 1,
            "first_reply_at": "2026-12-05T10:20:00+08:00",
            "replies": [earlier],
        },
    )
    run([complaint()], store, base_url, fetcher, weibo_settings)
    record = store.get_record("response", f"weibo:{MID_A}")
    assert record is not None
    assert record["first_reply_at"] == "2026-12-05T10:20:00+08:00"
    assert [reply["at"][11:16] for reply in record["replies"]] == ["10:20", "10:40", "11:00", "11:10", "11:30"]
    assert record["replies"][0] == earlier
    assert (record["checked_at"], record["complete"], record["comments_read"]) == ("2026-12-05T12:00:00+08:00", True, 6)


def test_merge_moves_the_first_reply_earlier_dedupes_and_keeps_ten() -> None:
    def reply(minute: int) -> dict[str, str]:
        return {
            "account_uid": "1400000001",
            "account_name": "顺丰速运",
            "kind": "comment",
            "at": f"2026-12-05T11:{minute:02d}:00+08:00",
            "text": f"第{minute}条",
            "url": URL_A,
        }

    old = {"first_reply_at": "2026-12-05T11:30:00+08:00", "replies": [reply(30), reply(31)], "complete": True}
    new = {
        "first_reply_at": "2026-12-05T11:05:00+08:00",
        "replies": [reply(minute) for minute in range(5, 15)],
        "complete": False,
    }
    merged = merge_response(old, new)
    assert merged["first_reply_at"] == "2026-12-05T11:05:00+08:00"
    assert [item["at"][14:16] for item in merged["replies"]] == [f"{minute:02d}" for minute in range(5, 15)]
    assert merged["complete"] is False  # the latest check's own fields
    again = merge_response(merged, {**new, "first_reply_at": None, "replies": [reply(30)]})
    assert again["first_reply_at"] == "2026-12-05T11:05:00+08:00"
    assert len(again["replies"]) == 10 and reply(30) not in again["replies"]
    # An older time written in another offset still compares as a time, not as text.
    utc = merge_response({"first_reply_at": "2026-12-05T02:50:00+00:00", "replies": []}, new)
    assert utc["first_reply_at"] == "2026-12-05T02:50:00+00:00"


# --- which complaints are checked ------------------------------------------------------------------------


def test_only_complaints_worth_it_are_checked(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    not_worth = [
        complaint("5240000000000011", brand="蒙牛"),
        complaint("5240000000000012", complaint=Complaint(is_complaint=False, probability=0.1)),
        complaint("5240000000000013", severity=0),
        complaint("5240000000000014", author=Author(id="1400000002", name="顺丰客服")),
        complaint("5240000000000015", id="mastodon:social.example:1", source="mastodon"),
    ]
    summary = run([*not_worth, complaint(MID_B, severity=1)], store, base_url, fetcher, weibo_settings, min_severity=1)
    assert summary.skipped == {
        "other_brand": 1,
        "not_a_complaint": 1,
        "below_severity": 1,
        "own_account": 1,
        "not_weibo": 1,
    }
    assert {mid for _path, mid in weibo.asked()} == {MID_B}
    assert summary.checked == 1 and summary.answered == 0


def test_an_answered_complete_record_is_not_checked_again(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    run([complaint()], store, base_url, fetcher, weibo_settings)
    asked = len(weibo.asked())
    summary = run([complaint()], store, base_url, fetcher, weibo_settings)
    assert len(weibo.asked()) == asked
    assert summary.skipped["answered"] == 1 and summary.checked == 0


def test_a_brand_without_official_accounts_asks_nothing(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    summary = run([complaint()], store, base_url, fetcher, weibo_settings, brand=BrandConfig(name="顺丰"))
    assert weibo.asked() == [] and summary.skipped["no_official_accounts"] == 1


def test_the_run_budget_leaves_the_rest_for_the_next_run(
    weibo: Weibo, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    ticks = iter(float(second) for second in range(0, 1000, 40))  # each reading 40 s later
    summary = collect_responses(
        [complaint(MID_A), complaint(MID_B, severity=2), complaint("5240000000000003", severity=1)],
        BRAND,
        comments_source(base_url, fetcher, weibo_settings).fetch,
        None,
        store,
        CHECKED,
        60.0,
        monotonic=lambda: next(ticks),
    )
    assert (summary.checked, summary.left) == (1, 2)
    assert [record["post_id"] for record in store.list_records("response")] == [f"weibo:{MID_A}"]


def test_a_login_wall_on_the_reposts_keeps_the_comments_and_stops_the_run(
    httpserver: HTTPServer, store: SQLiteStore, base_url: str, fetcher: PoliteFetcher, weibo_settings: WeiboSettings
) -> None:
    # The repost timeline needs a cookie (weibo.md §3.1); without one it is a login wall, never "no reposts".
    httpserver.expect_request(TIMELINE).respond_with_data(
        fixture_bytes("mobile/login_required.json"), content_type=JSON
    )
    httpserver.expect_request(HOTFLOW).respond_with_data(
        hotflow_page(a_comment("5240000000100009", 1400000001, "您好，已私信")), content_type=JSON
    )
    summary = run([complaint(MID_A), complaint(MID_B, severity=2)], store, base_url, fetcher, weibo_settings)
    record = store.get_record("response", f"weibo:{MID_A}")
    assert record is not None and record["complete"] is False and record["first_reply_at"] is not None
    assert summary.blocked.startswith("login_required: ") and summary.left == 1 and summary.answered == 1
