from __future__ import annotations

from datetime import datetime, timedelta

from pipeline.models import SHANGHAI
from pipeline.sources.weibo_search_parse import parse_search_page
from tests.pipeline.sources.helpers import FETCHED, fixture_bytes


def _page(relative: str):
    return parse_search_page(fixture_bytes(relative).decode("utf-8", errors="replace"), FETCHED, "XX充电宝")


def test_page_one_cards() -> None:
    page = _page("search/page1.html")
    posts = {post.id: post for post in page.posts}
    assert page.cards == 4
    assert page.errors == []
    assert page.page_count == 3
    assert page.next_href is not None and "page=2" in page.next_href
    assert set(posts) == {f"weibo:523000000000000{n}" for n in (1, 2, 3, 4)} | {"weibo:5229000000000009"}

    long_post = posts["weibo:5230000000000001"]
    assert long_post.url == "https://weibo.com/1001/PbCdEfGhI"
    assert long_post.text == "买的XX充电宝用了三天就鼓包了，客服一直不回复 #XX充电宝鼓包# @XX官方"
    assert long_post.extra["location"] == "上海·徐汇区"
    assert long_post.extra["text_complete"] is True
    assert long_post.extra["source_app"] == "iPhone 15 Pro"
    assert long_post.extra["bid"] == "PbCdEfGhI"
    assert long_post.extra["keyword"] == "XX充电宝"
    assert long_post.created_at == datetime(2026, 11, 22, 8, 15, tzinfo=SHANGHAI)
    assert long_post.author is not None
    assert (long_post.author.id, long_post.author.name) == ("1001", "充电宝观察")
    assert long_post.author.verified and long_post.author.verified_type == 1
    assert long_post.metrics.to_dict() == {"reposts": 12, "comments": 34, "likes": 56}
    assert long_post.repost_of is None
    assert long_post.fetched_at == FETCHED

    zero = posts["weibo:5230000000000002"]
    assert zero.metrics.to_dict() == {"reposts": 0, "comments": 0, "likes": 0}
    assert zero.created_at == FETCHED
    assert zero.author is not None and not zero.author.verified and zero.author.verified_type == -1

    big = posts["weibo:5230000000000003"]
    assert big.metrics.to_dict() == {"reposts": 12_000, "comments": 1_000_000, "likes": 30_000}
    assert big.created_at == FETCHED - timedelta(seconds=30)
    assert big.author is not None and big.author.verified_type == 0


def test_repost_card_links_to_its_original_and_yields_it() -> None:
    posts = {post.id: post for post in _page("search/page1.html").posts}
    repost = posts["weibo:5230000000000004"]
    assert repost.repost_of == "weibo:5229000000000009"
    assert repost.text == "同款XX充电宝也鼓了 //@充电宝观察:"
    assert repost.created_at == FETCHED - timedelta(minutes=5)
    assert repost.author is not None and repost.author.id == "1004"
    assert repost.metrics.to_dict() == {"reposts": 1, "comments": 0, "likes": 2}
    original = posts["weibo:5229000000000009"]
    assert original.repost_of is None
    assert original.text == "XX充电宝用了三天就鼓包了"
    assert original.author is not None and (original.author.id, original.author.name) == ("1001", "充电宝观察")
    assert original.created_at == datetime(2026, 11, 20, 21, 3, tzinfo=SHANGHAI)
    assert original.metrics.to_dict() == {"reposts": 8, "comments": 5, "likes": 20}
    assert original.url == "https://weibo.com/1001/PaAbCdEfG"


def test_page_two_formats_and_deleted_original() -> None:
    posts = {post.id: post for post in _page("search/page2.html").posts}
    older = posts["weibo:5230000000000005"]
    assert older.created_at == datetime(2026, 11, 21, 19, 45, tzinfo=SHANGHAI)
    assert older.metrics.likes == 5
    assert older.extra["source_app"] == "vivo X100"
    assert posts["weibo:5230000000000006"].created_at == datetime(2025, 12, 30, 23, 59, tzinfo=SHANGHAI)
    orphan = posts["weibo:5230000000000007"]
    assert orphan.repost_of is None
    assert orphan.extra["original_deleted"] is True
    assert orphan.created_at == datetime(2026, 11, 22, 9, 2, tzinfo=SHANGHAI)
    assert len(posts) == 4


def test_no_results_page() -> None:
    page = _page("search/no_results.html")
    assert page.no_results and page.posts == [] and page.page_count == 0


def test_truncated_page_keeps_the_complete_cards_and_invents_nothing() -> None:
    page = _page("search/truncated.html")
    ids = {post.id for post in page.posts}
    assert ids <= {"weibo:5230000000000001", "weibo:5230000000000002", "weibo:5230000000000003"}
    assert {"weibo:5230000000000001", "weibo:5230000000000002"} <= ids
    assert page.cards == len(ids) + len(page.errors)


def test_unreadable_card_is_reported_not_fatal() -> None:
    html = fixture_bytes("search/page1.html").decode().replace("今天 08:15", "下周二")
    page = parse_search_page(html, FETCHED)
    assert "weibo:5230000000000001" not in {post.id for post in page.posts}
    assert len(page.errors) == 1 and "5230000000000001" in page.errors[0]
    assert len(page.posts) == 4
