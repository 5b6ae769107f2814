from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
import requests
from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.config import MastodonSettings
from pipeline.exceptions import LoginRequired, RateLimited, Unparseable
from pipeline.models import SHANGHAI
from pipeline.sources.mastodon import MastodonSource, content_to_text, status_to_posts
from tests.pipeline.sources.helpers import JSON, fixture_bytes

SINCE = datetime(2026, 11, 21, 0, 0, tzinfo=SHANGHAI)
UNTIL = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)
TAG = "/api/v1/timelines/tag/XX充电宝"


def _serve_tag(httpserver: HTTPServer, base_url: str) -> None:
    def handler(request: Request) -> Response:
        if request.args.get("max_id") == "113500000000000002":
            return Response(fixture_bytes("mastodon/tag_page2.json"), content_type=JSON)
        path = f"{base_url}{quote(TAG)}"  # a real server percent-encodes the tag in Link
        link = f'<{path}?limit=40&max_id=113500000000000002>; rel="next", <{path}?min_id=1>; rel="prev"'
        return Response(fixture_bytes("mastodon/tag_page1.json"), content_type=JSON, headers={"Link": link})

    httpserver.expect_request(TAG).respond_with_handler(handler)


def _source(base_url: str, settings: MastodonSettings, **options: Any) -> MastodonSource:
    return MastodonSource(requests.Session(), settings, sleep=lambda _s: None, base_url=base_url, **options)


def test_hashtag_timeline_with_link_pagination_and_boosts(
    httpserver: HTTPServer, base_url: str, mastodon_settings: MastodonSettings
) -> None:
    _serve_tag(httpserver, base_url)
    host = base_url.split("//")[1]
    source = _source(base_url, mastodon_settings, modes=("tag",))
    posts = {post.id: post for post in source.search("#XX充电宝", SINCE, UNTIL)}
    assert set(posts) == {
        f"mastodon:{host}:113500000000000003",
        f"mastodon:{host}:113500000000000002",
        f"mastodon:{host}:113400000000000001",
    }
    first = posts[f"mastodon:{host}:113500000000000003"]
    assert first.source == "mastodon"
    assert first.text == "XX充电宝 鼓包了 #XX充电宝\n第二段"
    assert first.created_at == datetime(2026, 11, 22, 10, 5, tzinfo=SHANGHAI)
    assert first.metrics.to_dict() == {"reposts": 5, "comments": 2, "likes": 9}
    assert first.author is not None and first.author.followers == 120
    assert first.url == "https://social.example/@alice/113500000000000003"
    boost = posts[f"mastodon:{host}:113500000000000002"]
    assert boost.repost_of == f"mastodon:{host}:113400000000000001"
    assert boost.text == "XX充电宝 召回公告在哪？"
    original = posts[f"mastodon:{host}:113400000000000001"]
    assert original.author is not None and original.author.name == "carol@other.example"
    assert [request.args.get("max_id") for request, _ in httpserver.log] == [None, "113500000000000002"]
    assert httpserver.log[0][0].args["limit"] == "40"


def test_search_endpoint_and_dedup_across_modes(
    httpserver: HTTPServer, base_url: str, mastodon_settings: MastodonSettings
) -> None:
    _serve_tag(httpserver, base_url)
    httpserver.expect_request("/api/v2/search").respond_with_data(
        fixture_bytes("mastodon/search.json"), content_type=JSON
    )
    source = _source(base_url, mastodon_settings)
    posts = list(source.search("XX充电宝", SINCE, UNTIL, max_pages=1))
    ids = [post.id.rsplit(":", 1)[1] for post in posts]
    assert ids.count("113500000000000003") == 1
    assert "113500000000000004" in ids
    assert source.summary.duplicates == 1
    search_request = next(request for request, _ in httpserver.log if request.path == "/api/v2/search")
    assert search_request.args["type"] == "statuses"
    assert search_request.args["q"] == "XX充电宝"


def test_token_is_sent_as_bearer(httpserver: HTTPServer, base_url: str) -> None:
    settings = MastodonSettings(instance=base_url, delay_s=0, token=SecretStr("tok-123"))
    httpserver.expect_request(
        "/api/v1/timelines/tag/xx", headers={"Authorization": "Bearer tok-123"}
    ).respond_with_data("[]", content_type=JSON)
    assert (
        list(
            MastodonSource(requests.Session(), settings, sleep=lambda _s: None, modes=("tag",)).search(
                "xx", SINCE, UNTIL
            )
        )
        == []
    )
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, b'{"error":"This API requires an authenticated user"}', LoginRequired),
        (429, b"{}", RateLimited),
        (200, b"{oops", Unparseable),
    ],
)
def test_blocks_raise(
    httpserver: HTTPServer,
    base_url: str,
    mastodon_settings: MastodonSettings,
    status: int,
    body: bytes,
    error: type[Exception],
) -> None:
    httpserver.expect_request("/api/v1/timelines/tag/xx").respond_with_data(body, status=status, content_type=JSON)
    with pytest.raises(error):
        list(_source(base_url, mastodon_settings, modes=("tag",)).search("xx", SINCE, UNTIL))


def test_content_to_text() -> None:
    assert content_to_text("<p>一<br>二</p><p>三 &amp; 四</p>") == "一\n二\n三 & 四"


def test_account_without_a_follower_count_has_an_unknown_one() -> None:
    status = {
        "id": "109",
        "created_at": "2026-12-05T02:00:00.000Z",
        "content": "<p>充电宝又坏了</p>",
        "account": {"id": "7", "acct": "someone"},
    }
    fetched = datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
    [post] = status_to_posts(status, "example.social", fetched, None)
    assert post.author is not None and post.author.followers is None
    status["account"] = {"id": "7", "acct": "someone", "followers_count": 0}
    [counted] = status_to_posts(status, "example.social", fetched, None)
    assert counted.author is not None and counted.author.followers == 0
