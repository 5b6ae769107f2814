"""The complaints and search page, its JSON API and its CSV, over a real server on the demo's store."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from pipeline.demo.posts import CRISIS_ROOT_ID, DAY
from pipeline.feedback import Labels
from pipeline.models import Post, Sentiment
from pipeline.store.sqlite import SQLiteStore
from pipeline.web import post_listing as complaints
from tests.helpers import make_post
from tests.pipeline.web.helpers import Console, log_in, screenshot

THE_DAY = "since=2026-11-22&until=2026-11-22"


def stored(console: Console) -> list[Post]:
    """The demo day's posts as the store has them."""
    store = SQLiteStore(console.database)
    try:
        return list(store.iter_posts(since=DAY, until=DAY + timedelta(days=1)))
    finally:
        store.close()


def newest_first(posts: list[Post]) -> list[str]:
    return [post.id for post in sorted(posts, key=lambda post: (post.created_at, post.id), reverse=True)]


def listed_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-post-id="([^"]+)"', html)


def api_posts(http: requests.Session, console: Console, query: str) -> dict[str, Any]:
    answer = http.get(f"{console.url}/api/posts?{query}")
    assert answer.status_code == 200, answer.text[:300]
    body: dict[str, Any] = answer.json()
    return body


def test_each_filter_narrows_the_list_to_what_the_store_holds(console: Console) -> None:
    http = console.login()
    posts = stored(console)
    cases = {
        "": lambda post, labels: True,
        "brand=顺丰": lambda post, labels: post.brand == "顺丰",
        "sentiment=negative": lambda post, labels: labels.sentiment == "negative",
        "brand=蒙牛&complaint=1&severity=3&category=safety": lambda post, labels: (
            post.brand == "蒙牛" and labels.complaint and labels.severity == 3 and labels.category == "safety"
        ),
        "complaint=0&sentiment=positive": lambda post, labels: not labels.complaint and labels.sentiment == "positive",
        "severity=2&category=delivery": lambda post, labels: labels.severity == 2 and labels.category == "delivery",
        "source=weibo&brand=瑞幸": lambda post, labels: post.brand == "瑞幸",
        "source=mastodon": lambda post, labels: False,
    }
    sizes = {}
    for query, keeps in cases.items():
        expected = newest_first([post for post in posts if keeps(post, Labels.of(post))])
        body = api_posts(http, console, f"{THE_DAY}&{query}")
        assert [post["id"] for post in body["posts"]] == expected[:50], query
        assert body["has_next"] == (len(expected) > 50), query
        assert not body["cut_short"]
        page = http.get(f"{console.url}/complaints?{THE_DAY}&{query}")
        assert page.status_code == 200
        assert listed_ids(page.text) == expected[:50], query
        sizes[query] = len(expected)
    assert sizes[""] > sizes["sentiment=negative"] > sizes["brand=蒙牛&complaint=1&severity=3&category=safety"] > 0
    assert sizes["source=mastodon"] == 0


def test_pages_follow_each_other_without_gaps_or_repeats(console: Console) -> None:
    http = console.login()
    expected = newest_first([post for post in stored(console) if post.brand == "蒙牛"])
    seen: list[str] = []
    for number in range(1, 10):
        body = api_posts(http, console, f"{THE_DAY}&brand=蒙牛&page={number}")
        seen += [post["id"] for post in body["posts"]]
        if not body["has_next"]:
            break
    assert seen == expected and len(expected) > 250  # several pages of 50


def test_full_text_search_finds_the_crisis_posts(console: Console) -> None:
    http = console.login()
    posts = stored(console)
    expected = newest_first([post for post in posts if "异物" in post.text])
    assert CRISIS_ROOT_ID in expected
    seen: list[str] = []
    for number in range(1, 10):
        body = api_posts(http, console, f"{THE_DAY}&q=异物&page={number}")
        seen += [post["id"] for post in body["posts"]]
        if not body["has_next"]:
            break
    assert seen == expected
    narrowed = api_posts(http, console, f"{THE_DAY}&q=市场监管局&complaint=1")["posts"]
    assert [post["text"] for post in narrowed] == ["蒙牛喝出异物这事必须查清楚，已经向市场监管局反映"]
    page = http.get(f"{console.url}/complaints?{THE_DAY}&q=市场监管局")
    assert "已经向市场监管局反映" in page.text and "搜索“市场监管局”" in page.text
    assert api_posts(http, console, f"{THE_DAY}&q=火星移民计划")["posts"] == []


def test_each_row_links_to_its_post_page_and_to_its_original(console: Console) -> None:
    http = console.login()
    page = http.get(f"{console.url}/complaints?{THE_DAY}&q=市场监管局")
    row = page.text[page.text.index("<tr data-post-id=") :]
    row = row[: row.index("</tr>")]
    post_id = re.search(r'data-post-id="([^"]+)"', row)
    assert post_id
    assert f'href="/posts/{post_id.group(1)}"' in row
    original = re.search(r'<a href="(https://weibo\.com/[^"]+)" class="original"', row)
    assert original, row
    assert http.get(f"{console.url}/posts/{post_id.group(1)}").status_code == 200


def test_without_dates_the_list_covers_the_last_30_days_and_says_so(console: Console) -> None:
    http = console.login()
    before = datetime.now(UTC)
    body = api_posts(http, console, "brand=蒙牛")
    until = datetime.fromisoformat(body["until"])
    assert body["default_window"] and before <= until <= datetime.now(UTC)
    assert until - datetime.fromisoformat(body["since"]) == timedelta(days=30)
    page = http.get(f"{console.url}/complaints").text
    assert (
        "默认：最近 30 天" in page and (until - timedelta(days=30)).astimezone(DAY.tzinfo).strftime("%Y-%m-%d") in page
    )
    given = api_posts(http, console, THE_DAY)
    assert not given["default_window"]
    assert given["since"].startswith("2026-11-22T00:00:00+08") and given["until"].startswith("2026-11-23T00:00:00+08")


def test_a_list_reads_at_most_its_bound_and_says_how_far_back_it_got(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(complaints, "SCAN_LIMIT", 120)  # the server runs in this process
    http = console.login()
    posts = stored(console)
    nothing = api_posts(http, console, f"{THE_DAY}&source=mastodon")
    assert nothing["cut_short"] and nothing["posts"] == []
    reached = datetime.fromisoformat(nothing["reached"])
    assert DAY < reached < DAY + timedelta(days=1)
    assert "只回溯到" in http.get(f"{console.url}/complaints?{THE_DAY}&source=mastodon").text
    # What it lists is every match from where it stopped to `until`: newer posts are never skipped.
    some = api_posts(http, console, f"{THE_DAY}&sentiment=positive")
    reached = datetime.fromisoformat(some["reached"])
    expected = newest_first([p for p in posts if p.created_at >= reached and Labels.of(p).sentiment == "positive"])
    assert [post["id"] for post in some["posts"]] == expected[:50] and expected


def test_a_filter_that_makes_no_sense_is_named_not_guessed(console: Console) -> None:
    http = console.login()
    page = http.get(f"{console.url}/complaints?severity=9&since=yesterday")
    assert page.status_code == 400
    assert "筛选条件有误" in page.text and "severity=&#39;9&#39;" in page.text and "since=" in page.text
    assert http.get(f"{console.url}/api/posts?sentiment=angry").status_code == 422
    assert http.get(f"{console.url}/api/posts?since=2026-11-23&until=2026-11-22").status_code == 422


def test_strangers_get_neither_the_list_nor_its_csv(console: Console) -> None:
    assert requests.get(f"{console.url}/complaints.csv", allow_redirects=False).status_code == 303
    assert requests.get(f"{console.url}/api/posts").status_code == 401


def test_the_csv_is_the_page_in_excel_readable_utf8_and_runs_no_formula(console: Console) -> None:
    store = SQLiteStore(console.database)
    try:
        hostile = [
            make_post(
                id="weibo:9100000000000001",
                text='=HYPERLINK("http://evil.example","点我") 蒙牛退款',
                author={"id": "1", "name": "@SUM(1+1)"},
                brand="蒙牛",
                created_at="2026-11-22T23:50:00+08:00",
            ),
            make_post(
                id="weibo:9100000000000002",
                text="-2+3 蒙牛",
                author={"id": "2", "name": "+cmd"},
                brand="蒙牛",
                created_at="2026-11-22T23:51:00+08:00",
            ),
        ]
        store.upsert_posts([Post.from_dict(record) for record in hostile])
    finally:
        store.close()
    http = console.login()
    query = f"{THE_DAY}&brand=蒙牛"
    answer = http.get(f"{console.url}/complaints.csv?{query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间", "品牌", "作者", "内容"]
    assert [row[-2] for row in rows[1:]] == listed_ids(http.get(f"{console.url}/complaints?{query}").text)
    by_id = {row[-2]: row for row in rows[1:]}
    first, second = by_id["weibo:9100000000000001"], by_id["weibo:9100000000000002"]
    assert first[2] == "'@SUM(1+1)" and first[3].startswith("'=HYPERLINK(")
    assert second[2] == "'+cmd" and second[3] == "'-2+3 蒙牛"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_export_in_the_browser_downloads_the_rows_shown(console: Console, browser_page: Any, tmp_path: Path) -> None:
    page = browser_page
    log_in(page, console)
    page.goto(f"{console.url}/complaints?{THE_DAY}")
    page.fill("input[name=q]", "异物")
    page.select_option("select[name=brand]", "蒙牛")
    page.select_option("select[name=severity]", "3")
    page.click("#apply")
    page.wait_for_selector("#posts")
    assert "q=%E5%BC%82%E7%89%A9" in page.url and "severity=3" in page.url
    shown = page.eval_on_selector_all("#posts tbody tr", "rows => rows.map(row => row.dataset.postId)")
    texts = page.eval_on_selector_all("#posts td.text", "cells => cells.map(cell => cell.textContent)")
    assert len(shown) == 50 and all("异物" in text for text in texts)
    screenshot(page, "complaints")
    with page.expect_download() as download:
        page.click("#export-csv")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row[-2] for row in rows[1:]] == shown
    assert all(row[6] == "危急" for row in rows[1:])  # severity shown in the page's words


UNTIL = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)


def stretch(first: int, count: int, newest: datetime, step: timedelta, sentiment: str = "negative") -> list[Post]:
    """`count` posts, the newest at `newest`, `step` apart (a fraction of a second too: stored times are exact,
    the documents keep whole seconds)."""
    base = Post.from_dict(make_post(sentiment={"label": sentiment, "score": 0.5}))
    return [
        base.with_changes(id=f"weibo:{first + number}", created_at=newest - step * number) for number in range(count)
    ]


@pytest.mark.parametrize(
    "layout",
    [
        "dense, up to now",
        "two stretches weeks apart, long before now",
        "a burst after a quiet day",
    ],
)
def test_the_walk_back_lists_exactly_the_newest_posts_whatever_the_gaps(tmp_path: Path, layout: str) -> None:
    posts = {
        "dense, up to now": stretch(1, 4000, UNTIL - timedelta(seconds=3), timedelta(seconds=1.37)),
        "two stretches weeks apart, long before now": (
            stretch(1, 30, UNTIL - timedelta(days=25), timedelta(minutes=7.3))
            + stretch(100, 30, UNTIL - timedelta(days=3), timedelta(minutes=3.1))
        ),
        "a burst after a quiet day": (
            stretch(1, 20, UNTIL - timedelta(days=2), timedelta(hours=1.1))
            + stretch(100, 1200, UNTIL - timedelta(hours=5), timedelta(seconds=0.7))
        ),
    }[layout]
    store = SQLiteStore(tmp_path / "walk.db")
    store.upsert_posts(posts)
    expected = newest_first(list(store.iter_posts(since=UNTIL - timedelta(days=30))))  # as stored
    seen: list[str] = []
    for number in (1, 2, 3):
        filters = complaints.parse_filters({"page": str(number)}, DAY.tzinfo, UNTIL)  # type: ignore[arg-type]
        listing = complaints.list_posts(store, filters)
        assert not listing.cut_short
        seen += [row.post.id for row in listing.rows]
    assert seen == expected[:150]
    store.close()


def test_a_rare_match_stops_at_the_bound_with_every_match_after_where_it_stopped(tmp_path: Path) -> None:
    posts = stretch(1, 4000, UNTIL - timedelta(minutes=1), timedelta(seconds=2.1))
    posts = [
        post.with_changes(sentiment=Sentiment("positive", 0.1)) if number % 97 == 0 else post
        for number, post in enumerate(posts)
    ]
    store = SQLiteStore(tmp_path / "rare.db")
    store.upsert_posts(posts)
    filters = complaints.parse_filters({"sentiment": "positive"}, DAY.tzinfo, UNTIL)  # type: ignore[arg-type]
    listing = complaints.list_posts(store, filters)
    stored_posts = list(store.iter_posts())
    store.close()
    assert listing.cut_short and UNTIL - timedelta(days=1) < listing.reached < UNTIL
    positive = {post.id for post in posts if post.created_at >= listing.reached and post.sentiment.label == "positive"}
    expected = [post_id for post_id in newest_first(stored_posts) if post_id in positive]
    assert [row.post.id for row in listing.rows] == expected and 5 < len(expected) < 50


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_the_newest_post_is_found_closely_however_its_time_was_rounded(tmp_path: Path, fraction: float) -> None:
    import threading

    newest = datetime(2026, 11, 2, 7, 30, 11, tzinfo=UTC) + timedelta(seconds=fraction)
    store = SQLiteStore(tmp_path / "edge.db")
    store.upsert_posts(stretch(1, 5, newest, timedelta(seconds=0.6)))
    found: list[datetime | None] = []
    since = UNTIL - timedelta(days=30)
    search = threading.Thread(
        target=lambda: found.append(complaints._newest_edge(store, None, since, UNTIL)), daemon=True
    )
    search.start()
    search.join(10)
    assert found, "the search for the newest post did not end"
    edge = found[0]
    assert edge is not None and newest < edge <= newest + complaints.MIN_SPAN
    assert complaints._newest_edge(store, "nobody", since, UNTIL) is None
    assert complaints._newest_edge(store, None, newest + timedelta(seconds=1), UNTIL) is None
    store.close()
