"""Hostile posts stay inert in every page that shows posts: text and author names that are markup show as text,
and a `javascript:` or `data:` URL is never a link. Checked in real Chromium, on the DOM the pages end up with
(after their own scripts have run), not on the HTML source alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pipeline.models import Post
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post
from tests.pipeline.web.helpers import Console, log_in

SCRIPT = "<script>window.__xss=1</script>"
IMAGE = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload=window.__xss=1>'
JAVASCRIPT_URL = "javascript:window.__xss=1"
DATA_URL = "data:text/html,<script>window.__xss=1</script>"

# Negative critical complaints with the most reposts of the day, so that the overview and the briefing (which
# show the most spread complaints) show them too.
HOSTILE = [
    ("weibo:9300000000000001", f"蒙牛恶意测试{SCRIPT}", IMAGE, JAVASCRIPT_URL, 9000),
    ("weibo:9300000000000002", f"蒙牛恶意测试{IMAGE}", SVG, DATA_URL, 8000),
    ("weibo:9300000000000003", f"蒙牛恶意测试{SVG}", SCRIPT, "  JaVaScRiPt:window.__xss=1", 7000),
    (
        "weibo:9300000000000004",
        f'蒙牛恶意测试 <a href="{JAVASCRIPT_URL}">点我</a>',
        "<b>粗体</b>",
        "\tjavascript:1",
        6000,
    ),
]
REPOST_ID = "weibo:9300000000000009"  # a repost of the first, by an author named like an image tag

INSPECT = """() => {
    const executable = [...document.scripts].filter(s => !s.type || /javascript|module/i.test(s.type));
    const linkish = [...document.querySelectorAll('[href], [src], [action], [formaction], [xlink\\\\:href]')];
    const hostileTarget = /^\\s*(javascript|data|vbscript):/i;
    return {
        xss: typeof window.__xss,
        strangeScripts: executable.filter(s => s.textContent.includes('__xss')
            || (s.src && !s.src.startsWith(location.origin + '/static/'))).length,
        handlers: [...document.querySelectorAll('*')]
            .filter(el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
        images: document.querySelectorAll('img[onerror], img[src="x"]').length,
        svgs: document.querySelectorAll('svg[onload]').length,
        bold: document.querySelectorAll('main b').length,
        hostileLinks: linkish.filter(el => ['href', 'src', 'action', 'formaction', 'xlink:href']
            .some(name => hostileTarget.test(el.getAttribute(name) || ''))).length,
        hostileHrefs: [...document.links].filter(a => !/^https?:$/.test(a.protocol)).map(a => a.href),
        text: document.body.innerText,
    };
}"""


@pytest.fixture
def hostile_console(console: Console) -> Iterator[Console]:
    store = SQLiteStore(console.database)
    try:
        records = [
            make_post(
                id=post_id,
                text=text,
                author={"id": str(index), "name": author, "followers": 100 + index},
                url=url,
                brand="蒙牛",
                created_at=f"2026-11-22T23:5{index}:00+08:00",
                fetched_at=f"2026-11-22T23:5{index}:30+08:00",
                metrics={"reposts": reposts, "comments": 1, "likes": 1},
                sentiment={"label": "negative", "score": 0.99},
                complaint={"is_complaint": True, "probability": 0.99, "severity": 3, "category": "safety"},
            )
            for index, (post_id, text, author, url, reposts) in enumerate(HOSTILE)
        ]
        records.append(
            make_post(
                id=REPOST_ID,
                text=f"转发{SCRIPT}//@{IMAGE}:{HOSTILE[0][1]}",
                author={"id": "9", "name": IMAGE, "followers": 5},
                url=JAVASCRIPT_URL,
                brand="蒙牛",
                created_at="2026-11-22T23:59:00+08:00",
                repost_of=HOSTILE[0][0],
            )
        )
        store.upsert_posts([Post.from_dict(record) for record in records])
    finally:
        store.close()
    yield console


def inspect(page: Any, url: str, fetches: bool = False) -> dict[str, Any]:
    """What the page at `url` ended up with, once its scripts ran (and, for a page that `fetches` data and draws
    it, once the network is quiet)."""
    page.goto(url, wait_until="networkidle" if fetches else "load")
    found: dict[str, Any] = page.evaluate(INSPECT)
    assert found["xss"] == "undefined", url
    assert found["strangeScripts"] == 0, url
    assert found["handlers"] == 0, url
    assert found["images"] == 0 and found["svgs"] == 0 and found["bold"] == 0, url
    assert found["hostileLinks"] == 0 and found["hostileHrefs"] == [], url
    return found


def test_hostile_posts_show_as_text_in_the_list_and_the_search(hostile_console: Console, browser_page: Any) -> None:
    page = browser_page
    log_in(page, hostile_console)
    day = "since=2026-11-22&until=2026-11-22"
    for url in (
        f"/complaints?{day}&brand=蒙牛",
        f"/complaints?{day}&q=恶意测试",
        f"/complaints?{day}&q=恶意测试&lang=en",
    ):
        text = inspect(page, hostile_console.url + url)["text"]
        for markup in (SCRIPT, IMAGE, SVG):
            assert markup in text, url  # shown, as text
        for post_id, *_ in HOSTILE:
            assert page.locator(f"tr[data-post-id='{post_id}'] a.original").count() == 0


def test_hostile_posts_show_as_text_on_their_own_pages(hostile_console: Console, browser_page: Any) -> None:
    page = browser_page
    log_in(page, hostile_console)
    for post_id, text, author, _url, _reposts in HOSTILE:
        found = inspect(page, f"{hostile_console.url}/posts/{post_id}")
        assert text in found["text"]
        assert author in page.inner_text("#post .meta")
        assert page.locator("#post a.original").count() == 0
    found = inspect(page, f"{hostile_console.url}/posts/{HOSTILE[0][0]}")
    assert page.locator("#reposts tbody tr").count() == 1 and IMAGE in page.inner_text("#reposts")
    found = inspect(page, f"{hostile_console.url}/posts/{REPOST_ID}")
    assert SCRIPT in page.inner_text("#root") and IMAGE in found["text"]


def hostile_incident(console: Console) -> str:
    """The demo's cascade incident as it would read had the hostile post spread: its root, evidence and links
    are the hostile posts, its reason names their authors."""
    store = SQLiteStore(console.database)
    try:
        (demo,) = store.list_records("incident", where={"kind": "cascade"})
        incident_id = "cas-hostile0001"
        doc = {
            **demo,
            "incident_id": incident_id,
            "key": f"cascade:{HOSTILE[0][0]}",
            "root_id": HOSTILE[0][0],
            "status": "open",
            "resolved_at": None,
            "resolved_by": None,
            "posts": [post_id for post_id, *_ in HOSTILE],
            "urls": [url for *_, url, _reposts in HOSTILE],
            "reason": f"{IMAGE} 发布的负面微博 {HOSTILE[0][0]} 被转发 9000 次；大V：{SVG}{SCRIPT}",
            "reason_data": [
                {
                    "key": "cascade.spreading_by",
                    "args": {**demo["reason_data"][0]["args"], "author": IMAGE, "root": HOSTILE[0][0]},
                },
                {
                    "key": "cascade.big_accounts",
                    "args": {"accounts": [{"key": "cascade.account", "args": {"name": SVG, "followers": 9}}]},
                },
            ],
        }
        store.put_record("incident", incident_id, doc)
    finally:
        store.close()
    return incident_id


def test_hostile_posts_stay_inert_on_the_overview_the_briefing_and_the_incidents(
    hostile_console: Console, browser_page: Any
) -> None:
    incident_id = hostile_incident(hostile_console)
    page = browser_page
    log_in(page, hostile_console)
    overview = inspect(page, f"{hostile_console.url}/?brand=蒙牛&since=2026-11-22&until=2026-11-23", fetches=True)
    assert SCRIPT in overview["text"]  # the most spread complaint of the day
    briefing = inspect(page, f"{hostile_console.url}/briefing?brand=蒙牛&date=2026-11-22", fetches=True)
    assert SCRIPT in briefing["text"] or IMAGE in briefing["text"]
    listed = inspect(page, f"{hostile_console.url}/incidents", fetches=True)
    assert IMAGE in listed["text"]
    incident = inspect(page, f"{hostile_console.url}/incidents/{incident_id}", fetches=True)
    assert IMAGE in incident["text"] and SVG in incident["text"]
