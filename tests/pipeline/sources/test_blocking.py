from __future__ import annotations

import pytest

from pipeline.exceptions import (
    AccountBanned,
    BotShell,
    Captcha,
    LoginRequired,
    RateLimited,
    VisitorWall,
)
from pipeline.sources.base import PageStatus, RawPage
from pipeline.sources.blocking import (
    ServerError,
    SiteBusy,
    Unparseable,
    classify_html,
    classify_json,
    decode_body,
    raise_for_page,
)
from tests.pipeline.sources.helpers import FETCHED, fixture_bytes


def _html(relative: str, http_status: int = 200, location: str = "") -> tuple[PageStatus, str]:
    text = decode_body(fixture_bytes(relative), "text/html; charset=utf-8")
    return classify_html(http_status, location, "https://s.weibo.com/weibo?q=x", text)


@pytest.mark.parametrize(
    ("relative", "status"),
    [
        ("blocks/legacy2017_busy_page.html", PageStatus.BUSY),
        ("blocks/legacy2017_blocked_page.html", PageStatus.ACCOUNT_BANNED),
        ("blocks/legacy2017_sso_login_error.html", PageStatus.LOGIN_REQUIRED),
        ("blocks/legacy2017_access_denied.html", PageStatus.CAPTCHA),
        ("blocks/visitor_wall.html", PageStatus.VISITOR_WALL),
        ("blocks/bot_shell.html", PageStatus.BOT_SHELL),
        ("blocks/rate_limited.html", PageStatus.RATE_LIMITED),
        ("blocks/login_page.html", PageStatus.LOGIN_REQUIRED),
        ("search/page1.html", PageStatus.OK),
        ("search/no_results.html", PageStatus.NO_RESULTS),
        ("search/empty_mid_pagination.html", PageStatus.OK),
    ],
)
def test_html_pages_are_classified(relative: str, status: PageStatus) -> None:
    assert _html(relative)[0] is status


@pytest.mark.parametrize(
    "relative",
    ["blocks/legacy2017_busy_page.html", "blocks/legacy2017_blocked_page.html"],
)
def test_gbk_pages_declaring_utf8_are_decoded(relative: str) -> None:
    raw = fixture_bytes(relative)
    assert b"charset=utf-8" in raw
    text = decode_body(raw, "text/html; charset=utf-8")
    assert "抱歉" in text
    assert "\ufffd" not in text


def test_page_cut_mid_character_stays_utf8() -> None:
    raw = "<title>微博搜索</title>充电宝".encode()[:-1]
    text = decode_body(raw, "text/html; charset=utf-8")
    assert text.startswith("<title>微博搜索</title>充电")


def test_post_text_with_block_words_is_still_a_result_page() -> None:
    page = fixture_bytes("search/page1.html").decode().replace("退货太难了", "收不到验证码，请求过于频繁")
    assert classify_html(200, "", "https://s.weibo.com/weibo", page)[0] is PageStatus.OK


@pytest.mark.parametrize(
    ("http_status", "location", "status"),
    [
        (302, "https://passport.weibo.com/visitor/visitor?entry=miniblog&a=enter", PageStatus.VISITOR_WALL),
        (302, "https://passport.weibo.com/sso/signin?entry=miniblog", PageStatus.LOGIN_REQUIRED),
        (302, "https://weibo.com/login.php", PageStatus.LOGIN_REQUIRED),
        (418, "", PageStatus.RATE_LIMITED),
        (429, "", PageStatus.RATE_LIMITED),
        (432, "", PageStatus.RATE_LIMITED),
        (401, "", PageStatus.LOGIN_REQUIRED),
        (502, "", PageStatus.SERVER_ERROR),
    ],
)
def test_http_signals_win_over_the_body(http_status: int, location: str, status: PageStatus) -> None:
    assert classify_json(http_status, location, "https://m.weibo.cn/api", "")[0] is status
    assert classify_html(http_status, location, "https://s.weibo.com/weibo", "")[0] is status


@pytest.mark.parametrize(
    ("relative", "status"),
    [
        ("mobile/getindex_page1.json", PageStatus.OK),
        ("mobile/end.json", PageStatus.END),
        ("mobile/login_required.json", PageStatus.LOGIN_REQUIRED),
        ("mobile/rate_limited.json", PageStatus.RATE_LIMITED),
        ("mobile/captcha.json", PageStatus.CAPTCHA),
        ("mobile/malformed.json", PageStatus.UNPARSEABLE),
        ("blocks/visitor_wall.html", PageStatus.VISITOR_WALL),
    ],
)
def test_json_responses_are_classified(relative: str, status: PageStatus) -> None:
    text = decode_body(fixture_bytes(relative), "application/json")
    assert classify_json(200, "", "https://m.weibo.cn/api/container/getIndex", text)[0] is status


def test_json_that_is_not_an_object_is_unparseable() -> None:
    assert classify_json(200, "", "https://m.weibo.cn/api", "[1, 2]")[0] is PageStatus.UNPARSEABLE


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (PageStatus.LOGIN_REQUIRED, LoginRequired),
        (PageStatus.VISITOR_WALL, VisitorWall),
        (PageStatus.CAPTCHA, Captcha),
        (PageStatus.BOT_SHELL, BotShell),
        (PageStatus.ACCOUNT_BANNED, AccountBanned),
        (PageStatus.RATE_LIMITED, RateLimited),
        (PageStatus.BUSY, SiteBusy),
        (PageStatus.SERVER_ERROR, ServerError),
        (PageStatus.UNPARSEABLE, Unparseable),
    ],
)
def test_every_unusable_status_raises_its_error(status: PageStatus, error: type[Exception]) -> None:
    page = RawPage(status, 200, "https://x/y", "https://x/y", b"", "", FETCHED, reason="why")
    with pytest.raises(error, match=status.value):
        raise_for_page(page)


@pytest.mark.parametrize("status", [PageStatus.OK, PageStatus.NO_RESULTS, PageStatus.EMPTY, PageStatus.END])
def test_usable_statuses_pass(status: PageStatus) -> None:
    raise_for_page(RawPage(status, 200, "https://x", "https://x", b"", "", FETCHED))
