"""The briefing page and its download over a real server on loopback and in real Chromium: the 舆情日报 of the
demo's crisis day, its figures checked against the store's posts."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from pipeline.models import Post
from pipeline.report.briefing import build_briefing
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.web.helpers import Console, canvas_is_drawn, log_in, screenshot

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT = "weibo:5238000000100001"
INCIDENT = "cas-1315b1857a"
CHARTS = ("#chart-volume", "#chart-hourly", "#chart-severity", "#chart-category")
FILENAME = "舆情日报-蒙牛-2026-11-22.html"


def day_posts(console: Console, brand: str = "蒙牛") -> list[Post]:
    with SQLiteStore(console.database) as store:
        return list(
            store.iter_posts(
                brand=brand,
                since=datetime(2026, 11, 22, tzinfo=SHANGHAI),
                until=datetime(2026, 11, 23, tzinfo=SHANGHAI),
            )
        )


def test_the_briefing_api_holds_the_crisis_day_as_the_store_has_it(console: Console) -> None:
    http = console.login()
    briefing = http.get(f"{console.url}/api/briefing?brand=蒙牛&date=2026-11-22").json()
    posts = day_posts(console)
    negative = sum(post.is_negative for post in posts)
    assert briefing["subject"] == "舆情日报 蒙牛 2026-11-22"
    assert briefing["days"][-1] == {
        "day": "2026-11-22",
        "mentions": len(posts),
        "negative": negative,
        "negative_share": negative / len(posts),
    }
    assert [day["day"] for day in briefing["days"]] == [f"2026-11-{day}" for day in range(15, 23)]
    hours = Counter(post.created_at.astimezone(SHANGHAI).hour for post in posts)
    assert [
        sum(hour[key] for key in ("negative", "neutral", "positive", "unscored")) for hour in briefing["hourly"]
    ] == [hours[hour] for hour in range(24)]
    severity = Counter(post.complaint.severity_label if post.complaint else "unscored" for post in posts)
    assert {item["key"]: item["count"] for item in briefing["severity"]} == severity
    assert briefing["top_complaints"][0]["id"] == ROOT and briefing["top_complaints"][0]["page"] == f"/posts/{ROOT}"
    # The crisis cascade, and the two critical complaints the brand had not answered an hour on (the demo's
    # official account answers one of them later, which resolves its incident).
    incidents = {item["id"]: item["kind"] for item in briefing["incidents"]}
    assert incidents.pop(INCIDENT) == "cascade"
    assert sorted(incidents.values()) == ["unanswered", "unanswered"]
    assert briefing["summary"][0] == {
        "measure": "声量",
        "today": str(len(posts)),
        "vs_yesterday": "0 (新增)",
        "vs_baseline": "0.0/天 (新增)",
    }
    assert briefing["emerging_terms"] and all(item["today"] >= 2 for item in briefing["emerging_terms"])
    assert briefing["download"] == "/briefing.html?brand=%E8%92%99%E7%89%9B&date=2026-11-22"


def test_without_a_date_the_briefing_is_of_the_stores_last_day(console: Console) -> None:
    http = console.login()
    # The demo store's posts end on 2026-11-22 (one just after midnight): that day, not "yesterday".
    assert http.get(f"{console.url}/api/briefing").json()["day"] == "2026-11-22"
    assert http.get(f"{console.url}/api/briefing?brand=小米").json()["brand"] == "小米"


def test_the_page_shows_the_briefing_sections_with_links(console: Console) -> None:
    http = console.login()
    answer = http.get(f"{console.url}/briefing?brand=蒙牛&date=2026-11-22")
    assert answer.status_code == 200
    page = answer.text
    assert '<h1 id="briefing-subject">舆情日报 蒙牛 2026-11-22</h1>' in page
    for section in ("summary", "volume", "breakdown", "incidents", "top-complaints", "emerging-terms"):
        assert f'<section id="{section}"' in page, section
    assert f'<td class="num">{len(day_posts(console))}</td>' in page  # the day's mentions in the summary
    assert f'href="/posts/{ROOT}"' in page and 'href="https://weibo.com/1825856108/nZnVuPYSR"' in page
    assert f'href="/incidents/{INCIDENT}"' in page
    with SQLiteStore(console.database) as store:
        expected_terms = build_briefing(store, "蒙牛", datetime(2026, 11, 22).date(), tz=SHANGHAI).emerging_terms
    assert expected_terms and all(f"<td>{item.term}</td>" in page for item in expected_terms)
    assert 'href="/briefing.html?brand=%E8%92%99%E7%89%9B&amp;date=2026-11-22"' in page
    # The 回应 section, as the document has it: 蒙牛 has official accounts in the demo, which left one critical
    # complaint unanswered.
    responses = page[page.index('<section id="responses">') :].split("</section>")[0]
    assert "<h2>回应</h2>" in responses and "回复率" in responses
    with SQLiteStore(console.database) as store:
        unanswered = [doc for doc in store.list_records("response") if not doc["replies"] and doc["severity"] == 3]
        posts = store.get_posts([doc["post_id"] for doc in unanswered])
    assert len(unanswered) == 1 and all(f'<a href="{post.url}">' in responses for post in posts.values())

    english = http.get(f"{console.url}/briefing?brand=蒙牛&date=2026-11-22&lang=en").text
    assert "Daily briefing: 蒙牛, 2026-11-22" in english and "Top complaints" in english
    assert "Emerging complaint terms" in english and "热门投诉" not in english


def test_the_download_is_the_delivered_html_document_with_its_name(console: Console) -> None:
    http = console.login()
    answer = http.get(f"{console.url}/briefing.html?brand=蒙牛&date=2026-11-22")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/html; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert encoded is not None and unquote(encoded.group(1)) == FILENAME
    assert 'filename="briefing-2026-11-22.html"' in disposition  # for clients without RFC 6266
    document = answer.text
    assert document.startswith("<!DOCTYPE html>") and "<title>舆情日报 蒙牛 2026-11-22</title>" in document
    assert 'src="data:image/png;base64,' in document  # self-contained: charts embedded
    assert 'href="https://weibo.com/1825856108/nZnVuPYSR"' in document and "<script" not in document
    # In the language of the console's session.
    english = http.get(f"{console.url}/briefing.html?brand=蒙牛&date=2026-11-22&lang=en").text
    assert "<title>Daily briefing: 蒙牛, 2026-11-22</title>" in english


def test_unknown_brands_and_days_are_refused(console: Console) -> None:
    http = console.login()
    for path in ("/briefing", "/briefing.html", "/api/briefing"):
        answer = http.get(f"{console.url}{path}?brand=伊利&date=2026-11-22")
        assert answer.status_code == 404, path
        assert "伊利" in answer.text and "蒙牛、小米、顺丰、瑞幸" in answer.text, path
        assert http.get(f"{console.url}{path}?brand=蒙牛&date=2026-11-31").status_code == 422, path


def test_in_chromium_the_briefing_draws_its_charts_and_downloads(console: Console, browser_page: Any) -> None:
    page = browser_page
    log_in(page, console)
    page.goto(f"{console.url}/briefing")
    assert page.inner_text("#briefing-subject") == "舆情日报 蒙牛 2026-11-22"
    for chart in CHARTS:
        page.wait_for_selector(f"{chart}[data-drawn='1'] canvas")
        assert canvas_is_drawn(page, chart), chart
    assert "喝出一块黑色异物" in page.inner_text("#top-complaints tbody tr:first-child")
    screenshot(page, "briefing")

    with page.expect_download() as download:
        page.click("#briefing-download")
    assert download.value.suggested_filename == FILENAME
    saved = download.value.path()
    assert saved is not None
    with open(saved, encoding="utf-8") as handle:
        assert "<title>舆情日报 蒙牛 2026-11-22</title>" in handle.read()

    page.select_option("#brand-select", "顺丰")
    page.fill("#briefing-date", "2026-11-21")
    page.click("#briefing-apply")
    page.wait_for_url(re.compile(r"date=2026-11-21"))
    assert page.inner_text("#briefing-subject") == "舆情日报 顺丰 2026-11-21"
    assert "当天没有负面微博" in page.inner_text("#top-complaints")  # the demo has one day only
    page.wait_for_selector("#chart-severity[data-drawn='1'] canvas")
    assert canvas_is_drawn(page, "#chart-severity")  # "no data", written on the chart
