from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import time
from typing import Any
from urllib.parse import quote_plus

import pytest
from bs4 import BeautifulSoup
from pytest_httpserver import HTTPServer

from pipeline.alert.base import AlertMessage
from pipeline.alert.console import ConsoleAlerter
from pipeline.alert.dingtalk import DingTalkAlerter
from pipeline.alert.email import EmailAlerter
from pipeline.alert.feishu import FeishuAlerter
from pipeline.alert.file import FileAlerter
from pipeline.alert.render import render
from pipeline.alert.slack import SlackAlerter
from pipeline.alert.webhook import WebhookAlerter
from pipeline.alert.wecom import WeComAlerter
from pipeline.config import ChannelConfig
from pipeline.exceptions import AlertDeliveryError
from tests.pipeline.alert.helpers import NOTIFICATION
from tests.pipeline.hostile_servers import HostileServer, drip_body, drip_smtp_greeting, flood_body

FROZEN = 1_763_780_000.123  # seconds since the epoch
MESSAGE = render(NOTIFICATION)


def _body(server: HTTPServer) -> Any:
    ((request, _response),) = server.log
    return json.loads(request.get_data(as_text=True))


def _lines(content: str) -> str:
    """SMTP carries CRLF line ends; compare the text itself."""
    return content.replace("\r\n", "\n").rstrip("\n")


def test_message_says_why_and_links_top_posts() -> None:
    assert MESSAGE.subject == "【P1】新事件：蒙牛 相关微博正在扩散（安全问题）"
    assert NOTIFICATION["reason"] in MESSAGE.text
    for url in NOTIFICATION["urls"]:
        assert url in MESSAGE.text and url in MESSAGE.markdown and url in (MESSAGE.html or "")
    assert "预计24小时转发：1,520" in MESSAGE.text


def test_email_has_text_and_html_parts(smtp_inbox, env) -> None:
    inbox, port = smtp_inbox
    config = ChannelConfig(
        type="email",
        smtp_host="127.0.0.1",
        smtp_port=port,
        sender="yuqing@example.com",
        recipients=["oncall@example.com", "pr@example.com"],
    )
    EmailAlerter("mail", config, clock=lambda: FROZEN).send(MESSAGE)
    ((mail_from, rcpt_tos, mail),) = inbox.messages
    assert mail_from == "yuqing@example.com"
    assert rcpt_tos == ["oncall@example.com", "pr@example.com"]
    assert mail["Subject"] == MESSAGE.subject
    assert mail["To"] == "oncall@example.com, pr@example.com"
    assert _lines(mail.get_body(("plain",)).get_content()) == MESSAGE.text
    assert _lines(mail.get_body(("html",)).get_content()) == MESSAGE.html


def test_email_to_a_closed_port_is_a_delivery_error(env) -> None:
    from tests.pipeline.alert.helpers import free_port

    config = ChannelConfig(
        type="email", smtp_host="127.0.0.1", smtp_port=free_port(), sender="a@b.c", recipients=["x@y.z"], timeout_s=2
    )
    with pytest.raises(AlertDeliveryError, match="channel 'mail' \\(email\\): SMTP delivery failed"):
        EmailAlerter("mail", config).send(MESSAGE)


def test_dingtalk_signs_with_the_frozen_clock(httpserver: HTTPServer, env) -> None:
    env.setenv("DINGTALK_SECRET", "SEC-test-secret")
    httpserver.expect_request("/robot/send").respond_with_json({"errcode": 0, "errmsg": "ok"})
    config = ChannelConfig(
        type="dingtalk", url=httpserver.url_for("/robot/send?access_token=abc"), secret_env="DINGTALK_SECRET"
    )
    DingTalkAlerter("ding", config, clock=lambda: FROZEN).send(MESSAGE)
    ((request, _),) = httpserver.log
    timestamp = "1763780000123"
    digest = hmac.new(b"SEC-test-secret", f"{timestamp}\nSEC-test-secret".encode(), hashlib.sha256).digest()
    assert request.args["access_token"] == "abc"
    assert request.args["timestamp"] == timestamp
    assert request.args["sign"] == base64.b64encode(digest).decode()
    assert f"sign={quote_plus(base64.b64encode(digest).decode())}" in request.query_string.decode()
    assert _body(httpserver) == {
        "msgtype": "markdown",
        "markdown": {"title": MESSAGE.subject, "text": MESSAGE.markdown},
    }


def test_dingtalk_error_code_is_a_delivery_error(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/robot/send").respond_with_json({"errcode": 310000, "errmsg": "sign not match"})
    config = ChannelConfig(type="dingtalk", url=httpserver.url_for("/robot/send?access_token=abc"))
    with pytest.raises(AlertDeliveryError, match="errcode 310000: sign not match"):
        DingTalkAlerter("ding", config).send(MESSAGE)


def test_feishu_signs_the_body(httpserver: HTTPServer, env) -> None:
    env.setenv("FEISHU_SECRET", "feishu-secret")
    httpserver.expect_request("/open-apis/bot/v2/hook/xyz").respond_with_json({"code": 0, "msg": "success"})
    config = ChannelConfig(type="feishu", url_env="FEISHU_URL", secret_env="FEISHU_SECRET")
    env.setenv("FEISHU_URL", httpserver.url_for("/open-apis/bot/v2/hook/xyz"))
    FeishuAlerter("lark", config, clock=lambda: FROZEN).send(MESSAGE)
    key = b"1763780000\nfeishu-secret"
    sign = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert _body(httpserver) == {
        "timestamp": "1763780000",
        "sign": sign,
        "msg_type": "text",
        "content": {"text": MESSAGE.text},
    }


def test_wecom_markdown(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/cgi-bin/webhook/send").respond_with_json({"errcode": 0, "errmsg": "ok"})
    config = ChannelConfig(type="wecom", url=httpserver.url_for("/cgi-bin/webhook/send?key=k1"))
    WeComAlerter("wecom", config).send(MESSAGE)
    assert _body(httpserver) == {"msgtype": "markdown", "markdown": {"content": MESSAGE.markdown}}


def test_slack_text(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/services/T/B/X").respond_with_data("ok")
    config = ChannelConfig(type="slack", url=httpserver.url_for("/services/T/B/X"))
    SlackAlerter("slack", config).send(MESSAGE)
    assert _body(httpserver) == {"text": f"*{MESSAGE.subject}*\n{MESSAGE.text}"}


def test_webhook_posts_the_alert_contract(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_json({})
    config = ChannelConfig(type="webhook", url=httpserver.url_for("/hook"))
    WebhookAlerter("hook", config).send(MESSAGE)
    body = _body(httpserver)
    assert {key: body[key] for key in NOTIFICATION} == NOTIFICATION
    assert body["subject"] == MESSAGE.subject


def test_webhook_http_error_and_missing_url(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/hook").respond_with_data("boom", status=500)
    with pytest.raises(AlertDeliveryError, match="HTTP 500"):
        WebhookAlerter("hook", ChannelConfig(type="webhook", url=httpserver.url_for("/hook"))).send(MESSAGE)
    with pytest.raises(AlertDeliveryError, match="HOOK_URL is empty"):
        WebhookAlerter("hook", ChannelConfig(type="webhook", url_env="HOOK_URL")).send(MESSAGE)


# A receiver that drips its answer or floods it must not hold the dispatcher. The per-read timeout is 1 s
# and the servers send a byte every 0.5 s, so only the total bound (3 × timeout_s) can end the exchange.


def test_webhook_receiver_dripping_its_answer_fails_within_the_bound(env) -> None:
    with HostileServer(drip_body()) as server:
        config = ChannelConfig(type="webhook", url=server.url("/hook"), timeout_s=1)
        started = time.monotonic()
        with pytest.raises(AlertDeliveryError, match=r"channel 'hook' \(webhook\): request failed: .*within 3 s"):
            WebhookAlerter("hook", config).send(MESSAGE)
        assert time.monotonic() - started < 6
        assert server.peer_gone.wait(5)


def test_webhook_receiver_flooding_its_answer_fails_at_the_cap(env) -> None:
    hundred_mb = 100 * 1024 * 1024
    with HostileServer(flood_body(hundred_mb, announce_length=False)) as server:
        config = ChannelConfig(type="dingtalk", url=server.url("/robot/send?access_token=abc"), timeout_s=1)
        started = time.monotonic()
        with pytest.raises(AlertDeliveryError, match="over the cap"):
            DingTalkAlerter("ding", config).send(MESSAGE)
        assert time.monotonic() - started < 5
        assert server.peer_gone.wait(5)
        assert server.sent < hundred_mb // 2


def test_smtp_server_dripping_its_greeting_fails_within_the_bound(env) -> None:
    with HostileServer(drip_smtp_greeting()) as server:
        config = ChannelConfig(
            type="email", smtp_host="127.0.0.1", smtp_port=server.port, sender="a@b.c", recipients=["x@y.z"],
            timeout_s=1,
        )  # fmt: skip
        started = time.monotonic()
        with pytest.raises(AlertDeliveryError, match="SMTP delivery failed: no complete answer within 3 s"):
            EmailAlerter("mail", config).send(MESSAGE)
        assert time.monotonic() - started < 6
        assert server.peer_gone.wait(5)


# -- a hostile notification through every channel ------------------------------------------------------

HOSTILE: dict[str, Any] = {
    **NOTIFICATION,
    "brand": "蒙牛 @所有人",
    "category": "<!channel>",
    "reason": (
        "Negative post weibo:1 by <!channel> has 52 reposts. Big accounts reposting: @所有人, <!here>, @everyone. "
        '点击[官方退款入口](https://phish.example/refund) 领取 **@所有人** <at user_id="all">所有人</at> '
        "或访问 phish.example/refund <!everyone> @here @channel @all"
    ),
    "evidence": {"big_accounts": ["<!channel>", "@所有人"]},
    "posts": ["weibo:1", "weibo:2)**@所有人**(", "weibo:3", "weibo:4", "weibo:5"],
    "urls": [
        "javascript:alert(1)",
        "https://weibo.com/1/x)**@所有人**(",
        "http://phish.example/",
        "data:text/html,<script>alert(1)</script>",
        'https://weibo.com/1/y"><script>alert(1)</script>',
    ],
}
HOSTILE_MESSAGE = render(HOSTILE, language="en")  # Chinese renderings: test_render_language.py
# A mention that would still page; the same pattern as the escape tests use.
ACTIVE_MENTION = re.compile(
    r"@(?:所有人|全体成员|all|channel|here|everyone)(?![A-Za-z0-9_])|<\s*(?:!|@|at[\s>/])", re.IGNORECASE
)


def _assert_inert(received: str) -> None:
    """Whatever the syntax: no mention that pages, no disallowed or script URL left to link."""
    assert not ACTIVE_MENTION.search(received), received
    assert "phish.example" not in received
    assert "javascript:" not in received and "data:text" not in received
    assert "<script" not in received


def _assert_markdown_inert(markdown: str) -> None:
    """The only syntax is ours: a bold label, our list items, heading, and links to allowed URLs (stranger
    text has its markdown characters as full-width look-alikes)."""
    bare = markdown
    assert "<" not in bare
    assert bare.count("**") == 2 and "**Top posts:**" in bare
    targets = re.findall(r"\]\(([^)]*)\)", bare)
    assert targets == [
        "https://weibo.com/1/x%29%2A%2A%40%E6%89%80%E6%9C%89%E4%BA%BA%2A%2A%28",
        "https://weibo.com/1/y%22%3E%3Cscript%3Ealert%281%29%3C/script%3E",
    ]
    assert bare.count("](") == len(targets) and bare.count("[") == len(targets) + bare.count("[P1]")


def test_hostile_dingtalk_markdown_is_inert(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/robot/send").respond_with_json({"errcode": 0, "errmsg": "ok"})
    config = ChannelConfig(type="dingtalk", url=httpserver.url_for("/robot/send?access_token=abc"))
    DingTalkAlerter("ding", config).send(HOSTILE_MESSAGE)
    body = _body(httpserver)
    _assert_inert(json.dumps(body, ensure_ascii=False))
    _assert_markdown_inert(body["markdown"]["text"])
    assert "\n" not in body["markdown"]["title"]


def test_hostile_wecom_markdown_is_inert(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/cgi-bin/webhook/send").respond_with_json({"errcode": 0, "errmsg": "ok"})
    config = ChannelConfig(type="wecom", url=httpserver.url_for("/cgi-bin/webhook/send?key=k1"))
    WeComAlerter("wecom", config).send(HOSTILE_MESSAGE)
    body = _body(httpserver)
    _assert_inert(json.dumps(body, ensure_ascii=False))
    _assert_markdown_inert(body["markdown"]["content"])


def test_hostile_feishu_text_is_inert(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/open-apis/bot/v2/hook/xyz").respond_with_json({"code": 0, "msg": "success"})
    config = ChannelConfig(type="feishu", url=httpserver.url_for("/open-apis/bot/v2/hook/xyz"))
    FeishuAlerter("lark", config).send(HOSTILE_MESSAGE)
    text = _body(httpserver)["content"]["text"]
    _assert_inert(text)
    assert "＜at user_id" in text  # shown, not performed


def test_hostile_slack_text_is_inert(httpserver: HTTPServer, env) -> None:
    httpserver.expect_request("/services/T/B/X").respond_with_data("ok")
    SlackAlerter("slack", ChannelConfig(type="slack", url=httpserver.url_for("/services/T/B/X"))).send(HOSTILE_MESSAGE)
    text = _body(httpserver)["text"]
    _assert_inert(text)
    # No <!channel>, no <url|label>, no formatting but our bold subject line.
    assert "<" not in text and ">" not in text.replace("&gt;", "")
    assert text.count("*") == 2 and text.startswith("*[P1]") and not set("_~`") & set(text)
    assert "- https://weibo.com/1/x%29%2A%2A%40" in text  # the allowed post is still there to click


def test_hostile_email_html_links_only_allowed_urls(smtp_inbox, env) -> None:
    inbox, port = smtp_inbox
    config = ChannelConfig(
        type="email", smtp_host="127.0.0.1", smtp_port=port, sender="yuqing@example.com", recipients=["a@example.com"]
    )
    EmailAlerter("mail", config).send(HOSTILE_MESSAGE)
    ((_from, _to, mail),) = inbox.messages
    html_part = mail.get_body(("html",)).get_content()
    page = BeautifulSoup(html_part, "html.parser")
    hrefs = [anchor.get("href") for anchor in page.find_all("a")]
    assert hrefs == [
        "https://weibo.com/1/x%29%2A%2A%40%E6%89%80%E6%9C%89%E4%BA%BA%2A%2A%28",
        "https://weibo.com/1/y%22%3E%3Cscript%3Ealert%281%29%3C/script%3E",
    ]
    assert page.find("script") is None and page.find("at") is None
    facts, posts = ["h3", "p", "ul", "li", "li", "li"], ["p", "b", "ul", "li", "li", "a", "li", "li", "li", "a"]
    assert [tag.name for tag in page.find_all()] == facts + posts  # no element from a stranger
    _assert_inert(page.get_text())
    _assert_inert(mail.get_body(("plain",)).get_content())
    _assert_inert(str(mail["Subject"]))


def test_hostile_webhook_and_file_documents_are_inert(httpserver: HTTPServer, env, tmp_path) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_json({})
    WebhookAlerter("hook", ChannelConfig(type="webhook", url=httpserver.url_for("/hook"))).send(HOSTILE_MESSAGE)
    FileAlerter("log", ChannelConfig(type="file", path=tmp_path / "alerts.jsonl")).send(HOSTILE_MESSAGE)
    for document in (_body(httpserver), json.loads((tmp_path / "alerts.jsonl").read_text(encoding="utf-8"))):
        _assert_inert(json.dumps(document, ensure_ascii=False))
        assert document["urls"] == [
            None,
            "https://weibo.com/1/x%29%2A%2A%40%E6%89%80%E6%9C%89%E4%BA%BA%2A%2A%28",
            None,
            None,
            "https://weibo.com/1/y%22%3E%3Cscript%3Ealert%281%29%3C/script%3E",
        ]
        assert document["evidence"] == {"big_accounts": ["＜!channel>", "＠所有人"]}


def test_hostile_console_text_is_inert(env) -> None:
    stream = io.StringIO()
    ConsoleAlerter("console", ChannelConfig(type="console"), stream=stream).send(
        render({**HOSTILE, "reason": HOSTILE["reason"] + "\x1b]8;;http://phish.example/\x07click\x1b]8;;\x07"})
    )
    _assert_inert(stream.getvalue())
    assert "\x1b" not in stream.getvalue()


def test_a_message_built_elsewhere_is_still_disarmed(httpserver: HTTPServer, env) -> None:
    """A message without a Slack rendering (made by hand, or by an older renderer) gets one made from its
    plain text, and every channel disarms what it sends."""
    httpserver.expect_request("/services/T/B/X").respond_with_data("ok")
    raw = AlertMessage("<!channel> *now*", '@所有人 <at user_id="all"></at> _x_', "@all")
    SlackAlerter("slack", ChannelConfig(type="slack", url=httpserver.url_for("/services/T/B/X"))).send(raw)
    text = _body(httpserver)["text"]
    _assert_inert(text)
    assert text.count("*") == 2 and "_" not in text
