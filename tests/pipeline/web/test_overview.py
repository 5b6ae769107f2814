"""The overview over a real server on loopback and in real Chromium: its figures are the store's (computed here
from the posts themselves), its default window finds the demo's day, it refreshes itself in place."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from pipeline.config import Settings
from pipeline.models import Author, Complaint, Metrics, Post, Sentiment
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.web.helpers import PASSWORD, USER, Console, canvas_is_drawn, log_in, screenshot, start_console

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_START = datetime(2026, 11, 22, tzinfo=SHANGHAI)
DAY_END = datetime(2026, 11, 23, tzinfo=SHANGHAI)
DAY = "since=2026-11-22&until=2026-11-23"
ROOT, BIG_ACCOUNT_REPOST = "weibo:5238000000100001", "weibo:5238000000100002"
INCIDENT = "cas-1315b1857a"
CHARTS = ("#chart-trend", "#chart-severity", "#chart-category")


def posts_of(console: Console, brand: str, since: datetime, until: datetime) -> list[Post]:
    with SQLiteStore(console.database) as store:
        return list(store.iter_posts(brand=brand, since=since, until=until))


def expected_figures(posts: list[Post]) -> dict[str, Any]:
    """The overview's figures worked out from the posts themselves (complaints by their own flag)."""
    complaints = [post for post in posts if post.complaint is not None and post.complaint.is_complaint]
    hours: dict[str, Counter[str]] = {}
    for post in posts:
        counts = hours.setdefault(post.created_at.astimezone(SHANGHAI).strftime("%m-%d %H:00"), Counter())
        counts["mentions"] += 1
        counts["negative"] += post.is_negative
        counts["complaints"] += post in complaints
    return {
        "mentions": len(posts),
        "negative": sum(post.is_negative for post in posts),
        "complaints": len(complaints),
        "hours": hours,
        "severity": Counter(post.complaint.severity_label for post in complaints if post.complaint),
        "category": Counter(post.complaint.category for post in complaints if post.complaint),
        "spread": sorted(
            ((post.metrics.reposts, post.metrics.comments, post.metrics.likes) for post in posts if post.is_negative),
            reverse=True,
        )[:10],
    }


def negative_post(post_id: str, created_at: datetime, text: str, author: str, url: str, reposts: int) -> Post:
    return Post(
        id=post_id,
        text=text,
        created_at=created_at,
        source="weibo",
        url=url,
        author=Author("u-" + post_id, author, 10),
        metrics=Metrics(reposts, 0, 0),
        brand="蒙牛",
        sentiment=Sentiment("negative", 0.97),
        complaint=Complaint(True, 0.9, 3, "safety"),
    )


def test_the_overview_api_counts_what_the_store_holds(console: Console) -> None:
    http = console.login()
    answer = http.get(f"{console.url}/api/overview?brand=蒙牛&{DAY}")
    assert answer.status_code == 200, answer.text
    overview = answer.json()
    expected = expected_figures(posts_of(console, "蒙牛", DAY_START, DAY_END))
    assert expected["mentions"] > 300 and expected["complaints"] > 200  # the crisis is in the data
    assert overview["totals"] == {
        "mentions": expected["mentions"],
        "negative": expected["negative"],
        "negative_share": pytest.approx(expected["negative"] / expected["mentions"]),
        "complaints": expected["complaints"],
        # The crisis cascade was resolved at the end of the day, and so was the complaint the brand answered
        # late; the critical complaint it never answered is still open.
        "open_incidents": 1,
    }
    trend = overview["trend"]
    assert [point["label"] for point in trend] == [f"11-22 {hour:02d}:00" for hour in range(24)]
    for point in trend:
        counts = expected["hours"].get(point["label"], Counter())
        assert (point["mentions"], point["negative"], point["complaints"]) == (
            counts["mentions"],
            counts["negative"],
            counts["complaints"],
        ), point["label"]
    assert max(trend, key=lambda point: point["mentions"])["label"] in {"11-22 10:00", "11-22 11:00"}  # the crisis
    assert {item["key"]: item["count"] for item in overview["severity"]} == expected["severity"]
    assert [item["key"] for item in overview["severity"]] == [
        key for key in ("critical", "major", "minor") if expected["severity"][key]
    ]
    assert {item["key"]: item["count"] for item in overview["category"]} == expected["category"]
    assert overview["category"][0] == {"key": "safety", "label": "安全问题", "count": expected["category"]["safety"]}

    top = overview["top_complaints"]
    assert [(post["reposts"], post["comments"], post["likes"]) for post in top] == expected["spread"]
    assert [post["id"] for post in top[:2]] == [ROOT, BIG_ACCOUNT_REPOST]
    assert top[0]["page"] == f"/posts/{ROOT}" and top[0]["original"] == "https://weibo.com/1825856108/nZnVuPYSR"
    assert top[0]["time"] == "2026-11-22 10:02" and top[0]["severity"] == "危急"
    # The crisis (resolved, but active in the window) and the demo's two "unanswered" incidents.
    [incident] = [item for item in overview["incidents"] if item["id"] == INCIDENT]
    assert sorted(item["id"][:4] for item in overview["incidents"]) == ["cas-", "una-", "una-"]
    assert incident["id"] == INCIDENT and incident["page"] == f"/incidents/{INCIDENT}"
    assert (incident["priority"], incident["status"], incident["status_label"]) == ("P1", "resolved", "已解除")
    assert incident["opened"] == "2026-11-22 10:49" and "weibo:5238000000100001" in incident["reason"]


def test_by_default_the_window_ends_with_the_newest_post_until_posts_arrive_in_the_last_day(
    console: Console,
) -> None:
    http = console.login()
    quiet = http.get(f"{console.url}/api/overview?brand=蒙牛").json()
    with SQLiteStore(console.database) as store:
        newest = max(post.created_at for post in store.iter_posts())
    assert newest.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == "2026-11-23 00:31"
    # The end of the newest post's hour, and 24 hours before: the demo's crisis day, whenever the test runs.
    assert quiet["until"] == "2026-11-23T01:00:00+08:00" and quiet["since"] == "2026-11-22T01:00:00+08:00"
    since, until = datetime.fromisoformat(quiet["since"]), datetime.fromisoformat(quiet["until"])
    assert quiet["totals"]["mentions"] == len(posts_of(console, "蒙牛", since, until))
    assert quiet["top_complaints"][0]["id"] == ROOT

    now = datetime.now(UTC)
    fresh = negative_post("weibo:9100000000000001", now - timedelta(hours=1), "蒙牛酸奶胀包了", "新用户", "", 3)
    with SQLiteStore(console.database) as store:
        store.upsert_posts([fresh])
    live = http.get(f"{console.url}/api/overview?brand=蒙牛").json()
    assert abs(datetime.fromisoformat(live["until"]) - now) < timedelta(minutes=1)
    assert datetime.fromisoformat(live["until"]) - datetime.fromisoformat(live["since"]) == timedelta(hours=24)
    assert live["totals"]["mentions"] == 1 and live["top_complaints"][0]["id"] == fresh.id


@pytest.mark.parametrize(
    ("newest", "until"),
    [
        # Documents keep whole seconds while the store compares exact times: the search must still end.
        (datetime(2026, 10, 28, 18, 39, 57, 950_000, tzinfo=UTC), datetime(2026, 10, 28, 19, 0, tzinfo=UTC)),
        (datetime(2026, 10, 28, 18, 59, 59, 700_000, tzinfo=UTC), None),  # at the end of an hour
    ],
)
def test_the_default_window_ends_with_the_hour_of_the_newest_post(
    tmp_path: Path, newest: datetime, until: datetime | None
) -> None:
    from pipeline.web.pages.overview import default_window

    with SQLiteStore(tmp_path / "posts.db") as store:
        store.upsert_posts(
            [
                negative_post(f"weibo:{number}", moment, "蒙牛", "某人", "", 0)
                for number, moment in enumerate(
                    [datetime(2026, 10, 1, tzinfo=UTC), newest - timedelta(hours=3), newest]
                )
            ]
        )
        since, end = default_window(store, datetime(2026, 12, 5, tzinfo=UTC), SHANGHAI)
        assert end - since == timedelta(hours=24)
        if until is not None:
            assert end == until
        assert newest < end <= newest + timedelta(hours=1, seconds=1)
        assert [post.created_at.replace(microsecond=0) for post in store.iter_posts(since=since, until=end)] == [
            (newest - timedelta(hours=3)).replace(microsecond=0),
            newest.replace(microsecond=0),
        ]
        empty = SQLiteStore(tmp_path / "empty.db")
        now = datetime(2026, 12, 5, tzinfo=UTC)
        assert default_window(empty, now, SHANGHAI) == (now - timedelta(hours=24), now)


def test_open_and_acknowledged_incidents_are_counted_and_listed_first(console: Console) -> None:
    with SQLiteStore(console.database) as store:
        incident = store.get_record("incident", INCIDENT)
        assert incident is not None
        store.put_record("incident", INCIDENT, {**incident, "status": "acknowledged", "acknowledged_by": "王值班"})
        store.put_record(
            "incident", "cas-old", {**incident, "incident_id": "cas-old", "status": "open", "opened_at": "2026-10-01"}
        )
        store.put_record("incident", "cas-other", {**incident, "incident_id": "cas-other", "brand": "小米"})
    http = console.login()
    overview = http.get(f"{console.url}/api/overview?brand=蒙牛&{DAY}").json()
    # With the demo's unanswered complaint, still open.
    assert overview["totals"]["open_incidents"] == 3
    listed = [(item["id"], item["status"]) for item in overview["incidents"]]
    # Open incidents show whatever the window, then the acknowledged one; the resolved ones follow.
    assert listed[0] == ("cas-old", "open")
    assert listed[1][0].startswith("una-") and listed[1][1] == "open"
    assert listed[2] == (INCIDENT, "acknowledged")
    page = http.get(f"{console.url}/?brand=蒙牛&{DAY}").text
    assert re.search(r'data-total="open_incidents">3<', page)
    assert 'class="card alarm"' in page


def test_the_page_shows_the_cards_tables_and_links_of_its_figures(console: Console) -> None:
    http = console.login()
    answer = http.get(f"{console.url}/?brand=蒙牛&{DAY}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    overview = http.get(f"{console.url}/api/overview?brand=蒙牛&{DAY}").json()
    totals = overview["totals"]
    assert f'data-total="mentions">{totals["mentions"]:,}<' in page
    assert f'data-total="complaints">{totals["complaints"]:,}<' in page
    assert f'data-total="negative_share">{totals["negative_share"] * 100:.1f}%<' in page
    assert f'href="/incidents/{INCIDENT}"' in page
    assert f'href="/posts/{ROOT}"' in page and 'href="https://weibo.com/1825856108/nZnVuPYSR"' in page
    assert "2026-11-22 00:00 至 2026-11-23 00:00（Asia/Shanghai）" in page
    # The form keeps the window it was asked for; the brand selector marks the brand shown.
    assert 'name="since" value="2026-11-22T00:00"' in page and '<option value="蒙牛" selected>' in page
    embedded = re.search(r'<script type="application/json" id="overview-data">(.*?)</script>', page, re.S)
    assert embedded is not None
    data = json.loads(embedded.group(1))["overview"]
    assert {key: data[key] for key in ("totals", "trend", "top_complaints")} == {
        key: overview[key] for key in ("totals", "trend", "top_complaints")
    }


def test_unknown_brands_and_unreadable_filters_are_refused(console: Console) -> None:
    http = console.login()
    page = http.get(f"{console.url}/?brand=伊利")
    assert page.status_code == 404 and "伊利" in page.text and "蒙牛、小米、顺丰、瑞幸" in page.text
    api = http.get(f"{console.url}/api/overview?brand=伊利")
    assert api.status_code == 404 and "蒙牛" in api.json()["detail"]
    for query in ("since=yesterday", "since=2026-11-23&until=2026-11-22", "since=2026-01-01&until=2026-11-22"):
        assert http.get(f"{console.url}/api/overview?{query}").status_code == 422, query
    assert http.get(f"{console.url}/api/overview?interval=5m").status_code == 422
    # Over 31 days, hourly buckets become daily ones.
    month = http.get(f"{console.url}/api/overview?brand=蒙牛&since=2026-11-01&until=2026-12-05").json()
    assert month["interval"] == "1d" and len(month["trend"]) == 34
    assert requests.get(f"{console.url}/api/overview").status_code == 401  # no session


def test_trends_api_gives_the_store_buckets_of_every_brand(console: Console) -> None:
    http = console.login()
    trends = http.get(f"{console.url}/api/trends?by=severity&interval=1d&{DAY}").json()
    with SQLiteStore(console.database) as store:
        posts = list(store.iter_posts(since=DAY_START, until=DAY_END))
    expected = Counter((post.brand, post.complaint.severity_label if post.complaint else "unscored") for post in posts)
    assert {(item["brand"], item["key"]): item["count"] for item in trends["buckets"]} == expected
    assert {item["start"] for item in trends["buckets"]} == {"2026-11-22T00:00:00+08:00"}
    assert trends["brand"] is None and trends["by"] == "severity"
    assert http.get(f"{console.url}/api/trends?by=colour").status_code == 422


def test_the_api_documents_its_answers(console: Console) -> None:
    schema = console.login().get(f"{console.url}/api/openapi.json").json()
    for path, model in (("/api/overview", "Overview"), ("/api/trends", "Trends"), ("/api/briefing", "BriefingAnswer")):
        answer = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": f"#/components/schemas/{model}"}, path
    overview = schema["components"]["schemas"]["Overview"]["properties"]
    assert {"totals", "trend", "severity", "category", "incidents", "top_complaints"} <= overview.keys()


def test_in_chromium_the_overview_draws_the_crisis_and_speaks_english(console: Console, browser_page: Any) -> None:
    page = browser_page
    log_in(page, console)
    page.goto(f"{console.url}/?brand=蒙牛&{DAY}")
    for chart in CHARTS:
        page.wait_for_selector(f"{chart}[data-drawn='1'] canvas")
        assert canvas_is_drawn(page, chart), chart
    expected = expected_figures(posts_of(console, "蒙牛", DAY_START, DAY_END))
    assert page.inner_text("[data-total=mentions]") == f"{expected['mentions']:,}"
    assert page.inner_text("[data-total=complaints]") == f"{expected['complaints']:,}"
    assert "喝出一块黑色异物" in page.inner_text("#complaint-rows tr:first-child")
    assert page.get_attribute(f"#incident-rows a[href='/incidents/{INCIDENT}']", "href") is not None
    screenshot(page, "overview")

    page.select_option("#brand-select", "小米")  # the brand selector keeps the window asked for
    page.click("#overview-apply")
    page.wait_for_url(re.compile(r"brand=%E5%B0%8F%E7%B1%B3"))
    assert "since=2026-11-22T00%3A00" in page.url and "until=2026-11-23T00%3A00" in page.url
    assert page.inner_text("#overview-brand") == "小米"
    xiaomi = posts_of(console, "小米", DAY_START, DAY_END)
    assert page.inner_text("[data-total=mentions]") == f"{len(xiaomi):,}"

    page.click("#language-switch")
    page.wait_for_selector("html[lang=en]")
    page.wait_for_selector("#chart-trend[data-drawn='1'] canvas")
    text = page.inner_text("main")
    assert "Top complaints now" in text and "Negative share" in text and "Complaint severity" in text
    assert "声量" not in text and "负面占比" not in text
    assert page.inner_text("#overview-brand") == "小米"  # the switch keeps the filters
    assert page.inner_text("[data-total=mentions]") == f"{len(xiaomi):,}"
    severities = {post.complaint.severity_label for post in xiaomi if post.complaint and post.complaint.is_complaint}
    assert any(label in text for label in severities)  # English severity words in the table


@pytest.fixture
def wall_console(demo_database: Path, tmp_path: Path, env: pytest.MonkeyPatch) -> Iterator[Console]:
    """The `console` fixture with the shortest refresh the settings allow (5 s)."""
    database = tmp_path / "yuqing.db"
    shutil.copy(demo_database, database)
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_DB_PATH", str(database))
    env.setenv("YUQING_WEB__USER", USER)
    env.setenv("YUQING_WEB__PASSWORD", PASSWORD)
    env.setenv("YUQING_WEB__REFRESH_S", "5")
    yield from start_console(Settings(), database)


def test_the_overview_refreshes_in_place_from_the_api(wall_console: Console, browser_page: Any) -> None:
    console, page = wall_console, browser_page
    dialogs: list[str] = []
    fetched: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: fetched.append(request.url))
    log_in(page, console)
    page.goto(f"{console.url}/?brand=蒙牛&{DAY}")
    page.wait_for_selector("#chart-trend[data-drawn='1'] canvas")
    before = int(page.inner_text("[data-total=mentions]").replace(",", ""))
    page.evaluate("window.__sameDocument = true")

    hostile = negative_post(
        "weibo:9100000000000002",
        datetime(2026, 11, 22, 12, 0, tzinfo=SHANGHAI),
        "蒙牛<img src=x onerror=alert(1)><script>alert(2)</script>",
        "<img src=y onerror=alert(3)>",
        "javascript:alert(4)",
        reposts=100_000,
    )
    with SQLiteStore(console.database) as store:
        store.upsert_posts([hostile])
    # The next refresh (every 5 s here) fetches the page's own filters from the API and redraws in place.
    page.wait_for_function(
        f"document.querySelector('[data-total=mentions]').textContent === '{before + 1:,}'", timeout=15_000
    )
    assert any("/api/overview?" in url and "since=2026-11-22" in url for url in fetched)

    assert page.evaluate("window.__sameDocument") is True  # redrawn in place, not reloaded
    assert all(page.locator(f"{chart} canvas").count() == 1 for chart in CHARTS)  # the same chart instances
    first_row = page.locator("#complaint-rows tr").first
    assert first_row.locator("td").first.inner_text().startswith("蒙牛<img src=x onerror=alert(1)><script>")
    assert first_row.locator("td").nth(1).inner_text() == "<img src=y onerror=alert(3)>"
    assert page.locator("#complaint-rows img, #complaint-rows script").count() == 0
    links = first_row.locator("a").evaluate_all("(anchors) => anchors.map((a) => a.getAttribute('href'))")
    assert links == ["/posts/weibo:9100000000000002"]  # its javascript: URL is no link
    assert dialogs == []
