"""Who may use the console and how a state change proves it came from the console itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from pipeline.cli import main
from pipeline.config import Settings, WebSettings
from pipeline.web.auth import Gate, Session, csrf_ok, safe_next
from tests.pipeline.web.helpers import PASSWORD, USER, Console, log_in, screenshot, start_console


def test_strangers_are_sent_to_the_login_page_and_the_api_answers_401(console: Console) -> None:
    page = requests.get(f"{console.url}/incidents?status=open", allow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/incidents%3Fstatus%3Dopen"
    assert requests.get(f"{console.url}/api/openapi.json").status_code == 401
    assert requests.get(f"{console.url}/static/echarts.min.js").status_code == 200  # assets need no session


def test_a_wrong_password_is_refused_and_the_right_one_opens_a_strict_httponly_session(console: Console) -> None:
    wrong = requests.post(f"{console.url}/login", data={"user": USER, "password": "guess"}, allow_redirects=False)
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text and "yuqing_session" not in wrong.cookies
    right = requests.post(
        f"{console.url}/login",
        data={"user": USER, "password": PASSWORD, "next": "/incidents"},
        allow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"] == "/incidents"
    cookie = right.headers["set-cookie"]
    assert "yuqing_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    http = requests.Session()
    http.cookies.update(right.cookies)
    assert http.get(f"{console.url}/api/openapi.json").status_code == 200


def test_after_login_only_paths_of_this_site_are_followed(console: Console) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        answer = requests.post(
            f"{console.url}/login",
            data={"user": USER, "password": PASSWORD, "next": target},
            allow_redirects=False,
        )
        assert answer.headers["location"] == "/", target


def test_a_forged_or_expired_session_cookie_is_no_session(console: Console) -> None:
    http = console.login()
    value = http.cookies["yuqing_session"]
    forged = requests.get(
        f"{console.url}/api/openapi.json", cookies={"yuqing_session": value[:-2] + "xx"}, allow_redirects=False
    )
    assert forged.status_code == 401
    other_key = Gate(WebSettings(user=USER, password=PASSWORD))  # type: ignore[arg-type]  # another process's key
    _session, foreign = other_key.new_session(USER)
    assert requests.get(f"{console.url}/api/openapi.json", cookies={"yuqing_session": foreign}).status_code == 401


def test_csrf_tokens_belong_to_their_session_and_bearer_calls_need_none() -> None:
    gate = Gate(WebSettings(token="t0ken-from-env"))  # type: ignore[arg-type]
    session, _cookie = gate.new_session("王值班")
    assert csrf_ok(session, session.csrf)
    assert not csrf_ok(session, None) and not csrf_ok(session, "") and not csrf_ok(session, session.csrf + "x")
    other, _ = gate.new_session("王值班")
    assert not csrf_ok(session, other.csrf)
    assert csrf_ok(Session("token", "", by_token=True), None)
    assert not csrf_ok(None, session.csrf)
    assert gate.check_login("anyone", "t0ken-from-env") == "anyone"
    assert gate.check_login("anyone", "t0ken-from-en") is None


def test_safe_next_keeps_local_paths_only() -> None:
    assert safe_next("/posts/weibo:1?x=1") == "/posts/weibo:1?x=1"
    assert [safe_next(target) for target in (None, "", "evil", "//evil", "https://evil", "/\\evil")] == ["/"] * 6


@pytest.fixture
def token_console(demo_database: Path, tmp_path: Path, env: pytest.MonkeyPatch) -> Iterator[Console]:
    env.setenv("YUQING_DB_PATH", str(demo_database))
    env.setenv("YUQING_WEB__TOKEN", "s3cret-token-value")
    yield from start_console(Settings(), demo_database)


def test_a_bearer_token_opens_the_api(token_console: Console) -> None:
    url = f"{token_console.url}/api/openapi.json"
    assert requests.get(url, headers={"Authorization": "Bearer s3cret-token-value"}).status_code == 200
    assert requests.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401


@pytest.fixture
def open_console(demo_database: Path, env: pytest.MonkeyPatch) -> Iterator[Console]:
    for name in [name for name in os.environ if name.startswith("YUQING_WEB__")]:
        env.delenv(name)
    env.setenv("YUQING_DB_PATH", str(demo_database))
    yield from start_console(Settings(), demo_database)


def test_without_credentials_on_loopback_the_machine_user_is_at_the_console(open_console: Console) -> None:
    http = requests.Session()
    assert http.get(f"{open_console.url}/api/openapi.json").status_code == 200
    assert http.cookies.get("yuqing_session")  # a session, so that forms still carry a CSRF token
    assert http.get(f"{open_console.url}/login", allow_redirects=False).status_code == 303


def test_serve_refuses_a_public_address_without_credentials(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [name for name in os.environ if name.startswith("YUQING_WEB__")]:
        env.delenv(name)
    assert main(["serve", "--host", "0.0.0.0", "--no-monitor"]) != 0
    assert "refusing to serve on 0.0.0.0 without credentials" in capsys.readouterr().err


def test_logging_in_with_chromium(console: Console, browser_page: Any) -> None:
    browser_page.goto(f"{console.url}/")
    assert "/login" in browser_page.url
    screenshot(browser_page, "login")
    log_in(browser_page, console)
    assert "/login" not in browser_page.url
    assert browser_page.locator(".bar .user").inner_text() == USER


def test_serve_shows_the_demo_store_while_the_embedded_store_is_empty(
    env: pytest.MonkeyPatch, tmp_path: Path, demo_database: Path
) -> None:
    import shutil

    from pipeline.cli.serve_commands import demo_store_when_empty

    env.delenv("YUQING_DB_PATH", raising=False)
    env.setenv("YUQING_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert demo_store_when_empty(settings) is settings  # no demo yet: the configured store
    (tmp_path / "demo").mkdir()
    shutil.copy(demo_database, tmp_path / "demo" / "demo.db")
    assert demo_store_when_empty(settings).sqlite_path == tmp_path / "demo" / "demo.db"
    from pipeline.store.sqlite import SQLiteStore
    from tests.pipeline.detect.streams import DAY, make_post

    with SQLiteStore(settings.sqlite_path) as own:
        own.upsert_posts([make_post("weibo:1", DAY)])
    assert demo_store_when_empty(settings).sqlite_path == settings.sqlite_path  # once it has posts: yours


def test_the_language_switch_keeps_the_page_and_its_filters(console: Console) -> None:
    import re

    http = console.login()
    page = http.get(f"{console.url}/complaints?brand=蒙牛&q=异物").text
    (link,) = re.findall(r'<a href="([^"]+)" id="language-switch">', page)
    link = link.replace("&amp;", "&")
    assert link.startswith("/complaints?") and "lang=en" in link and "q=%E5%BC%82%E7%89%A9" in link
    english = http.get(console.url + link).text
    assert "Log out" in english
    assert "Log out" in http.get(f"{console.url}/complaints").text  # the choice is remembered
