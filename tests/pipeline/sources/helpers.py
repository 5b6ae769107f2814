"""Shared test helpers of `tests.pipeline.sources`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from werkzeug import Request, Response

from pipeline.models import SHANGHAI

WEIBO_FIXTURES = Path(__file__).parents[2] / "fixtures" / "weibo"


FETCHED = datetime(2026, 11, 22, 10, 7, 12, tzinfo=SHANGHAI)


HTML = "text/html; charset=utf-8"


JSON = "application/json; charset=utf-8"


def fixture_bytes(relative: str) -> bytes:
    return (WEIBO_FIXTURES / relative).read_bytes()


Handler = Callable[[Request], Response]


def route_by_page(pages: dict[str, tuple[bytes, str, int]]) -> Handler:
    """A handler answering with pages[<page arg or '1'>] = (body, content type, status)."""

    def handler(request: Request) -> Response:
        body, content_type, status = pages.get(request.args.get("page", "1"), (b"", "text/plain", 404))
        return Response(body, status=status, content_type=content_type)

    return handler
