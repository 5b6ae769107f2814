"""A polite fetcher around an injected `requests.Session`: per-host delay with jitter, timeouts, retries.

Every request carries a timeout and an explicit User-Agent, waits the per-host delay (plus jitter), and
is retried with exponential backoff on connection errors and 5xx answers. Blocks and rate limits are not
retried here: the caller stops the source and backs off for minutes, not seconds. Redirects are never
followed on JSON API calls (a 302 to passport.weibo.com is the signal); HTML pages follow same-host
redirects only, so a login or visitor redirect surfaces instead of being fetched.

Each request is also bounded in total time and answer size (`pipeline.http_limits`): an answer still
dripping in at the total time is retried like a timeout; one over the byte cap raises `ResponseTooLarge`
at once, since asking again would bring the same answer.
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
from pipeline.exceptions import BudgetExhausted, FetchFailed, ResponseTooLarge
from pipeline.http_limits import HttpLimits, TooLarge, TooSlow, bounded_request
from pipeline.models import SHANGHAI
from pipeline.sources.base import PageStatus, RawPage
from pipeline.sources.blocking import classify_html, classify_json, decode_body, host_path

logger = logging.getLogger(__name__)

Surface = Literal["html", "json"]
Classifier = Callable[[int, str, str, str], tuple[PageStatus, str]]
_MAX_SAME_HOST_REDIRECTS = 3
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024


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
        total_timeout_s: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
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
        self._delay_s, self._jitter_s = delay_s, jitter_s
        self._limits = HttpLimits.of(timeout_s, total_timeout_s, max_response_bytes)
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
            total_timeout_s=settings.total_timeout_s,
            max_response_bytes=settings.max_response_bytes,
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
            total_timeout_s=settings.total_timeout_s,
            max_response_bytes=settings.max_response_bytes,
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
        """GET `url` and classify the answer.

        Raises `FetchFailed` when no complete answer came after the retries and `ResponseTooLarge` for an
        answer over the byte cap.
        """
        classifier = classify or (classify_json if surface == "json" else classify_html)
        attempt = 0
        while True:
            page = self._fetch_once(url, params, surface, headers, classifier)
            if isinstance(page, RawPage) and page.status is not PageStatus.SERVER_ERROR:
                return page
            if attempt >= self._max_retries:
                if isinstance(page, RawPage):
                    return page
                raise FetchFailed(f"no response from {host_path(url)} after {attempt + 1} attempt(s): {page}")
            wait = min(self._retry_base_s * 2**attempt, self._max_backoff_s)
            logger.warning("retrying %s in %.1f s (attempt %d)", host_path(url), wait, attempt + 1)
            self._sleep(wait)
            attempt += 1

    def _fetch_once(
        self,
        url: str,
        params: Mapping[str, str | int] | None,
        surface: Surface,
        extra_headers: Mapping[str, str] | None,
        classifier: Classifier,
    ) -> RawPage | str:
        """The classified page, or why no complete answer came (to retry)."""
        request_headers = {**self._headers, **(extra_headers or {})}
        if self._cookie is not None:
            request_headers["Cookie"] = self._cookie.get_secret_value()
        if self._authorization is not None:
            request_headers["Authorization"] = f"Bearer {self._authorization.get_secret_value()}"
        current_url, current_params = url, params
        for _hop in range(_MAX_SAME_HOST_REDIRECTS + 1):
            self._wait_politely(current_url)
            try:
                response = bounded_request(
                    self._http,
                    "GET",
                    current_url,
                    self._limits,
                    params=current_params,
                    headers=request_headers,
                    allow_redirects=False,
                )
            except TooLarge as exc:
                raise ResponseTooLarge(f"answer from {host_path(current_url)} too large: {exc}") from exc
            except TooSlow as exc:
                logger.warning("request to %s gave up: %s", host_path(current_url), exc)
                return str(exc)
            except requests.RequestException as exc:
                # Only the type: requests' messages carry the full URL with its query.
                logger.warning("request to %s failed: %s", host_path(current_url), type(exc).__name__)
                return type(exc).__name__
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
        logger.debug("%s -> HTTP %d %s", host_path(response.url), response.status_code, status.value)
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
