"""The incidents pages over a real console on loopback (requests) and in real headless Chromium: the demo's P1
蒙牛 incident listed and shown with its timeline, evidence posts and repost curve; ack, silence and resolve
recorded with who did them; no state change without the CSRF token; an ack not undone by a detection cycle."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from pipeline.config import BUNDLED_WATCHLIST
from pipeline.detect.base import Hit
from pipeline.detect.incidents import IncidentBook, IncidentManager
from pipeline.i18n import clause
from pipeline.models import parse_time
from pipeline.store.records import RecordKind
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.web.helpers import USER, Console, canvas_is_drawn, log_in, screenshot

ROOT = "weibo:5238000000100001"  # the demo crisis's root post
BIG_ACCOUNT_REPOST = "weibo:5238000000100002"


@pytest.fixture
def alerts_file(env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The bundled watchlist with its file channel writing under tmp_path (not into the working directory)."""
    path = tmp_path / "alerts.jsonl"
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        BUNDLED_WATCHLIST.read_text(encoding="utf-8").replace(".yuqing/alerts.jsonl", str(path)), encoding="utf-8"
    )
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    return path


@pytest.fixture
def console(alerts_file: Path, console: Console) -> Console:
    """The shared console, started after `alerts_file` set its watchlist."""
    return console


def demo_incident(database: Path) -> dict[str, Any]:
    with SQLiteStore(database) as store:
        (doc,) = [doc for doc in store.list_records("incident") if doc["brand"] == "蒙牛" and doc["kind"] == "cascade"]
    return doc


def reopen(database: Path) -> str:
    """Put the demo's incident back as it stood when it opened (open, not escalated); returns its id."""
    doc = demo_incident(database)
    doc.update(
        status="open",
        resolved_at=None,
        resolved_by=None,
        escalated_at=None,
        timeline=doc["timeline"][:1],
        changes=[],
        outbox=[],
        outbox_pending=False,
    )
    with SQLiteStore(database) as store:
        store.put_record("incident", doc["incident_id"], doc)
    return str(doc["incident_id"])


def records(database: Path, kind: RecordKind) -> list[dict[str, Any]]:
    with SQLiteStore(database) as store:
        return store.list_records(kind)


def incident_ids_in(html: str) -> list[str]:
    return re.findall(r'<tr data-incident="([^"]+)"', html)


# -- over the real server --------------------------------------------------------------------------------------


def test_the_list_shows_the_demo_crisis_newest_first_and_filters(console: Console) -> None:
    http = console.login()
    crisis = demo_incident(console.database)
    later = _store_surge_incident(console.database, "小米", "2026-11-22T20:00:00+08:00")

    # The demo's two "unanswered" incidents (opened after the crisis; the surge's cycle resolves them quietly).
    unanswered = [
        doc["incident_id"]
        for doc in sorted(records(console.database, "incident"), key=lambda doc: doc["opened_at"], reverse=True)
        if doc["kind"] == "unanswered"
    ]
    assert len(unanswered) == 2

    listed = http.get(f"{console.url}/incidents")
    assert listed.status_code == 200
    assert incident_ids_in(listed.text) == [later, *unanswered, crisis["incident_id"]]  # newest first
    row = listed.text[listed.text.index(f'data-incident="{crisis["incident_id"]}"') :].split("</tr>")[0]
    assert '<td class="P1">P1</td>' in row and "微博扩散" in row and "<td>蒙牛</td>" in row and "已解除" in row
    assert "2026-11-22 10:49" in row and "北京宝妈小鹿 发布的负面微博" in row  # opened, in the configured zone

    assert incident_ids_in(http.get(f"{console.url}/incidents?status=resolved&brand=蒙牛").text) == [
        *unanswered,
        crisis["incident_id"],
    ]
    assert incident_ids_in(http.get(f"{console.url}/incidents?status=open").text) == [later]
    assert incident_ids_in(http.get(f"{console.url}/incidents?brand=顺丰").text) == []

    english = http.get(f"{console.url}/api/incidents", params={"status": "resolved", "lang": "en"}).json()
    assert [(item["incident_id"], item["priority"]) for item in english][-1] == (crisis["incident_id"], "P1")
    assert english[-1]["reason"].startswith("Negative post weibo:5238000000100001 by 北京宝妈小鹿")
    assert http.get(f"{console.url}/api/incidents", params={"status": "closed"}).status_code == 422


def test_the_incident_page_shows_timeline_evidence_and_the_forecast(console: Console) -> None:
    http = console.login()
    crisis = demo_incident(console.database)
    html = http.get(f"{console.url}/incidents/{crisis['incident_id']}").text

    timeline = html[html.index('id="timeline"') : html.index("</ol>", html.index('id="timeline"'))]
    assert re.findall(r'data-event="(\w+)"', timeline) == ["opened", "escalated", "resolved"]
    assert "2026-11-22 11:19" in timeline and "已升级：P1 事件 30 分钟内无人确认" in timeline
    evidence = html[html.index('id="evidence"') :]
    for post_id in (ROOT, BIG_ACCOUNT_REPOST):
        assert f'<a href="/posts/{post_id.replace(":", "%3A")}">' in evidence
    assert 'href="https://weibo.com/1825856108/nZnVuPYSR"' in evidence  # the root's original
    assert "蒙牛纯牛奶里喝出一块黑色异物" in evidence
    assert "截至 2026-11-22 16:59 实际转发 211 次" in html  # the forecast as of the incident's closing

    shown = http.get(f"{console.url}/api/incidents/{crisis['incident_id']}", params={"lang": "en"}).json()
    with SQLiteStore(console.database) as store:
        reposts = store.reposts_of(ROOT)
    chart = shown["chart"]
    assert chart["kind"] == "cascade" and chart["observed"][0][1] == 0
    assert chart["observed"][-1][1] == len(reposts) == 211
    # The recomputed SEISMIC forecast at the incident's last evaluation agrees with what detection stored.
    assert round(chart["predicted"]) == crisis["predicted_reposts"] == chart["projection"][-1][1]
    assert chart["predicted_low"] <= chart["predicted"]
    assert len(chart["forecast"]) > 10 and all(value is None or value >= 10 for _, value in chart["forecast"])
    # x values are the Shanghai wall clock written as UTC: the curve starts at the root's 10:02.
    assert chart["observed"][0][0] == int(parse_time("2026-11-22T10:02:00+00:00").timestamp() * 1000)
    assert [(entry["event"], entry["by"]) for entry in shown["timeline"]] == [
        ("opened", "yuqing"),
        ("escalated", "yuqing"),
        ("resolved", "yuqing"),
    ]
    assert shown["timeline"][1]["reason"].startswith("Escalated: P1 incident not acknowledged after 30 min.")
    assert "outbox" not in shown and shown["silences"] == []


def test_the_chart_as_it_stood_during_the_crisis(console: Console) -> None:
    http = console.login()
    incident_id = demo_incident(console.database)["incident_id"]
    at = parse_time("2026-11-22T11:30:00+08:00")
    chart = http.get(f"{console.url}/api/incidents/{incident_id}", params={"at": "2026-11-22T11:30"}).json()["chart"]
    with SQLiteStore(console.database) as store:
        then = [post for post in store.reposts_of(ROOT) if post.created_at <= at]
    assert chart["observed"][-1][1] == len(then) and chart["as_of"] == "2026-11-22T11:30:00+08:00"
    # The projection runs from what was seen then to the forecast at the 24-h horizon, above it.
    (start_x, start_y), (end_x, end_y) = chart["projection"]
    assert start_y == len(then) and end_y == round(chart["predicted"]) > len(then)
    assert end_x - start_x == int(
        (timedelta(hours=24) - (at - parse_time("2026-11-22T10:02:00+08:00"))) / timedelta(milliseconds=1)
    )
    assert [name for _, name in chart["events"]] == ["新事件", "已升级（未确认）"]  # resolved later: not drawn
    page = http.get(f"{console.url}/incidents/{incident_id}", params={"at": "2026-11-22T11:30"}).text
    assert f"截至 2026-11-22 11:30 实际转发 {len(then)} 次" in page
    assert http.get(f"{console.url}/api/incidents/{incident_id}", params={"at": "yesterday"}).status_code == 422


def test_a_surge_incident_draws_its_hourly_volume(console: Console) -> None:
    http = console.login()
    incident_id = _store_surge_incident(console.database, "小米", "2026-11-22T12:00:00+08:00")
    chart = http.get(f"{console.url}/api/incidents/{incident_id}").json()["chart"]
    with SQLiteStore(console.database) as store:
        negative = [
            post
            for post in store.iter_posts(
                brand="小米",
                since=parse_time("2026-11-21T12:00:00+08:00"),
                until=parse_time("2026-11-23T00:00:00+08:00"),
            )
            if post.sentiment is not None and post.sentiment.label == "negative"
        ]
    assert chart["kind"] == "volume" and negative
    assert sum(count for _, count in chart["counts"]) == len(negative)
    assert [name for _, name in chart["events"]] == ["新事件"]


def test_unknown_incidents_are_404(console: Console) -> None:
    http = console.login()
    token = console.csrf(http)
    assert http.get(f"{console.url}/incidents/cas-nope").status_code == 404
    assert http.get(f"{console.url}/api/incidents/cas-nope").json() == {"detail": "cas-nope"}
    for action in ("ack", "resolve", "silence"):
        answer = http.post(f"{console.url}/api/incidents/cas-nope/{action}", json={}, headers={"X-CSRF-Token": token})
        assert answer.status_code == 404, action
    assert records(console.database, "silence") == []


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(console: Console) -> None:
    incident_id = reopen(console.database)
    http = console.login()
    before = demo_incident(console.database)
    for action, form in (("ack", {}), ("resolve", {}), ("silence", {"hours": "4", "scope": "brand"})):
        url = f"{console.url}/incidents/{incident_id}/{action}"
        assert http.post(url, data=form, allow_redirects=False).status_code == 403, action
        assert http.post(url, data={**form, "csrf_token": "forged"}, allow_redirects=False).status_code == 403
        api = f"{console.url}/api/incidents/{incident_id}/{action}"
        assert http.post(api, json={}).status_code == 403, action
        assert http.post(api, json={}, headers={"X-CSRF-Token": "forged"}).status_code == 403, action
    refused = http.post(f"{console.url}/incidents/{incident_id}/ack", data={})
    assert "表单已过期或来源不明" in refused.text  # the error page says why, in the console's language
    assert demo_incident(console.database) == before
    assert records(console.database, "silence") == [] and records(console.database, "delivery") == []


def test_actions_through_the_api_record_who_acted_and_deliver(console: Console, alerts_file: Path) -> None:
    incident_id = reopen(console.database)
    http = console.login()
    headers = {"X-CSRF-Token": console.csrf(http)}
    base = f"{console.url}/api/incidents/{incident_id}"

    acked = http.post(f"{base}/ack", json={}, headers=headers).json()
    assert (acked["status"], acked["acknowledged_by"]) == ("acknowledged", USER) and "outbox" not in acked

    assert http.post(f"{base}/silence", json={"hours": 0}, headers=headers).status_code == 422
    assert http.post(f"{base}/silence", json={"hours": 24 * 365}, headers=headers).status_code == 422
    silenced = http.post(f"{base}/silence", json={"hours": 4, "scope": "brand"}, headers=headers).json()
    assert (silenced["target"], silenced["brand"], silenced["by"]) == ("brand:蒙牛", "蒙牛", USER)
    (stored,) = records(console.database, "silence")
    assert stored["by"] == USER and stored["incident_id"] is None
    opened_at = parse_time(stored["created_at"])
    assert parse_time(stored["until"]) - opened_at == timedelta(hours=4)
    shown = http.get(base).json()
    assert [held["target"] for held in shown["silences"]] == ["brand:蒙牛"]
    assert http.post(f"{base}/unsilence", json={"scope": "brand"}, headers=headers).json() == {
        "unsilenced": "brand:蒙牛"
    }
    assert records(console.database, "silence") == []
    assert http.post(f"{base}/unsilence", json={"scope": "brand"}, headers=headers).status_code == 404

    resolved = http.post(f"{base}/resolve", json={}, headers=headers).json()
    assert resolved["incident"]["status"] == "resolved" and resolved["incident"]["resolved_by"] == USER
    assert resolved["already_resolved"] is False and resolved["sent"] == 2  # the console and the file channel
    lines = [json.loads(line) for line in alerts_file.read_text(encoding="utf-8").splitlines()]
    assert [(line["event"], line["incident_id"]) for line in lines] == [("resolved", incident_id)]
    assert http.post(f"{base}/resolve", json={}, headers=headers).json()["already_resolved"] is True
    timeline = demo_incident(console.database)["timeline"]
    assert [(line["event"], line["by"]) for line in timeline] == [
        ("opened", "yuqing"),
        ("acknowledged", USER),
        ("resolved", USER),
    ]


class EscalationPausingStore(SQLiteStore):
    """A store whose first write of an escalation waits (decided, not yet written) until `release` is set:
    the moment a person's ack must land to race the cycle, as `detect.before_record` pauses a process."""

    def __init__(self, path: Path, decided: threading.Event, release: threading.Event) -> None:
        super().__init__(path)
        self.decided, self.release = decided, release

    def put_record(self, kind: RecordKind, key: str, doc: dict[str, Any], *, if_version: str | None = None) -> str:
        if kind == "incident" and doc.get("escalated_at") and not self.decided.is_set():
            self.decided.set()
            assert self.release.wait(30), "the ack never came"
        return super().put_record(kind, key, doc, if_version=if_version)


def test_an_ack_through_the_console_is_not_undone_by_a_running_cycle(console: Console) -> None:
    from pipeline.tasks.spread_tracker import run_cycle

    incident_id = reopen(console.database)
    opened = parse_time(demo_incident(console.database)["opened_at"])
    decided, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def cycle() -> None:
        try:
            with EscalationPausingStore(console.database, decided, release) as store:
                # 31 minutes unacknowledged: this cycle decides to escalate the P1.
                outcome["report"] = run_cycle(console.settings, opened + timedelta(minutes=31), store=store)
        except BaseException as exc:  # reported in the test's thread
            outcome["error"] = exc
            decided.set()

    worker = threading.Thread(target=cycle)
    worker.start()
    try:
        assert decided.wait(60) and "error" not in outcome, outcome.get("error")
        http = console.login()
        answer = http.post(
            f"{console.url}/api/incidents/{incident_id}/ack", json={}, headers={"X-CSRF-Token": console.csrf(http)}
        )
        assert answer.status_code == 200 and answer.json()["acknowledged_by"] == USER
    finally:
        release.set()
        worker.join(60)
    assert "error" not in outcome, outcome.get("error")
    stored = demo_incident(console.database)
    assert (stored["status"], stored["acknowledged_by"], stored["escalated_at"]) == ("acknowledged", USER, None)
    assert [line["event"] for line in stored["timeline"]] == ["opened", "acknowledged"]
    assert "escalated" not in [note["event"] for note in outcome["report"].notifications]


# -- in Chromium ----------------------------------------------------------------------------------------------


def test_in_chromium_the_list_leads_to_the_incident_and_its_curve(console: Console, browser_page: Any) -> None:
    page = browser_page
    incident_id = demo_incident(console.database)["incident_id"]
    log_in(page, console)
    page.goto(f"{console.url}/incidents")
    row = page.locator(f'tr[data-incident="{incident_id}"]')
    assert row.locator("td").first.inner_text() == "P1" and "蒙牛" in row.inner_text()
    screenshot(page, "incidents")
    row.locator("a").first.click()
    page.wait_for_url(f"**/incidents/{incident_id}")
    page.wait_for_selector("#incident-chart[data-drawn='1'] canvas")
    assert canvas_is_drawn(page, "#incident-chart")
    assert page.locator("#timeline li").count() == 3
    assert page.locator("#evidence tr").count() == len(demo_incident(console.database)["posts"])
    assert page.locator("#incident-status").inner_text() == "已解除"
    assert page.locator("#ack-button").count() == 0 and page.locator("#resolve-button").count() == 0

    page.fill("#as-of-form input[name=at]", "2026-11-22T11:30")  # what the forecast said during the crisis
    page.click("#as-of-form button")
    page.wait_for_selector("#forecast-summary:has-text('截至 2026-11-22 11:30')")
    page.wait_for_selector("#incident-chart[data-drawn='1'] canvas")
    assert canvas_is_drawn(page, "#incident-chart")


def test_in_chromium_ack_silence_and_resolve_change_the_store(console: Console, browser_page: Any) -> None:
    page = browser_page
    incident_id = reopen(console.database)
    log_in(page, console)
    page.goto(f"{console.url}/incidents/{incident_id}?at=2026-11-22T11:30")  # as it stood during the crisis
    page.wait_for_selector("#incident-chart[data-drawn='1'] canvas")
    assert canvas_is_drawn(page, "#incident-chart")
    screenshot(page, "incident")

    page.click("#ack-button")
    page.wait_for_selector("#done")
    assert page.locator("#incident-status").get_attribute("data-status") == "acknowledged"
    assert page.locator("#done").inner_text().strip() == f"已确认（{USER}）。"
    assert page.locator("#ack-button").count() == 0
    stored = demo_incident(console.database)
    assert (stored["status"], stored["acknowledged_by"]) == ("acknowledged", USER)

    page.select_option("#silence-form select[name=hours]", "24")
    page.click("#silence-button")
    page.wait_for_selector(f'.silence[data-target="incident:{incident_id}"]')
    (silence,) = records(console.database, "silence")
    assert (silence["incident_id"], silence["brand"], silence["by"]) == (incident_id, None, USER)
    assert parse_time(silence["until"]) - parse_time(silence["created_at"]) == timedelta(hours=24)

    page.click("#resolve-button")
    page.wait_for_selector("#incident-status[data-status='resolved']")
    stored = demo_incident(console.database)
    assert (stored["status"], stored["resolved_by"]) == ("resolved", USER)
    assert page.locator("#timeline li .by").all_inner_texts() == ["系统", USER, USER]
    # Silenced before it was resolved: the resolved notice is held back, and the page says so.
    deliveries = records(console.database, "delivery")
    assert deliveries and all(delivery["silenced"] and not delivery["sent"] for delivery in deliveries)
    assert page.locator("#deliveries").inner_text().count("已静默") == len(deliveries)


XSS_TEXT = "<script>alert('text')</script>蒙牛 @所有人"
XSS_AUTHOR = "<img src=x onerror=alert('author')>"


def test_in_chromium_hostile_evidence_stays_inert(console: Console, browser_page: Any) -> None:
    """A post whose text is a script, whose author is an <img onerror> and whose URL is javascript:, as evidence
    of an incident whose reason names that author: shown as text, no link, nothing runs."""
    from pipeline.models import Author

    incident_id = reopen(console.database)
    with SQLiteStore(console.database) as store:
        root = store.get_post(ROOT)
        assert root is not None
        hostile = root.with_changes(
            id="weibo:666", text=XSS_TEXT, url="javascript:alert('url')", author=Author("666", XSS_AUTHOR, 10)
        )
        store.upsert_posts([hostile])
        doc = store.get_record("incident", incident_id)
        assert doc is not None
        doc["posts"], doc["urls"] = ["weibo:666", *doc["posts"]], ["javascript:alert('url')", *doc["urls"]]
        doc["reason_data"][0]["args"]["author"] = XSS_AUTHOR
        store.put_record("incident", incident_id, doc)
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, console)
    page.goto(f"{console.url}/incidents/{incident_id}")
    page.wait_for_selector("#incident-chart[data-drawn='1'] canvas")
    row = page.locator('tr[data-post="weibo:666"]')
    assert XSS_AUTHOR in row.inner_text() and "<script>alert('text')</script>" in row.inner_text()
    assert "@所有人" not in row.inner_text()  # disarmed: no mention of everyone
    assert XSS_AUTHOR in page.locator("#incident-reason").inner_text()
    assert row.locator("a").all_inner_texts() == ["详情"]  # no link to the javascript: URL
    assert page.locator("img[src=x]").count() == 0 and page.locator("#evidence script").count() == 0
    page.goto(f"{console.url}/incidents")
    assert XSS_AUTHOR in page.locator(f'tr[data-incident="{incident_id}"]').inner_text()
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []


def _store_surge_incident(database: Path, brand: str, at: str) -> str:
    """An open P3 surge incident of `brand` opened at `at`, made the way a detection cycle makes it."""
    moment = parse_time(at)
    hit = Hit(
        kind="surge",
        key=f"surge:{brand}:*",
        brand=brand,
        at=moment,
        reason=[clause("verbatim", text=f"{brand} 负面帖子激增")],
        size=40,
        evidence={"expected": 8.0, "distinct_authors": 30},
    )
    with SQLiteStore(database) as store:
        notes = IncidentManager(IncidentBook(store)).process([hit], {hit.key}, moment)
    # The same cycle may resolve the demo's older incidents quietly: only the surge's notice is this one.
    (note,) = [note for note in notes if note["kind"] == "surge"]
    return str(note["incident_id"])


def test_the_language_switch_reads_the_incident_in_english(console: Console) -> None:
    http: requests.Session = console.login()
    incident_id = demo_incident(console.database)["incident_id"]
    html = http.get(f"{console.url}/incidents/{incident_id}", params={"lang": "en"}).text
    assert "Resolved" in html and "Negative post weibo:5238000000100001 by 北京宝妈小鹿" in html
    assert "By 2026-11-22 16:59: 211 reposts; SEISMIC forecasts 305 within 24 h" in html
