"""Channel type → alerter class (`pipeline.plugins`): an explicit table, no import magic (elastalert
`loaders.py`)."""

from __future__ import annotations

import time

import requests

from pipeline.alert.base import Alerter, Clock
from pipeline.config import ChannelConfig
from pipeline.plugins import load_class

ALERTERS: dict[str, str] = {
    "console": "pipeline.alert.console:ConsoleAlerter",
    "file": "pipeline.alert.file:FileAlerter",
    "email": "pipeline.alert.email:EmailAlerter",
    "webhook": "pipeline.alert.webhook:WebhookAlerter",
    "dingtalk": "pipeline.alert.dingtalk:DingTalkAlerter",
    "wecom": "pipeline.alert.wecom:WeComAlerter",
    "feishu": "pipeline.alert.feishu:FeishuAlerter",
    "slack": "pipeline.alert.slack:SlackAlerter",
}


def make_alerter(
    name: str, config: ChannelConfig, *, http: requests.Session | None = None, clock: Clock = time.time
) -> Alerter:
    alerter: Alerter = load_class(ALERTERS[config.type]).from_settings(config, name=name, http=http, clock=clock)
    return alerter
