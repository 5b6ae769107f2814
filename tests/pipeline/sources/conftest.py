"""Fixtures for the source tests: fixture pages, a fixed fetch clock, quiet settings, a page router."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from pytest_httpserver import HTTPServer

from pipeline.config import MastodonSettings, WeiboSettings
from pipeline.sources.http import PoliteFetcher
from tests.pipeline.sources.helpers import (
    FETCHED,
)


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


@pytest.fixture
def base_url(httpserver: HTTPServer) -> str:
    return httpserver.url_for("").rstrip("/")
