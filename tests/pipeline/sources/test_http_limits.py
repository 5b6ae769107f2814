from __future__ import annotations

import gzip
import threading
import time

import pytest
import requests
from pytest_httpserver import HTTPServer

from pipeline.http_limits import HttpLimits, TooLarge, TooSlow, bounded_request, call_with_deadline
from tests.pipeline.hostile_servers import HostileServer, drip_body, flood_body

LIMITS = HttpLimits(timeout_s=1.0, total_timeout_s=3.0, max_bytes=1000)


def test_total_time_defaults_to_three_read_timeouts() -> None:
    assert HttpLimits.of(2.0, None, 10) == HttpLimits(2.0, 6.0, 10)
    assert HttpLimits.of(2.0, 5.0, 10).total_timeout_s == 5.0


def test_the_answer_comes_back_read_and_closed(httpserver: HTTPServer, http: requests.Session) -> None:
    httpserver.expect_request("/x", method="POST").respond_with_json({"errcode": 0})
    response = bounded_request(http, "POST", httpserver.url_for("/x"), LIMITS, json={"a": 1})
    assert response.status_code == 200
    assert response.json() == {"errcode": 0}
    assert response.raw.closed


@pytest.mark.parametrize(("size", "fits"), [(1000, True), (1001, False)])
def test_the_cap_is_inclusive(httpserver: HTTPServer, http: requests.Session, size: int, fits: bool) -> None:
    httpserver.expect_request("/x").respond_with_data(b"a" * size)
    if fits:
        assert len(bounded_request(http, "GET", httpserver.url_for("/x"), LIMITS).content) == size
    else:
        with pytest.raises(TooLarge, match="1001 bytes"):
            bounded_request(http, "GET", httpserver.url_for("/x"), LIMITS)


def test_the_cap_counts_the_decoded_body(httpserver: HTTPServer, http: requests.Session) -> None:
    bomb = gzip.compress(b"\0" * 1_000_000)
    assert len(bomb) < 10_000  # it fits the cap on the wire, not once decoded
    httpserver.expect_request("/x").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLarge, match="over the cap of 10000 bytes"):
        bounded_request(http, "GET", httpserver.url_for("/x"), HttpLimits(1.0, 3.0, 10_000))


def test_a_body_without_length_is_cut_at_the_cap(http: requests.Session) -> None:
    with HostileServer(flood_body(10_000_000, announce_length=False)) as server:
        with pytest.raises(TooLarge):
            bounded_request(http, "GET", server.url(), LIMITS)
        assert server.peer_gone.wait(5)
        assert server.sent < 10_000_000


def test_a_drip_ends_in_too_slow_and_a_closed_connection(http: requests.Session) -> None:
    with HostileServer(drip_body()) as server:
        started = time.monotonic()
        with pytest.raises(TooSlow, match=r"within 1\.5 s"):
            bounded_request(http, "GET", server.url(), HttpLimits(1.0, 1.5, 2_000_000))
        assert time.monotonic() - started < 3
        assert server.peer_gone.wait(5)


def test_call_with_deadline_returns_raises_or_interrupts() -> None:
    assert call_with_deadline(lambda: 42, 1.0, lambda: None) == 42

    def broken() -> int:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        call_with_deadline(broken, 1.0, lambda: None)

    release = threading.Event()
    with pytest.raises(TooSlow, match=r"within 0\.2 s"):
        call_with_deadline(lambda: release.wait(10), 0.2, release.set)
    assert release.is_set()
