"""Random and truncated pages never crash the parsers, and every post they return is on the page."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.sources.blocking import classify_html, classify_json, decode_body
from pipeline.sources.mastodon import classify_mastodon, status_to_posts
from pipeline.sources.weibo_ids import mid_to_bid
from pipeline.sources.weibo_mobile import parse_getindex, posts_from_mblogs
from pipeline.sources.weibo_reposts import parse_repost_timeline
from pipeline.sources.weibo_search_parse import parse_search_page
from tests.pipeline.sources.helpers import FETCHED, fixture_bytes

SEARCH_PAGES = [fixture_bytes(f"search/page{n}.html").decode() for n in (1, 2, 3)]
JSON_PAGES = [
    fixture_bytes(name).decode()
    for name in ("mobile/getindex_page1.json", "mobile/getindex_page2.json", "mobile/repost_timeline_page1.json")
]
TAGS = ["div", "p", "a", "span", "ul", "li", "svg", "button", "i", "em"]
ATTRS = [
    'action-type="feed_list_item"',
    'mid="5230000000000001"',
    'action-type="feed_list_like"',
    'action-data="mid=12&amp;uid=3"',
    'class="from"',
    'class="card-comment"',
    'class="card-act"',
    'node-type="feed_list_content"',
    'node-type="feed_list_forwardContent"',
    'href="//weibo.com/1001/PbCdEfGhI"',
    'nick-name="x"',
    'class="s-scroll"',
]
TEXTS = ["今天 08:15", "刚刚", "5分钟前", "转发 1.2万", "评论", "赞", "11月20日 21:03", "收起全文", "x", "2"]
FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _fragments() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(TEXTS) | st.text(max_size=12)
    return st.recursive(
        leaf,
        lambda inner: st.builds(
            lambda tag, attrs, children: f"<{tag} {' '.join(attrs)}>{''.join(children)}</{tag}>",
            st.sampled_from(TAGS),
            st.lists(st.sampled_from(ATTRS), max_size=3),
            st.lists(inner, max_size=4),
        ),
        max_leaves=25,
    )


def _assert_on_page(ids: list[str], page: str) -> None:
    for post_id in ids:
        mid = post_id.removeprefix("weibo:")
        assert mid in page or mid_to_bid(mid) in page, f"{post_id} is not on the page"


@FAST
@given(_fragments())
def test_random_html_never_crashes_or_invents(html: str) -> None:
    page = parse_search_page(html, FETCHED)
    _assert_on_page([post.id for post in page.posts], html)
    assert len(page.posts) <= 2 * page.cards
    classify_html(200, "", "https://s.weibo.com/weibo", html)


@FAST
@given(st.sampled_from(SEARCH_PAGES), st.floats(min_value=0, max_value=1))
def test_truncated_html_never_crashes_or_invents(full: str, fraction: float) -> None:
    html = full[: int(len(full) * fraction)]
    page = parse_search_page(html, FETCHED)
    _assert_on_page([post.id for post in page.posts], html)
    assert len(page.posts) <= 2 * page.cards


@FAST
@given(st.binary(max_size=300), st.sampled_from(["", "text/html; charset=utf-8", "text/html; charset=nonsense"]))
def test_any_bytes_decode_and_classify(body: bytes, content_type: str) -> None:
    text = decode_body(body, content_type)
    for classify in (classify_html, classify_json, classify_mastodon):
        status, _reason = classify(200, "", "https://m.weibo.cn/api", text)
        assert status is not None


JSON_KEYS = [
    "ok", "data", "cards", "card_type", "card_group", "mblog", "mid", "id", "user", "created_at", "text",
    "retweeted_status", "followers_count", "reposts_count", "isLongText", "cardlistInfo", "page", "max",
    "account", "content", "reblog",
]  # fmt: skip
JSON_LEAVES = st.sampled_from(["5230000000000001", "Sat Nov 22 10:00:00 +0800 2025", "1.2万"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(JSON_KEYS), inner, max_size=6),
    max_leaves=30,
)


@FAST
@given(JSON_VALUES)
def test_random_json_never_crashes_or_invents(payload: Any) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    page = parse_getindex(payload)
    posts, _errors = posts_from_mblogs(page.mblogs, FETCHED)
    _assert_on_page([post.id for post in posts], text)
    mblogs, _last = parse_repost_timeline(payload)
    posts, _errors = posts_from_mblogs(mblogs, FETCHED)
    _assert_on_page([post.id for post in posts], text)
    if isinstance(payload, dict):
        try:
            statuses = status_to_posts(payload, "social.example", FETCHED, None)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            assert str(exc) is not None  # reported by the caller as an unreadable status
        else:
            assert all(post.id.rsplit(":", 1)[1] in text for post in statuses)


@FAST
@given(st.sampled_from(JSON_PAGES), st.floats(min_value=0, max_value=1))
def test_truncated_json_is_unparseable_not_a_crash(full: str, fraction: float) -> None:
    text = full[: int(len(full) * fraction)]
    status, _reason = classify_json(200, "", "https://m.weibo.cn/api", text)
    if fraction < 0.99:
        assert status.value == "unparseable"
