"""Sending the briefing to a brand's briefing route, and `yuqing report` from the command line."""

from __future__ import annotations

import json
import socket
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.exceptions import NotConfigured
from pipeline.report.deliver import briefing_brands, send_daily_briefing
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.report.helpers import demo_posts

WATCHLIST = """
brands:
  - name: 蒙牛
    briefing_route: pr
  - name: 小米
routes:
  default:
    channels: [console]
  pr:
    channels: [briefings]
channels:
  console:
    type: console
  briefings:
    type: file
    path: {path}
"""


@pytest.fixture
def configured(env: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    database = tmp_path / "yuqing.db"
    store = SQLiteStore(database)
    store.upsert_posts(demo_posts())
    store.close()
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST.format(path=tmp_path / "briefings.jsonl"), encoding="utf-8")
    env.setenv("YUQING_DB_PATH", str(database))
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    return Settings()


def test_briefing_goes_to_the_brands_route(configured: Settings, tmp_path: Path) -> None:
    assert briefing_brands(configured) == ["蒙牛"]
    assert send_daily_briefing(configured, "蒙牛", date(2026, 11, 22)) == "舆情日报 蒙牛 2026-11-22"
    (line,) = (tmp_path / "briefings.jsonl").read_text(encoding="utf-8").splitlines()
    message = json.loads(line)
    assert message["subject"] == "舆情日报 蒙牛 2026-11-22"
    assert "## 热门投诉\n" in message["text"] and "Top complaints" not in message["text"]
    with pytest.raises(NotConfigured, match="no briefing_route"):
        send_daily_briefing(configured, "小米", date(2026, 11, 22))


def test_report_command_writes_html_and_markdown(
    configured: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "briefing.html"
    assert main(["report", "--brand", "蒙牛", "--date", "2026-11-22", "--out", str(out)]) == 0
    page = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert page.find("section", id="emerging-terms") is not None
    assert "7 mentions on 2026-11-22" in capsys.readouterr().err
    assert main(["report", "--brand", "蒙牛", "--date", "2026-11-22", "--format", "md", "--store", "sqlite"]) == 0
    assert capsys.readouterr().out.startswith("# 舆情日报 蒙牛 2026-11-22")
    assert main(["report", "--brand", "蒙牛", "--date", "22.11.2026"]) == 2
    assert "--date must look like" in capsys.readouterr().err


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


def test_email_carries_the_html_edition_with_its_charts(
    configured: Settings, env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    watchlist = tmp_path / "mail-watchlist.yaml"
    watchlist.write_text(
        "brands:\n  - name: 蒙牛\n    briefing_route: pr\nroutes:\n  default:\n    channels: [mail]\n"
        "  pr:\n    channels: [mail]\nchannels:\n  mail:\n    type: email\n    smtp_host: 127.0.0.1\n"
        f"    smtp_port: {port}\n    sender: yuqing@example.com\n    recipients: [pr@example.com]\n",
        encoding="utf-8",
    )
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_daily_briefing(Settings(), "蒙牛", date(2026, 11, 22))
    finally:
        controller.stop()
    (mail,) = inbox.messages
    assert mail["Subject"] == "舆情日报 蒙牛 2026-11-22"
    html_part = mail.get_body(preferencelist=("html",))
    assert html_part is not None
    page = BeautifulSoup(html_part.get_content(), "html.parser")
    assert [image["src"][:22] for image in page.find_all("img")] == ["data:image/png;base64,"] * 3
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None and "## 概览\n" in plain.get_content()


def test_briefing_in_english_when_configured(
    configured: Settings, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("YUQING_LANGUAGE", "en")
    assert send_daily_briefing(Settings(), "蒙牛", date(2026, 11, 22)) == "Daily briefing: 蒙牛, 2026-11-22"
    (line,) = (tmp_path / "briefings.jsonl").read_text(encoding="utf-8").splitlines()
    message = json.loads(line)
    assert "## Top complaints\n" in message["text"] and "热门投诉" not in message["text"]
    assert main(["report", "--brand", "蒙牛", "--date", "2026-11-22", "--format", "md"]) == 0
    assert capsys.readouterr().out.startswith("# Daily briefing: 蒙牛, 2026-11-22\n\n## Summary\n")
