"""Secrets masked in every log record before a handler writes it.

Libraries log what they send: with `yuqing -v`, urllib3 writes each request line at DEBUG, and alert
endpoints carry their secret in the URL (DingTalk `access_token` and `sign`, WeCom `key`, Slack
`/services/T…/B…/…`, Feishu `/hook/<id>`). `install_redaction(settings)` attaches a `RedactingFilter` to
every handler there is: a filter on a logger does not see records propagated from its child loggers, a
filter on a handler sees every record the handler writes. The `yuqing` command calls it once the settings
are read; an Airflow task calls it at its start, after Airflow has set up its own handlers.

The filter masks what looks like a secret wherever it appears (query parameters and quoted fields named
like a token, key, signature or password; `Authorization`/`Cookie` values; credentials in URLs; Slack
and Feishu hook paths) and the exact values of the secrets the settings and the environment hold.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from pipeline.config import Settings, read_secret
from pipeline.exceptions import ConfigError

MASK = "***"
MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words and numbers all over the log
SECRET_ENV_SUFFIXES = ("TOKEN", "SECRET", "PASSWORD", "KEY", "COOKIE")

_NAME = r"(?:[\w.-]*[_-])?(?:access_token|token|key|sign|secret|password|passwd|api_key|apikey|auth|signature)"
_NAME += r"(?:[_-][\w.-]*)?"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # access_token=…, &sign=…, client_secret=… (in a query string or anywhere else)
    (re.compile(rf"(?<![\w-])({_NAME})=[^&\s\"'#;,]+", re.IGNORECASE), rf"\1={MASK}"),
    # "token": "…" and 'password': '…' in JSON and in dict reprs
    (re.compile(rf"([\"']{_NAME}[\"']\s*:\s*[\"'])[^\"']*", re.IGNORECASE), rf"\1{MASK}"),
    # Authorization: Bearer …, {'Cookie': '…'}; a value ends at a quote, a line end or a repr's \r\n
    (
        re.compile(
            r"((?:(?<![\w-])|(?<=\\n))(?:proxy-)?(?:authorization|cookie|set-cookie|x-api-key)[\"']?\s*[:=]\s*[\"']?)"
            r"[^\"'\r\n\\]+",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
    # https://user:password@host, https://token@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^\s/@\"']+@", re.IGNORECASE), rf"\1{MASK}@"),
    # Slack incoming webhooks and workflow triggers: hooks.slack.com/services/T…/B…/…
    (re.compile(r"(/(?:services|triggers|workflows)/)T[A-Za-z0-9]+/[^\s\"'?#]+"), rf"\1{MASK}"),
    # Feishu / Lark custom bots: /open-apis/bot/v2/hook/<id>
    (re.compile(r"(/hook/)[^\s\"'?#/]+"), rf"\1{MASK}"),
]


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets masked and drops its arguments (and formats and masks
    its traceback), so that no handler or formatter downstream sees the original values."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        values = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_LENGTH:
                values.update({secret, quote(secret, safe=""), quote_plus(secret)})  # as logged in URLs too
        self._secrets = sorted(values, key=len, reverse=True)  # longest first: a secret may contain another

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: still write what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None  # a formatter would render it again from the live exception
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def known_secrets(settings: Settings) -> list[str]:
    """The secret values this process can hold: from the settings, from the environment variables the
    watchlist names, and from every environment variable named like a secret."""
    cookies = [value.get_secret_value() for value in (settings.weibo_cookie, settings.weibo.cookie) if value]
    secrets = [
        value.get_secret_value()
        for value in (
            settings.es.api_key,
            settings.es.password,
            settings.mastodon.token,
            settings.web.password,
            settings.web.token,
            settings.web.session_key,
        )
        if value
    ]
    for variable in _watchlist_variables(settings):
        value = read_secret(variable)
        if value:
            secrets += [value, *_parts(value)]
    # Variables the settings do not model (an Airflow connection exported as env, a proxy password) are
    # found by name; this is the one read of the environment outside pipeline.config, and it only masks.
    for name, value in os.environ.items():
        if name.upper().endswith(SECRET_ENV_SUFFIXES):
            (cookies if name.upper().endswith("COOKIE") else secrets).append(value)
    for cookie in cookies:
        secrets += [cookie, *_cookie_values(cookie)]  # one cookie of the header may be logged alone
    return secrets


def install_redaction(settings: Settings) -> RedactingFilter:
    """Attach one `RedactingFilter` to every handler of the root logger and of every logger that exists
    (and to logging's last-resort handler). Idempotent: a filter installed earlier is replaced."""
    redactor = RedactingFilter(known_secrets(settings))
    for handler in _handlers():
        for old in [item for item in handler.filters if isinstance(item, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor


def _handlers() -> Iterator[logging.Handler]:
    loggers = [logging.getLogger()]
    loggers += [item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)]
    seen: set[int] = set()
    for handler in [handler for logger in loggers for handler in logger.handlers] + [logging.lastResort]:
        if handler is not None and id(handler) not in seen:
            seen.add(id(handler))
            yield handler


def _watchlist_variables(settings: Settings) -> list[str]:
    try:
        channels = settings.watchlist_config.channels.values()
    except ConfigError:
        return []  # the command that needs the watchlist reports the problem; there is nothing to mask yet
    return [name for channel in channels for name in (channel.url_env, channel.secret_env) if name]


def _parts(url: str) -> list[str]:
    """The pieces of an endpoint URL that a log line may show apart from the rest: credentials, the path
    (Slack, Feishu, Teams and most generic webhooks keep the secret there) and the query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    pieces = [parts.username or "", parts.password or ""]
    if parts.path not in ("", "/"):
        pieces.append(parts.path)
    pieces += [value for _, value in parse_qsl(parts.query)]
    return [piece for piece in pieces if piece]


def _cookie_values(cookie: str) -> list[str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie)
    except CookieError:
        return []
    return [morsel.value for morsel in jar.values()]
