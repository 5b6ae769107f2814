"""The page of one post: its labels, metric snapshots and reposts, and the correction an analyst makes there
(stored as feedback, the record retraining reads, shown as corrected afterwards)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.demo.posts import BIG_ACCOUNT_REPOST_ID, CRISIS_ROOT_ID
from pipeline.models import Metrics
from pipeline.store.sqlite import SQLiteStore
from pipeline.tasks.retrain_classifiers import analyst_feedback
from tests.pipeline.web.helpers import USER, Console, canvas_is_drawn, log_in, screenshot

SEDIMENT = "weibo:5238000000102003"  # "…我这盒也有沉淀物": the model says integrity, critical
MARKET_WATCHDOG = "weibo:5238000000102004"  # "…已经向市场监管局反映"


def feedback_of(console: Console, post_id: str) -> dict[str, Any] | None:
    store = SQLiteStore(console.database)
    try:
        return store.get_record("feedback", post_id)
    finally:
        store.close()


def observe_root_twice_more(console: Console) -> None:
    """Two later observations of the crisis root, with more reposts each time: three snapshots in all."""
    store = SQLiteStore(console.database)
    try:
        root = store.get_post(CRISIS_ROOT_ID)
        assert root is not None
        for hours, reposts in ((1, 260), (2, 320)):
            seen = root.created_at + timedelta(hours=hours)
            metrics = Metrics(reposts=reposts, comments=root.metrics.comments + hours, likes=root.metrics.likes)
            store.upsert_posts([root.with_changes(metrics=metrics)], observed_at=seen)
    finally:
        store.close()


def test_the_api_gives_a_posts_labels_snapshots_and_reposts(console: Console) -> None:
    observe_root_twice_more(console)
    http = console.login()
    root = http.get(f"{console.url}/api/posts/{CRISIS_ROOT_ID}").json()
    assert root["post"]["labels"] == {"sentiment": "negative", "complaint": True, "severity": 3, "category": "safety"}
    assert root["post"]["link"].startswith("https://weibo.com/") and root["post"]["correction"] is None
    assert [snapshot["reposts"] for snapshot in root["snapshots"]] == [211, 260, 320]
    store = SQLiteStore(console.database)
    try:
        reposts = store.reposts_of(CRISIS_ROOT_ID)
    finally:
        store.close()
    assert root["repost_count"] == len(reposts) > 50 and root["root"] is None
    assert len(root["reposts"]) == 50 and root["reposts"][0] == BIG_ACCOUNT_REPOST_ID  # 2.1M followers
    repost = http.get(f"{console.url}/api/posts/{BIG_ACCOUNT_REPOST_ID}").json()
    assert repost["root"] == CRISIS_ROOT_ID and repost["repost_count"] == 0
    assert http.get(f"{console.url}/api/posts/weibo:404").status_code == 404
    assert http.get(f"{console.url}/posts/weibo:404").status_code == 404


def test_the_post_page_draws_its_snapshots_and_lists_its_reposts(console: Console, browser_page: Any) -> None:
    observe_root_twice_more(console)
    page = browser_page
    log_in(page, console)
    page.goto(f"{console.url}/posts/{CRISIS_ROOT_ID}")
    page.wait_for_selector("#snapshot-chart[data-drawn='1']")
    assert canvas_is_drawn(page, "#snapshot-chart")
    assert "北京宝妈小鹿" in page.inner_text("#post .meta")
    assert "喝出一块黑色异物" in page.inner_text("#post .text")
    assert page.get_attribute("#post a.original", "href").startswith("https://weibo.com/")
    assert page.locator("#reposts tbody tr").count() == 50
    assert "育儿大V说" in page.inner_text("#reposts tbody tr:first-child")
    assert "危急" in page.inner_text("#label-severity .model")
    forecast = page.inner_text("#forecast")  # the crisis cascade, forecast as `yuqing forecast` says it
    assert "已观察转发" in forecast and "分支系数" in forecast and "判断" in forecast
    screenshot(page, "post")
    page.click(f"#reposts a[href='/posts/{BIG_ACCOUNT_REPOST_ID}']")
    page.wait_for_selector("#root")
    assert page.get_attribute("#root a.post-link", "href") == f"/posts/{CRISIS_ROOT_ID}"


def test_correcting_labels_in_the_browser_stores_feedback_and_shows_it_corrected(
    console: Console, browser_page: Any
) -> None:
    page = browser_page
    log_in(page, console)
    page.goto(f"{console.url}/posts/{SEDIMENT}")
    assert page.locator("#corrected-by").count() == 0
    assert page.input_value("#correction select[name=category]") == "integrity"
    page.select_option("#correction select[name=category]", "quality")
    page.select_option("#correction select[name=severity]", "2")
    before = datetime.now(UTC).replace(microsecond=0)
    page.click("#save-correction")
    page.wait_for_selector("#saved")

    record = feedback_of(console, SEDIMENT)
    assert record is not None
    assert record["labels"] == {"sentiment": "negative", "complaint": 1, "severity": 2, "category": "quality"}
    assert record["by"] == USER and record["text"].endswith("我这盒也有沉淀物")
    assert before <= datetime.fromisoformat(record["created_at"]) <= datetime.now(UTC)
    assert record in analyst_feedback(console.settings)  # what the retraining DAG reads

    assert page.locator("#label-category.corrected").count() == 1
    assert "质量问题" in page.inner_text("#label-category .analyst") and "已更正" in page.inner_text("#label-category")
    assert "诚信问题" in page.inner_text("#label-category .model")
    assert "已确认" in page.inner_text("#label-sentiment")  # given again, as the model had it
    assert f"{USER} 于" in page.inner_text("#corrected-by")
    assert page.input_value("#correction select[name=category]") == "quality"
    screenshot(page, "post-corrected")

    page.goto(f"{console.url}/complaints?since=2026-11-22&until=2026-11-22&q=沉淀物&category=quality")
    row = page.locator(f"tr[data-post-id='{SEDIMENT}']")
    assert "已更正" in row.locator("td.label-category").inner_text()
    page.goto(f"{console.url}/complaints?since=2026-11-22&until=2026-11-22&q=沉淀物&category=integrity")
    assert page.locator(f"tr[data-post-id='{SEDIMENT}']").count() == 0


def test_not_a_complaint_turns_severity_and_category_off_and_records_none(console: Console, browser_page: Any) -> None:
    page = browser_page
    log_in(page, console)
    page.goto(f"{console.url}/posts/{MARKET_WATCHDOG}")
    page.select_option("#correction select[name=complaint]", "0")
    assert page.is_disabled("#correction select[name=severity]")
    assert page.is_disabled("#correction select[name=category]")
    page.select_option("#correction select[name=sentiment]", "neutral")
    page.click("#save-correction")
    page.wait_for_selector("#saved")
    record = feedback_of(console, MARKET_WATCHDOG)
    assert record is not None
    assert record["labels"] == {"sentiment": "neutral", "complaint": 0, "severity": 0, "category": "none"}
    assert page.locator("tr.corrected").count() == 4


def test_a_correction_without_the_csrf_token_is_refused_and_stores_nothing(console: Console) -> None:
    http = console.login()
    form = {"complaint": "1", "severity": "1", "category": "price"}
    refused = http.post(f"{console.url}/posts/{SEDIMENT}/correction", data=form, allow_redirects=False)
    assert refused.status_code == 403
    forged = http.post(
        f"{console.url}/posts/{SEDIMENT}/correction", data={**form, "csrf_token": "forged"}, allow_redirects=False
    )
    assert forged.status_code == 403
    assert http.post(f"{console.url}/api/posts/{SEDIMENT}/correction", json={"complaint": True}).status_code == 403
    assert feedback_of(console, SEDIMENT) is None

    token = console.csrf(http)
    saved = http.post(
        f"{console.url}/posts/{SEDIMENT}/correction", data={**form, "csrf_token": token}, allow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/posts/{SEDIMENT}?saved=1"
    record = feedback_of(console, SEDIMENT)
    assert record is not None and record["labels"] == {"complaint": 1, "severity": 1, "category": "price"}


def test_the_api_records_a_correction_and_refuses_what_makes_no_sense(console: Console) -> None:
    http = console.login()
    headers = {"X-CSRF-Token": console.csrf(http)}
    url = f"{console.url}/api/posts/{MARKET_WATCHDOG}/correction"
    for body in (
        {},
        {"complaint": True, "severity": 0},
        {"complaint": False, "category": "safety"},
        {"category": "weather"},
        {"severity": 7},
        {"mood": "sad"},
    ):
        answer = http.post(url, json=body, headers=headers)
        assert answer.status_code == 422, body
    assert feedback_of(console, MARKET_WATCHDOG) is None
    assert (
        http.post(f"{console.url}/api/posts/weibo:404/correction", json={"complaint": 0}, headers=headers).status_code
        == 404
    )

    answer = http.post(url, json={"sentiment": "neutral"}, headers=headers)
    assert answer.status_code == 200 and answer.json()["by"] == USER
    shown = http.get(f"{console.url}/api/posts/{MARKET_WATCHDOG}").json()["post"]
    assert shown["labels"]["sentiment"] == "neutral" and shown["model"]["sentiment"] == "negative"
    assert shown["corrected"] == ["sentiment"] and shown["correction"]["labels"] == {"sentiment": "neutral"}


def test_a_form_correction_that_makes_no_sense_is_explained_and_not_stored(console: Console) -> None:
    http = console.login()
    token = console.csrf(http)
    answer = http.post(
        f"{console.url}/posts/{SEDIMENT}/correction",
        data={"complaint": "1", "severity": "0", "category": "quality", "csrf_token": token},
    )
    assert answer.status_code == 400
    assert re.search(r"未保存：a complaint has severity 1-3", answer.text)
    assert feedback_of(console, SEDIMENT) is None
