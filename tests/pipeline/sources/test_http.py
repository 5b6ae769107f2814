from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.cli import main
from pipeline.config import WeiboSettings
from pipeline.exceptions import BudgetExhausted, FetchFailed, SourceError
from pipeline.sources.base import PageStatus
from pipeline.sources.http import PoliteFetcher
from tests.pipeline.hostile_servers import HostileServer, drip_body, drip_headers, flood_body
from tests.pipeline.sources.helpers import FETCHED, HTML, JSON, fixture_bytes


class FakeClock:
    """Monotonic time that only moves when the fetcher sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _fetcher(http: requests.Session, clock: FakeClock, **settings: object) -> PoliteFetcher:
    values: dict[str, object] = {"delay_s": 6.0, "jitter_s": 2.0, "max_retries": 2, "timeout_s": 2.0}
    values.update(settings)
    fetcher = PoliteFetcher.for_weibo(http, WeiboSettings(**values), sleep=clock.sleep, clock=lambda: FETCHED)
    fetcher._monotonic = clock.monotonic  # the polite delay is measured on this clock
    return fetcher


def test_polite_delay_with_jitter_between_requests_to_one_host(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/weibo").respond_with_data(fixture_bytes("search/page1.html"), content_type=HTML)
    clock = FakeClock()
    fetcher = _fetcher(http, clock)
    for _ in range(3):
        assert fetcher.fetch(httpserver.url_for("/weibo")).status is PageStatus.OK
    assert len(clock.sleeps) == 2
    assert all(6.0 <= wait <= 8.0 for wait in clock.sleeps)
    assert fetcher.requests_made == 3


def test_retries_server_errors_with_exponential_backoff(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_ordered_request("/weibo").respond_with_data("oops", status=502)
    httpserver.expect_ordered_request("/weibo").respond_with_data("oops", status=503)
    httpserver.expect_ordered_request("/weibo").respond_with_data(fixture_bytes("search/page1.html"), content_type=HTML)
    clock = FakeClock()
    page = _fetcher(http, clock, delay_s=0.0, jitter_s=0.0).fetch(httpserver.url_for("/weibo"))
    assert page.status is PageStatus.OK
    assert clock.sleeps == [1.0, 2.0]


def test_gives_up_after_the_retries_and_reports_the_server_error(
    httpserver: HTTPServer, http: requests.Session
) -> None:
    httpserver.expect_request("/weibo").respond_with_data("oops", status=500)
    clock = FakeClock()
    page = _fetcher(http, clock, delay_s=0.0, jitter_s=0.0, max_retries=1).fetch(httpserver.url_for("/weibo"))
    assert page.status is PageStatus.SERVER_ERROR
    assert len(httpserver.log) == 2


def test_rate_limits_are_not_retried(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/api/container/getIndex").respond_with_data("", status=432)
    page = _fetcher(http, FakeClock()).fetch(httpserver.url_for("/api/container/getIndex"), surface="json")
    assert page.status is PageStatus.RATE_LIMITED
    assert len(httpserver.log) == 1


def test_every_request_has_a_timeout(httpserver: HTTPServer, http: requests.Session) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(0.6)
        return Response("late", content_type=HTML)

    httpserver.expect_request("/weibo").respond_with_handler(slow)
    clock = FakeClock()
    fetcher = _fetcher(http, clock, timeout_s=0.2, max_retries=0, delay_s=0.0, jitter_s=0.0)
    with pytest.raises(FetchFailed, match="no response"):
        fetcher.fetch(httpserver.url_for("/weibo"))


def test_connection_refused_is_a_fetch_failure(http: requests.Session) -> None:
    fetcher = _fetcher(http, FakeClock(), max_retries=1, delay_s=0.0, jitter_s=0.0)
    with pytest.raises(FetchFailed):
        fetcher.fetch("http://127.0.0.1:9/weibo")


def test_cookie_and_user_agent_are_sent_and_the_cookie_is_never_logged(
    httpserver: HTTPServer, http: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(
        "/weibo", headers={"Cookie": "SUB=secret-token; SUBP=0033", "User-Agent": WeiboSettings().user_agent}
    ).respond_with_data(fixture_bytes("search/page1.html"), content_type=HTML)
    caplog.set_level(logging.DEBUG)
    fetcher = _fetcher(http, FakeClock(), cookie=SecretStr("SUB=secret-token; SUBP=0033"))
    assert fetcher.fetch(httpserver.url_for("/weibo"), {"q": "x"}).status is PageStatus.OK
    assert "secret-token" not in caplog.text
    assert "secret-token" not in repr(fetcher.__dict__)


def test_json_calls_never_follow_redirects(httpserver: HTTPServer, http: requests.Session) -> None:
    visitor = "https://passport.weibo.com/visitor/visitor?entry=miniblog&a=enter&url=x"
    httpserver.expect_request("/api/container/getIndex").respond_with_data(
        "", status=302, headers={"Location": visitor}
    )
    page = _fetcher(http, FakeClock()).fetch(httpserver.url_for("/api/container/getIndex"), surface="json")
    assert page.status is PageStatus.VISITOR_WALL
    assert page.http_status == 302
    assert page.final_url == visitor


def test_html_follows_same_host_redirects_only(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/weibo"})
    httpserver.expect_request("/weibo").respond_with_data(fixture_bytes("search/page1.html"), content_type=HTML)
    httpserver.expect_request("/wall").respond_with_data(
        "", status=302, headers={"Location": "https://passport.weibo.com/visitor/visitor?a=enter"}
    )
    fetcher = _fetcher(http, FakeClock())
    assert fetcher.fetch(httpserver.url_for("/old")).status is PageStatus.OK
    assert fetcher.fetch(httpserver.url_for("/wall")).status is PageStatus.VISITOR_WALL


def test_request_cap_per_run(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/x").respond_with_data("{}", content_type=JSON)
    fetcher = _fetcher(http, FakeClock(), max_requests_per_run=2)
    fetcher.fetch(httpserver.url_for("/x"), surface="json")
    fetcher.fetch(httpserver.url_for("/x"), surface="json")
    with pytest.raises(BudgetExhausted):
        fetcher.fetch(httpserver.url_for("/x"), surface="json")


# Total time and size. The per-read timeout is 1 s and the hostile servers send a byte every 0.5 s, so no
# single read ever times out: only the total bound (3 × timeout_s by default) can end the exchange.


def _bounded_fetcher(http: requests.Session, **settings: object) -> PoliteFetcher:
    values: dict[str, object] = {"delay_s": 0.0, "jitter_s": 0.0, "max_retries": 0, "timeout_s": 1.0}
    values.update(settings)
    return _fetcher(http, FakeClock(), **values)


def test_a_dripping_body_is_given_up_within_the_total_time(http: requests.Session) -> None:
    with HostileServer(drip_body()) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match=r"no response from .* within 3 s"):
            _bounded_fetcher(http).fetch(server.url("/api/container/getIndex"), {"q": "x"}, surface="json")
        assert time.monotonic() - started < 6
        assert server.peer_gone.wait(5)  # the connection was closed, not left dripping


def test_dripping_headers_are_given_up_within_the_total_time(http: requests.Session) -> None:
    # Before the headers are complete there is no socket to shut down: the request is left to its worker
    # thread, which ends with the server; the fetcher itself returns on time.
    with HostileServer(drip_headers()) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match=r"no response from .* within 3 s"):
            _bounded_fetcher(http).fetch(server.url("/weibo"))
        assert time.monotonic() - started < 6


def test_the_total_time_is_a_setting(http: requests.Session) -> None:
    with HostileServer(drip_body()) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="within 1 s"):
            _bounded_fetcher(http, timeout_s=5.0, total_timeout_s=1.0).fetch(server.url("/weibo"))
        assert time.monotonic() - started < 3


def test_a_dripping_answer_is_retried_within_the_retry_budget(http: requests.Session) -> None:
    with HostileServer(drip_body(0.2)) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match=r"after 2 attempt\(s\)"):
            _bounded_fetcher(http, timeout_s=0.6, max_retries=1).fetch(server.url("/weibo"))
        assert time.monotonic() - started < 6  # two attempts of 1.8 s each
        assert server.connections == 2


@pytest.mark.parametrize("announce_length", [False, True], ids=["streamed", "announced"])
def test_a_huge_answer_stops_at_the_byte_cap_and_is_not_retried(http: requests.Session, announce_length: bool) -> None:
    hundred_mb = 100 * 1024 * 1024
    with HostileServer(flood_body(hundred_mb, announce_length=announce_length)) as server:
        started = time.monotonic()
        with pytest.raises(SourceError, match="too large") as raised:
            _bounded_fetcher(http, max_retries=2).fetch(server.url("/weibo"))
        assert getattr(raised.value, "kind", None) == "response_too_large"
        assert time.monotonic() - started < 5
        assert server.peer_gone.wait(5)
        assert server.sent < hundred_mb // 2  # cap 8 MiB; `sent` also counts what sat unread in socket buffers
        assert server.connections == 1


def test_collect_against_a_dripping_server_fails_within_the_bound(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {"DATA_DIR": str(tmp_path), "WEIBO__DELAY_S": "0", "WEIBO__JITTER_S": "0",
                        "WEIBO__MAX_RETRIES": "0", "WEIBO__TIMEOUT_S": "1"}.items():  # fmt: skip
        env.setenv(f"YUQING_{name}", value)
    out = tmp_path / "posts.jsonl"
    with HostileServer(drip_body()) as server:
        started = time.monotonic()
        code = main(
            ["collect", "--source", "weibo-mobile", "--keyword", "XX充电宝", "--base-url", server.url("/"),
             "--out", str(out)]
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert elapsed < 6
    assert code == 1
    err = capsys.readouterr().err
    assert "network_error=1" in err
    assert f"weibo-mobile: no response from 127.0.0.1:{server.port}/api/container/getIndex" in err
    assert "within 3 s" in err
    assert "containerid" not in err  # the query never reaches the report
