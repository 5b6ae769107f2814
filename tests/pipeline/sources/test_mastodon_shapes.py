"""A Mastodon answer of the wrong JSON shape is a format change, never a page of zero posts."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests
from pytest_httpserver import HTTPServer

from pipeline.config import MastodonSettings
from pipeline.exceptions import ParseError
from pipeline.models import SHANGHAI
from pipeline.sources.mastodon import MastodonSource
from tests.pipeline.sources.helpers import JSON

SINCE = datetime(2026, 11, 21, 0, 0, tzinfo=SHANGHAI)
UNTIL = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[1, 2, 3]", "the status list holds something other than objects"),
        (b'[{"id": "1"}, "oops"]', "the status list holds something other than objects"),
        (b'{"accounts": [], "hashtags": []}', "no status list in the response"),
        (b'{"statuses": {"id": "1"}}', "no status list in the response"),
    ],
)
def test_wrong_json_shape_is_a_format_change(
    httpserver: HTTPServer,
    base_url: str,
    http: requests.Session,
    mastodon_settings: MastodonSettings,
    body: bytes,
    problem: str,
) -> None:
    httpserver.expect_request("/api/v1/timelines/tag/xx").respond_with_data(body, content_type=JSON)
    source = MastodonSource(http, mastodon_settings, sleep=lambda _s: None, base_url=base_url, modes=("tag",))
    with pytest.raises(ParseError, match=f"format change: {problem}"):
        list(source.search("xx", SINCE, UNTIL))
