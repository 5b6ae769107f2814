"""Bounds on one network exchange by total time and by size, shared by the sources and the alert channels.

requests' `timeout` bounds each socket operation, not the exchange: a server that sends one byte a second
never trips it, and `response.content` reads a body of any size into memory. `bounded_request` streams
the body in chunks up to a byte cap and gives the whole exchange (connect, headers, body) a total time;
`call_with_deadline` is that deadline for other protocols (SMTP).

The deadline is kept by running the exchange in a daemon worker thread and waiting for it: the waiting
side returns on time whatever the peer does. On expiry the worker's socket is shut down, which ends its
blocked read at once. A worker still connecting or reading headers has no socket we can reach; it is
left to end on its own (when the peer stops or its per-read timeout fires) and closes what it opened.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

T = TypeVar("T")

TOTAL_TIMEOUT_FACTOR = 3  # default total time: this many per-read timeouts
_CHUNK_BYTES = 64 * 1024


class LimitExceeded(Exception):
    """An exchange went past one of its bounds; callers convert it into their own error."""


class TooSlow(LimitExceeded):
    """No complete answer within the total time."""


class TooLarge(LimitExceeded):
    """The answer is bigger than the byte cap."""


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """How long one exchange may take and how big its answer may be."""

    timeout_s: float  # each socket operation (connect, one read): requests' `timeout`
    total_timeout_s: float  # the whole exchange: connect, headers and body
    max_bytes: int  # the body after content decoding, so a compressed bomb counts at its real size

    @classmethod
    def of(cls, timeout_s: float, total_timeout_s: float | None, max_bytes: int) -> HttpLimits:
        """Limits with the total time defaulting to `TOTAL_TIMEOUT_FACTOR` per-read timeouts."""
        return cls(timeout_s, total_timeout_s or TOTAL_TIMEOUT_FACTOR * timeout_s, max_bytes)


def call_with_deadline(work: Callable[[], T], seconds: float, interrupt: Callable[[], None]) -> T:
    """`work()`'s result or error, or `TooSlow` after `seconds`, when `interrupt()` is called to unblock it.

    `interrupt` runs in the caller's thread while `work` may still be running: it should only shut a
    socket down, never close objects the worker is using.
    """
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:  # handed to the waiting thread; a thread must not die with it
            errors.append(exc)

    worker = threading.Thread(target=run, name="deadline-worker", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        interrupt()
        raise TooSlow(f"no complete answer within {seconds:g} s")
    if errors:
        raise errors[0]
    return results[0]


def bounded_request(
    http: requests.Session, method: str, url: str, limits: HttpLimits, **kwargs: Any
) -> requests.Response:
    """`http.request(method, url, **kwargs)` within `limits`: raises `TooSlow`, `TooLarge` or requests' errors.

    The response comes back closed with its body already read: `.content`, `.text` and `.json()` work.
    A limit exceeded closes the connection instead of returning it to the pool.
    """
    exchange = _Exchange()

    def work() -> requests.Response:
        response = http.request(method, url, stream=True, timeout=limits.timeout_s, **kwargs)
        try:
            if exchange.hold(response):
                # requests' own attribute for a body already read: `.content` returns it from here on.
                response._content = _read_capped(response, limits.max_bytes)
        finally:
            response.close()
        return response

    return call_with_deadline(work, limits.total_timeout_s, exchange.abandon)


class _Exchange:
    """The response a worker is reading, so that a caller who gives up can cut its connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._response: requests.Response | None = None
        self._abandoned = False

    def hold(self, response: requests.Response) -> bool:
        """Remember the response; False when the caller has given up already (the worker just closes it)."""
        with self._lock:
            self._response = response
            return not self._abandoned

    def abandon(self) -> None:
        with self._lock:
            self._abandoned = True
            response = self._response
        # Ends the worker's blocked read (the worker then closes). The errors: the worker finished and
        # closed or pooled the connection in the meantime.
        with contextlib.suppress(ValueError, RuntimeError, OSError):
            if response is not None:
                response.raw.shutdown()


def _read_capped(response: requests.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"answer of {declared} bytes is over the cap of {max_bytes}")
    body = bytearray()
    for chunk in response.iter_content(_CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge(f"answer is over the cap of {max_bytes} bytes")
    return bytes(body)
