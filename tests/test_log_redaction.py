"""Secrets never reach a log: the filter itself, and real `yuqing -v` runs against loopback receivers whose
URLs, signing secrets and cookie are planted, checked in everything the runs print or write."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from pipeline.config import Settings
from pipeline.log_redaction import RedactingFilter, install_redaction
from tests.pipeline.alert.helpers import open_p1_incident
from tests.pipeline.sources.helpers import JSON, fixture_bytes

DING_TOKEN = "plantedDingToken4242"
DING_SECRET = "SECplantedDingSecret4242"
HOOK_TOKEN = "plantedHookToken4242"
SLACK_PATH = "/services/T0PLANTED1/B0PLANTED2/plantedSlackSecret4242"
WECOM_KEY = "planted-wecom-key-4242"
FEISHU_HOOK = "planted-feishu-hook-4242"
FEISHU_SECRET = "plantedFeishuSecret4242"
COOKIE = "SUB=plantedWeiboCookie4242; SUBP=plantedCookieTwo4242"
PLANTED = [
    DING_TOKEN,
    DING_SECRET,
    HOOK_TOKEN,
    "T0PLANTED1",
    "B0PLANTED2",
    "plantedSlackSecret4242",
    WECOM_KEY,
    FEISHU_HOOK,
    FEISHU_SECRET,
    "plantedWeiboCookie4242",
    "plantedCookieTwo4242",
]

WATCHLIST = """
brands:
  - name: 蒙牛
routes:
  default: {channels: [ding, hook, slack, wecom, feishu, log]}
channels:
  ding: {type: dingtalk, url_env: DINGTALK_URL, secret_env: DINGTALK_SIGNING}
  hook: {type: webhook, url_env: HOOK_URL}
  slack: {type: slack, url_env: SLACK_URL}
  wecom: {type: wecom, url_env: WECOM_URL}
  feishu: {type: feishu, url_env: FEISHU_URL, secret_env: FEISHU_SIGNING}
  log: {type: file, path: %s}
"""


# -- the filter ----------------------------------------------------------------------------------------


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("urllib3.connectionpool", logging.DEBUG, __file__, 1, msg, args, None)


def test_filter_masks_a_request_line_given_as_arguments() -> None:
    record = _record(
        '%s://%s:%s "%s %s %s" %s %s',
        "https",
        "oapi.dingtalk.com",
        443,
        "POST",
        "/robot/send?access_token=abc123token&timestamp=1763780000123&sign=c2lnbmF0dXJl%3D",
        "HTTP/1.1",
        200,
        27,
    )
    assert RedactingFilter().filter(record)
    assert record.args is None
    assert record.getMessage() == (
        'https://oapi.dingtalk.com:443 "POST /robot/send?access_token=***&timestamp=1763780000123&sign=*** HTTP/1.1" '
        "200 27"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("POST /cgi-bin/webhook/send?key=693a91f6-7xxx HTTP/1.1", "POST /cgi-bin/webhook/send?key=*** HTTP/1.1"),
        ("GET /hook?token=abcdef&page=2", "GET /hook?token=***&page=2"),
        ("GET /x?client_secret=s3cr3t&api_key=k&keyword=蒙牛", "GET /x?client_secret=***&api_key=***&keyword=蒙牛"),
        ('POST /services/T000/B000/XXXXXXXX HTTP/1.1" 200', 'POST /services/*** HTTP/1.1" 200'),
        ("POST /open-apis/bot/v2/hook/2f1a-9c HTTP/1.1", "POST /open-apis/bot/v2/hook/*** HTTP/1.1"),
        ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: ***"),
        ("headers={'Cookie': 'SUB=abc; SUBP=def', 'User-Agent': 'x'}", "headers={'Cookie': '***', 'User-Agent': 'x'}"),
        (
            "send: b'GET / HTTP/1.1\\r\\nCookie: SUB=abc\\r\\nHost: x'",
            "send: b'GET / HTTP/1.1\\r\\nCookie: ***\\r\\nHost: x'",
        ),
        ('{"password": "hunter22", "user": "a"}', '{"password": "***", "user": "a"}'),
        ("connecting to https://elastic:changeme@es.local:9200/", "connecting to https://***@es.local:9200/"),
    ],
)
def test_filter_masks_what_looks_like_a_secret(line: str, expected: str) -> None:
    record = _record("%s", line)
    RedactingFilter().filter(record)
    assert record.getMessage() == expected


def test_filter_masks_known_values_tracebacks_and_is_idempotent() -> None:
    redactor = RedactingFilter(["s3cret/value+", "short"])  # too short to mask safely: left alone
    try:
        raise ValueError("endpoint https://example.com/x/s3cret/value+ refused")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed: %s %s", ("s3cret%2Fvalue%2B", "short"), None
        )
        record.exc_info = sys.exc_info()
    redactor.filter(record)
    redactor.filter(record)  # a second handler sees the record again
    assert record.getMessage() == "failed: *** short"
    assert record.exc_info is None and record.exc_text is not None
    assert "ValueError: endpoint https://example.com/x/*** refused" in record.exc_text
    assert "s3cret" not in logging.Formatter().format(record)


@pytest.fixture
def restore_handler_filters() -> Iterator[None]:
    """install_redaction touches every handler of the process (pytest's too): put them back afterwards."""
    before = {id(handler): list(handler.filters) for handler in _all_handlers()}
    yield
    for handler in _all_handlers():
        handler.filters[:] = before.get(id(handler), [])


def _all_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    handlers = [handler for item in loggers if isinstance(item, logging.Logger) for handler in item.handlers]
    return [*handlers, *([logging.lastResort] if logging.lastResort else [])]


def test_install_covers_every_handler_once(settings: Settings, env, restore_handler_filters) -> None:
    env.setenv("SOME_SERVICE_TOKEN", "tok-1234567")
    task_log = io.StringIO()
    task_logger = logging.getLogger("airflow.task.test_redaction")  # a handler set up before, as Airflow does
    handler = logging.StreamHandler(task_log)
    task_logger.addHandler(handler)
    try:
        install_redaction(settings)
        install_redaction(settings)
        assert sum(isinstance(item, RedactingFilter) for item in handler.filters) == 1
        assert all(any(isinstance(item, RedactingFilter) for item in each.filters) for each in _all_handlers())
        logging.getLogger("airflow.task.test_redaction.child").warning("calling %s", "/x?token=tok-1234567")
    finally:
        task_logger.removeHandler(handler)
    assert task_log.getvalue() == "calling /x?token=***\n"


# -- real runs -----------------------------------------------------------------------------------------


def _run(arguments: list[str], environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "-v", *arguments],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _assert_nowhere(secrets: list[str], result: subprocess.CompletedProcess[str], folder: Path) -> None:
    for secret in secrets:
        assert secret not in result.stdout, secret
        assert secret not in result.stderr, secret
        for path in folder.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), f"{secret} in {path}"


def _environment(**variables: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("YUQING_")}
    environment.update(variables, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return environment


def _incident(data_dir: Path, watchlist: Path, env: pytest.MonkeyPatch) -> str:
    """An open P1 incident in the store, made the way the detection cycle makes them."""
    env.setenv("YUQING_DATA_DIR", str(data_dir))
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    return open_p1_incident(Settings().sqlite_path)


def test_verbose_delivery_to_every_channel_logs_no_secret(
    httpserver: HTTPServer, env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for path in ("/robot/send", "/cgi-bin/webhook/send"):
        httpserver.expect_request(path).respond_with_json({"errcode": 0, "errmsg": "ok"})
    httpserver.expect_request(f"/open-apis/bot/v2/hook/{FEISHU_HOOK}").respond_with_json({"code": 0})
    httpserver.expect_request(SLACK_PATH).respond_with_data("ok")
    httpserver.expect_request("/hook").respond_with_json({})
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST % (tmp_path / "alerts.jsonl"), encoding="utf-8")
    incident_id = _incident(tmp_path / "data", watchlist, env)
    environment = _environment(
        YUQING_DATA_DIR=str(tmp_path / "data"),
        YUQING_WATCHLIST=str(watchlist),
        YUQING_WEIBO_COOKIE=COOKIE,
        DINGTALK_URL=httpserver.url_for(f"/robot/send?access_token={DING_TOKEN}"),
        DINGTALK_SIGNING=DING_SECRET,
        HOOK_URL=httpserver.url_for(f"/hook?token={HOOK_TOKEN}"),
        SLACK_URL=httpserver.url_for(SLACK_PATH),
        WECOM_URL=httpserver.url_for(f"/cgi-bin/webhook/send?key={WECOM_KEY}"),
        FEISHU_URL=httpserver.url_for(f"/open-apis/bot/v2/hook/{FEISHU_HOOK}"),
        FEISHU_SIGNING=FEISHU_SECRET,
    )

    result = _run(["alerts", "resolve", incident_id], environment, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "0 failed" in result.stdout
    received = {request.path for request, _ in httpserver.log}
    assert received == {
        "/robot/send",
        "/hook",
        SLACK_PATH,
        "/cgi-bin/webhook/send",
        f"/open-apis/bot/v2/hook/{FEISHU_HOOK}",
    }
    assert (tmp_path / "alerts.jsonl").exists()
    assert result.stderr.count("urllib3.connectionpool") >= len(httpserver.log)  # the request lines were logged
    signatures = [request.args["sign"] for request, _ in httpserver.log if request.path == "/robot/send"]
    assert signatures and all(signatures)
    _assert_nowhere(PLANTED + signatures, result, tmp_path)


def test_verbose_collect_with_a_cookie_logs_no_secret(httpserver: HTTPServer, tmp_path: Path) -> None:
    pages = {"1": "mobile/getindex_page1.json"}
    httpserver.expect_request("/api/container/getIndex").respond_with_data(fixture_bytes(pages["1"]), content_type=JSON)
    httpserver.expect_request("/statuses/extend").respond_with_data(
        fixture_bytes("mobile/extend_5230000000000011.json"), content_type=JSON
    )
    environment = _environment(
        YUQING_DATA_DIR=str(tmp_path / "data"),
        YUQING_WEIBO_COOKIE=COOKIE,
        YUQING_WEIBO__MAX_RETRIES="0",
    )
    out = tmp_path / "posts.jsonl"
    arguments = ["collect", "--source", "weibo-mobile", "--keyword", "XX充电宝", "--since", "2026-11-01T00:00+08:00"]
    arguments += ["--base-url", httpserver.url_for("/"), "--delay", "0", "--max-pages", "1", "--out", str(out)]

    result = _run(arguments, environment, tmp_path)

    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").strip()
    assert next(request.headers.get("Cookie") for request, _ in httpserver.log) == COOKIE
    assert "urllib3.connectionpool" in result.stderr
    _assert_nowhere(PLANTED, result, tmp_path)


def test_the_consoles_secrets_are_known_secrets(env: pytest.MonkeyPatch) -> None:
    from pipeline.log_redaction import known_secrets

    env.setenv("YUQING_WEB__PASSWORD", "pw-9f3a-console")
    env.setenv("YUQING_WEB__TOKEN", "tk-77c1-console")
    env.setenv("YUQING_WEB__SESSION_KEY", "sk-0b2e-console")
    found = known_secrets(Settings())
    assert {"pw-9f3a-console", "tk-77c1-console", "sk-0b2e-console"} <= set(found)
