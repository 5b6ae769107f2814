"""Channel type → alerter class: an explicit table, no import magic (elastalert `loaders.py`)."""

from __future__ import annotations

import time

import requests

from pipeline.alert.base import Alerter, Clock
from pipeline.alert.console import ConsoleAlerter
from pipeline.alert.dingtalk import DingTalkAlerter
from pipeline.alert.email import EmailAlerter
from pipeline.alert.feishu import FeishuAlerter
from pipeline.alert.file import FileAlerter
from pipeline.alert.slack import SlackAlerter
from pipeline.alert.webhook import WebhookAlerter
from pipeline.alert.wecom import WeComAlerter
from pipeline.config import ChannelConfig

ALERTERS: dict[str, type[Alerter]] = {
    "console": ConsoleAlerter,
    "file": FileAlerter,
    "email": EmailAlerter,
    "webhook": WebhookAlerter,
    "dingtalk": DingTalkAlerter,
    "wecom": WeComAlerter,
    "feishu": FeishuAlerter,
    "slack": SlackAlerter,
}


def make_alerter(
    name: str, config: ChannelConfig, *, http: requests.Session | None = None, clock: Clock = time.time
) -> Alerter:
    return ALERTERS[config.type](name, config, http=http, clock=clock)
