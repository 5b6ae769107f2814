"""A polite fetcher around an injected `requests.Session`: per-host delay with jitter, timeouts, retries.

Every request carries a timeout and an explicit User-Agent, waits the per-host delay (plus jitter), and
is retried with exponential backoff on connection errors and 5xx answers. Blocks and rate limits are not
retried here: the caller stops the source and backs off for minutes, not seconds. Redirects are never
followed on JSON API calls (a 302 to passport.weibo.com is the signal); HTML pages follow same-host
redirects only, so a login or visitor redirect surfaces instead of being fetched.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import requests
from pydantic import SecretStr

from pipeline.config import MastodonSettings, WeiboSettings
from pipeline.models import SHANGHAI
from pipeline.sources.base import PageStatus, RawPage
from pipeline.sources.blocking import (
    BudgetExhausted,
    FetchFailed,
    classify_html,
    classify_json,
    decode_body,
)

logger = logging.getLogger(__name__)

Surface = Literal["html", "json"]
Classifier = Callable[[int, str, str, str], tuple[PageStatus, str]]
_MAX_SAME_HOST_REDIRECTS = 3


def _now() -> datetime:
    return datetime.now(SHANGHAI)


class PoliteFetcher:
    """Fetch pages one at a time, politely; see the module docstring."""

    def __init__(
        self,
        http: requests.Session,
        *,
        delay_s: float,
        jitter_s: float = 0.0,
        timeout_s: float = 10.0,
        max_retries: int = 3,
        retry_base_s: float = 2.0,
        max_backoff_s: float = 1800.0,
        max_requests: int | None = None,
        user_agent: str,
        headers: Mapping[str, str] | None = None,
        cookie: SecretStr | None = None,
        authorization: SecretStr | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = _now,
        rng: random.Random | None = None,
    ) -> None:
        self._http = http
        self._delay_s, self._jitter_s, self._timeout_s = delay_s, jitter_s, timeout_s
        self._max_retries, self._retry_base_s, self._max_backoff_s = max_retries, retry_base_s, max_backoff_s
        self._max_requests = max_requests
        self._headers = {"User-Agent": user_agent, **(headers or {})}
        # Secrets live only in these fields and the outgoing headers; they are never logged.
        self._cookie, self._authorization = cookie, authorization
        self._sleep, self._monotonic, self._clock = sleep, monotonic, clock
        self._rng = rng or random.Random()
        self._last_request: dict[str, float] = {}
        self.requests_made = 0

    @classmethod
    def for_weibo(
        cls,
        http: requests.Session,
        settings: WeiboSettings,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _now,
    ) -> PoliteFetcher:
        return cls(
            http,
            delay_s=settings.delay_s,
            jitter_s=settings.jitter_s,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            retry_base_s=max(settings.delay_s, 1.0),
            max_backoff_s=settings.max_backoff_s,
            max_requests=settings.max_requests_per_run,
            user_agent=settings.user_agent,
            headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.6"},
            cookie=settings.cookie,
            sleep=sleep,
            clock=clock,
        )

    @classmethod
    def for_mastodon(
        cls,
        http: requests.Session,
        settings: MastodonSettings,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _now,
    ) -> PoliteFetcher:
        return cls(
            http,
            delay_s=settings.delay_s,
            timeout_s=settings.timeout_s,
            user_agent="yuqing/0.1 (+complaint monitoring; public hashtag timelines)",
            headers={"Accept": "application/json"},
            authorization=settings.token,
            sleep=sleep,
            clock=clock,
        )

    def fetch(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        surface: Surface = "html",
        headers: Mapping[str, str] | None = None,
        classify: Classifier | None = None,
    ) -> RawPage:
        """GET `url` and classify the answer; raises `FetchFailed` when no answer came after the retries."""
        classifier = classify or (classify_json if surface == "json" else classify_html)
        attempt = 0
        while True:
            page = self._fetch_once(url, params, surface, headers, classifier)
            if page is not None and page.status is not PageStatus.SERVER_ERROR:
                return page
            if attempt >= self._max_retries:
                if page is not None:
                    return page
                raise FetchFailed(f"no response from {_host_path(url)} after {attempt + 1} attempt(s)")
            wait = min(self._retry_base_s * 2**attempt, self._max_backoff_s)
            logger.warning("retrying %s in %.1f s (attempt %d)", _host_path(url), wait, attempt + 1)
            self._sleep(wait)
            attempt += 1

    def _fetch_once(
        self,
        url: str,
        params: Mapping[str, str | int] | None,
        surface: Surface,
        extra_headers: Mapping[str, str] | None,
        classifier: Classifier,
    ) -> RawPage | None:
        request_headers = {**self._headers, **(extra_headers or {})}
        if self._cookie is not None:
            request_headers["Cookie"] = self._cookie.get_secret_value()
        if self._authorization is not None:
            request_headers["Authorization"] = f"Bearer {self._authorization.get_secret_value()}"
        current_url, current_params = url, params
        for _hop in range(_MAX_SAME_HOST_REDIRECTS + 1):
            self._wait_politely(current_url)
            try:
                response = self._http.get(
                    current_url,
                    params=current_params,
                    headers=request_headers,
                    timeout=self._timeout_s,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                logger.warning("request to %s failed: %s", _host_path(current_url), type(exc).__name__)
                return None
            location = response.headers.get("Location", "")
            if (
                surface == "html"
                and response.is_redirect
                and location
                and urlsplit(urljoin(response.url, location)).netloc == urlsplit(response.url).netloc
            ):
                current_url, current_params = urljoin(response.url, location), None
                continue
            return self._to_page(url, response, location, classifier)
        return self._to_page(url, response, location, classifier)

    def _to_page(self, url: str, response: requests.Response, location: str, classifier: Classifier) -> RawPage:
        body = response.content
        text = decode_body(body, response.headers.get("Content-Type", ""))
        status, reason = classifier(response.status_code, location, response.url, text)
        logger.debug("%s -> HTTP %d %s", _host_path(response.url), response.status_code, status.value)
        return RawPage(
            status=status,
            http_status=response.status_code,
            url=response.url or url,
            final_url=urljoin(response.url, location) if location else response.url,
            body=body,
            text=text,
            fetched_at=self._clock(),
            headers=dict(response.headers),
            reason=reason,
        )

    def _wait_politely(self, url: str) -> None:
        if self._max_requests is not None and self.requests_made >= self._max_requests:
            raise BudgetExhausted(f"request cap of {self._max_requests} per run reached")
        host = urlsplit(url).netloc
        last = self._last_request.get(host)
        if last is not None:
            wanted = self._delay_s + (self._rng.uniform(0, self._jitter_s) if self._jitter_s else 0.0)
            remaining = wanted - (self._monotonic() - last)
            if remaining > 0:
                self._sleep(remaining)
        self._last_request[host] = self._monotonic()
        self.requests_made += 1


def _host_path(url: str) -> str:
    """URL without its query: queries can carry keywords; never cookies, but keep logs short anyway."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"
