"""Fixtures for the source tests: fixture pages, a fixed fetch clock, quiet settings, a page router."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.config import MastodonSettings, WeiboSettings
from pipeline.models import SHANGHAI
from pipeline.sources.http import PoliteFetcher

WEIBO_FIXTURES = Path(__file__).parents[2] / "fixtures" / "weibo"
FETCHED = datetime(2026, 11, 22, 10, 7, 12, tzinfo=SHANGHAI)
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"


def fixture_bytes(relative: str) -> bytes:
    return (WEIBO_FIXTURES / relative).read_bytes()


@pytest.fixture
def weibo_settings() -> WeiboSettings:
    return WeiboSettings(delay_s=0, jitter_s=0, max_retries=1, timeout_s=5, backoff_s=60, max_backoff_s=600)


@pytest.fixture
def mastodon_settings() -> MastodonSettings:
    return MastodonSettings(instance="https://social.example", delay_s=0)


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait a fetcher asked for; tests never really sleep."""
    return []


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def fetcher(http: requests.Session, weibo_settings: WeiboSettings, sleeps: list[float]) -> PoliteFetcher:
    return PoliteFetcher.for_weibo(http, weibo_settings, sleep=sleeps.append, clock=lambda: FETCHED)


Handler = Callable[[Request], Response]


def route_by_page(pages: dict[str, tuple[bytes, str, int]]) -> Handler:
    """A handler answering with pages[<page arg or '1'>] = (body, content type, status)."""

    def handler(request: Request) -> Response:
        body, content_type, status = pages.get(request.args.get("page", "1"), (b"", "text/plain", 404))
        return Response(body, status=status, content_type=content_type)

    return handler


@pytest.fixture
def base_url(httpserver: HTTPServer) -> str:
    return httpserver.url_for("").rstrip("/")
