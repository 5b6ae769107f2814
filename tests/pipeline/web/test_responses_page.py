"""The responses page (回应), its API and its CSV, over a real server on loopback on a copy of the demo's store
with response records for the crisis day's complaints of 蒙牛, whose official accounts the watchlist names; and
the page in real Chromium."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import BUNDLED_WATCHLIST, Settings
from pipeline.models import SHANGHAI, Post
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post
from tests.pipeline.web.helpers import PASSWORD, USER, Console, log_in, screenshot, start_console

THE_DAY = "brand=蒙牛&since=2026-11-22&until=2026-11-22"
HOSTILE_TEXT = '=HYPERLINK("http://phish.example","x") <script>window.__xss=1</script>'
HOSTILE_NAME = '<img src=x onerror="window.__xss=1">'


def critical_complaints(database: Path) -> list[Post]:
    """The crisis day's critical complaints about 蒙牛, oldest first."""
    with SQLiteStore(database) as store:
        posts = store.iter_posts(brand="蒙牛", since=datetime(2026, 11, 22, tzinfo=SHANGHAI), until=DAY_END)
        found = [post for post in posts if post.complaint and post.complaint.severity == 3]
    return sorted(found, key=lambda post: (post.created_at, post.id))


DAY_END = datetime(2026, 11, 23, tzinfo=SHANGHAI)


def response(post: Post, delay: timedelta | None, **fields: Any) -> dict[str, Any]:
    reply_at = (post.created_at + delay).isoformat() if delay is not None else None
    replies = (
        []
        if reply_at is None
        else [
            {
                "account_uid": "1000",
                "account_name": fields.pop("account_name", "蒙牛客服"),
                "kind": "comment",
                "at": reply_at,
                "text": "您好，请私信",
                "url": post.url,
            }
        ]
    )
    return {
        "post_id": post.id,
        "brand": "蒙牛",
        "complaint_at": post.created_at.isoformat(),
        "severity": 3,
        "category": "safety",
        "checked_at": "2026-11-22T23:00:00+08:00",
        "complete": True,
        "comments_read": 2,
        "first_reply_at": reply_at,
        "replies": replies,
        **fields,
    }


@pytest.fixture
def responses_console(demo_database: Path, tmp_path: Path, env: pytest.MonkeyPatch) -> Iterator[Console]:
    """A console over a copy of the demo store where 蒙牛 answered four of its first five critical complaints
    (after 10 min, 30 min, 2 h and 30 h), one of them by an account named like an image tag."""
    database = tmp_path / "yuqing.db"
    shutil.copy(demo_database, database)
    watchlist = yaml.safe_load(BUNDLED_WATCHLIST.read_text(encoding="utf-8"))
    watchlist["brands"][0]["official_accounts"] = [{"uid": "1000", "name": "蒙牛客服", "role": "service"}]
    (tmp_path / "watchlist.yaml").write_text(yaml.safe_dump(watchlist, allow_unicode=True), encoding="utf-8")
    complaints = critical_complaints(database)
    with SQLiteStore(database) as store:
        for old in store.list_records("response"):
            store.delete_record("response", old["post_id"])
        delays = [timedelta(minutes=10), timedelta(minutes=30), None, timedelta(hours=2), timedelta(hours=30)]
        for post, delay in zip(complaints, delays, strict=False):
            store.put_record("response", post.id, response(post, delay))
        store.put_record(
            "response",
            complaints[5].id,
            response(complaints[5], None, category="quality", severity=2, account_name=HOSTILE_NAME),
        )
        hostile = make_post(
            id="weibo:9400000000000001",
            text=HOSTILE_TEXT,
            author={"id": "94", "name": HOSTILE_NAME},
            url="javascript:window.__xss=1",
            brand="蒙牛",
            created_at="2026-11-22T23:30:00+08:00",
            complaint={"is_complaint": True, "probability": 0.99, "severity": 3, "category": "safety"},
        )
        store.upsert_posts([Post.from_dict(hostile)])
        store.put_record("response", "weibo:9400000000000001", response(Post.from_dict(hostile), None, complete=False))
    env.chdir(tmp_path)
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_DB_PATH", str(database))
    env.setenv("YUQING_WATCHLIST", str(tmp_path / "watchlist.yaml"))
    env.setenv("YUQING_WEB__USER", USER)
    env.setenv("YUQING_WEB__PASSWORD", PASSWORD)
    yield from start_console(Settings(), database)


def test_the_api_measures_the_brands_answers(responses_console: Console) -> None:
    http = responses_console.login()
    body = http.get(f"{responses_console.url}/api/responses?{THE_DAY}").json()
    # Seven complaints checked (five critical with delays 10 min, 30 min, none, 2 h, 30 h; one major unanswered;
    # the hostile one unanswered); answered four: delays 600, 1800, 7200, 108000 s.
    assert body["official_accounts"] is True
    overall = body["overall"]
    assert (overall["complaints"], overall["answered"]) == (7, 4)
    assert overall["reply_rate"] == pytest.approx(4 / 7)
    assert overall["median_first_response_s"] == (1800 + 7200) / 2
    assert overall["p90_first_response_s"] == 108000  # nearest rank ceil(0.9 × 4) = 4th
    assert overall["within_1h"] == pytest.approx(2 / 7) and overall["within_24h"] == pytest.approx(3 / 7)
    assert [day["key"] for day in body["by_day"]] == ["2026-11-22"]
    assert body["by_day"][0]["measures"] == overall
    posts = critical_complaints(responses_console.database)
    majors = {post.id for post in posts[5:6]}
    assert body["by_day"][0]["posted"] >= len(posts) - len(majors)  # the day's complaint volume, beside
    assert [(group["key"], group["measures"]["complaints"]) for group in body["by_category"]] == [
        ("safety", 6),
        ("quality", 1),
    ]
    assert [group["label"] for group in body["by_severity"]] == ["危急", "严重"]
    waiting = body["unanswered"]
    assert [item["id"] for item in waiting] == [posts[2].id, "weibo:9400000000000001"]
    assert waiting[0]["page"] == f"/posts/{posts[2].id}" and waiting[0]["original"] == posts[2].url
    assert waiting[1]["original"] is None and waiting[1]["complete"] is False
    week = http.get(f"{responses_console.url}/api/responses?brand=蒙牛&until=2026-11-22").json()
    assert (week["since"], len(week["by_day"])) == ("2026-11-16", 7)
    assert http.get(f"{responses_console.url}/api/responses?brand=蒙牛").json()["until"] == "2026-11-22"


def test_bad_filters_are_refused(responses_console: Console) -> None:
    http = responses_console.login()
    for query in ("since=yesterday", "since=2026-11-23&until=2026-11-22", "since=2026-01-01&until=2026-11-22"):
        assert http.get(f"{responses_console.url}/api/responses?{query}").status_code == 422, query
    assert http.get(f"{responses_console.url}/api/responses?brand=伊利").status_code == 404


def test_a_brand_without_official_accounts_says_so(responses_console: Console) -> None:
    http = responses_console.login()
    body = http.get(f"{responses_console.url}/api/responses?brand=顺丰&since=2026-11-22&until=2026-11-22").json()
    assert body["official_accounts"] is False and body["overall"]["complaints"] == 0
    page = http.get(f"{responses_console.url}/responses?brand=顺丰&since=2026-11-22&until=2026-11-22").text
    assert "未配置官方账号" in page and "这个时段没有已核查的投诉。" in page


def test_the_csv_has_one_safe_row_per_complaint(responses_console: Console) -> None:
    http = responses_console.login()
    answer = http.get(f"{responses_console.url}/responses.csv?{THE_DAY}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="yuqing-responses-20261122-20261122.csv"'
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "微博ID", "品牌", "投诉时间", "严重程度", "类别", "已回复", "首次回复时间", "首次回复用时（分钟）", "回复账号",
        "评论已读完",
    ]  # fmt: skip
    posts = critical_complaints(responses_console.database)
    by_id = {row[0]: row for row in rows[1:]}
    assert len(rows) == 1 + 7
    first = by_id[posts[0].id]
    assert first[1:3] == ["蒙牛", posts[0].created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")]
    assert first[3:] == ["危急", "安全问题", "是", first[6], "10.0", "蒙牛客服", "是"] and first[6]
    assert by_id[posts[4].id][7] == "1800.0"  # 30 h
    assert by_id[posts[2].id][5:9] == ["否", "", "", ""]
    assert by_id["weibo:9400000000000001"][9] == "否"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    english = http.get(f"{responses_console.url}/responses.csv?{THE_DAY}&lang=en").content.decode("utf-8-sig")
    assert english.splitlines()[0] == (
        "post_id,brand,complaint_at,severity,category,answered,first_reply_at,first_response_minutes,"
        "reply_account,complete"
    )


def test_the_page_in_chromium(responses_console: Console, browser_page: Any) -> None:
    page = browser_page
    log_in(page, responses_console)
    page.click("nav a[href='/responses']")
    page.wait_for_load_state("load")
    page.select_option("#brand-select", "蒙牛")
    page.fill("input[name=since]", "2026-11-22")
    page.fill("input[name=until]", "2026-11-22")
    page.click("#responses-apply")
    page.wait_for_selector("#unanswered")
    assert page.inner_text("#figure-reply-rate") == "57%" and page.inner_text("#figure-median") == "1.2 小时"
    assert page.inner_text("#figure-p90") == "30.0 小时"
    assert page.locator("#by-day tbody tr").count() == 1
    assert page.locator("#by-category tbody tr").count() == 2
    assert page.locator("#unanswered tbody tr").count() == 2
    assert HOSTILE_NAME in page.inner_text("#unanswered") and "<script>" in page.inner_text("#unanswered")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#unanswered a[href^='javascript']").count() == 0
    assert page.locator("nav a.active").inner_text() == "回应"
    screenshot(page, "responses")
    with page.expect_download() as download:
        page.click("#responses-export")
    assert download.value.suggested_filename == "yuqing-responses-20261122-20261122.csv"
    page.goto(f"{responses_console.url}/responses?{THE_DAY}&lang=en")
    assert page.inner_text("#figure-median") == "1.2 h" and "Oldest unanswered" in page.inner_text("#unanswered")


def test_the_overview_shows_reply_rate_and_median_beside_volume(responses_console: Console) -> None:
    http = responses_console.login()
    window = "since=2026-11-22T00:00&until=2026-11-23T00:00"
    panel = http.get(f"{responses_console.url}/api/overview?brand=蒙牛&{window}").json()["responses"]
    assert panel == {
        "complaints": 7,
        "reply_rate": pytest.approx(4 / 7),
        "median_first_response_s": 4500.0,
        "reply_rate_text": "57%",
        "median_text": "1.2 小时",
    }
    assert http.get(f"{responses_console.url}/api/overview?brand=顺丰&{window}").json()["responses"] is None
    page = http.get(f"{responses_console.url}/?brand=蒙牛&{window}").text
    assert 'id="response-rate-card"><div class="value">57%</div>' in page
    assert "response-rate-card" not in http.get(f"{responses_console.url}/?brand=顺丰&{window}").text
