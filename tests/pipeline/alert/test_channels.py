from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote_plus

import pytest
from pytest_httpserver import HTTPServer

from pipeline.alert.dingtalk import DingTalkAlerter
from pipeline.alert.email import EmailAlerter
from pipeline.alert.feishu import FeishuAlerter
from pipeline.alert.render import render
from pipeline.alert.slack import SlackAlerter
from pipeline.alert.webhook import WebhookAlerter
from pipeline.alert.wecom import WeComAlerter
from pipeline.config import ChannelConfig
from pipeline.exceptions import AlertDeliveryError
from tests.pipeline.alert.conftest import NOTIFICATION

FROZEN = 1_763_780_000.123  # seconds since the epoch
MESSAGE = render(NOTIFICATION)


def _body(server: HTTPServer) -> Any:
    ((request, _response),) = server.log
    return json.loads(request.get_data(as_text=True))


def _lines(content: str) -> str:
    """SMTP carries CRLF line ends; compare the text itself."""
    return content.replace("\r\n", "\n").rstrip("\n")


def test_message_says_why_and_links_top_posts() -> None:
    assert MESSAGE.subject == "[P1] New incident: spreading post about 蒙牛 (safety)"
    assert NOTIFICATION["reason"] in MESSAGE.text
    for url in NOTIFICATION["urls"]:
        assert url in MESSAGE.text and url in MESSAGE.markdown and url in (MESSAGE.html or "")
    assert "Predicted reposts within 24 h: 1,520" in MESSAGE.text


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
    from tests.pipeline.alert.conftest import free_port

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
