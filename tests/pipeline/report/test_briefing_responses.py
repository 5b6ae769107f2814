"""The briefing's 回应 section: does the brand answer? Figures from response records in the demo-like store, in
Chinese and English, and hostile complaints and records rendered inert in HTML and Markdown."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup

from pipeline.models import SHANGHAI, Post
from pipeline.report import build_briefing, render_html, render_markdown
from pipeline.report.render import RESPONSE_SECTION, SECTIONS
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post
from tests.pipeline.report.helpers import DAY

HOSTILE_TEXT = "<!channel> @所有人 [官方退款入口](https://phish.example/refund) **x** <script>alert(1)</script>"
HOSTILE_NAME = "<img src=x onerror=alert(1)>|**@here**"


def response(post_id: str, complaint_at: str, first_reply_at: str | None, **fields: Any) -> dict[str, Any]:
    replies = []
    if first_reply_at is not None:
        replies.append(
            {
                "account_uid": "1000",
                "account_name": fields.pop("account_name", "蒙牛客服"),
                "kind": "comment",
                "at": first_reply_at,
                "text": fields.pop("reply_text", "您好，已私信"),
                "url": "https://weibo.com/1/x",
            }
        )
    return {
        "post_id": post_id,
        "brand": "蒙牛",
        "complaint_at": complaint_at,
        "severity": 3,
        "category": "safety",
        "checked_at": "2026-11-22T18:00:00+08:00",
        "complete": True,
        "comments_read": 3,
        "first_reply_at": first_reply_at,
        "replies": replies,
        **fields,
    }


def add_responses(store: SQLiteStore) -> None:
    """The day's complaints weibo:15 (08:30) to weibo:18 (11:30), and weibo:10 of three days before."""
    records = [
        response("weibo:15", "2026-11-22T08:30:00+08:00", "2026-11-22T08:50:00+08:00"),  # 20 min
        response("weibo:16", "2026-11-22T09:30:00+08:00", "2026-11-22T12:30:00+08:00"),  # 3 h
        response("weibo:17", "2026-11-22T10:30:00+08:00", None, complete=False),  # waiting
        # 20 s "before" the complaint (its time has minute precision): an immediate answer.
        response("weibo:18", "2026-11-22T11:30:00+08:00", "2026-11-22T11:29:40+08:00", severity=2, category="quality"),
        response("weibo:10", "2026-11-19T09:00:00+08:00", None),  # still waiting, three days on
        response("weibo:3", "2026-11-10T09:00:00+08:00", None),  # too old for the briefing's week
    ]
    for record in records:
        store.put_record("response", record["post_id"], record)
    # weibo:16 had 10 reposts when seen at 10:07 (before the reply), 12 at 13:30: it calmed down.
    (post,) = store.get_posts(["weibo:16"]).values()
    later = post.with_changes(metrics=post.metrics.__class__(reposts=12, comments=1, likes=2))
    store.upsert_posts([later], observed_at=datetime(2026, 11, 22, 13, 30, tzinfo=SHANGHAI))


def test_the_section_is_left_out_without_official_accounts(demo_store: SQLiteStore) -> None:
    assert build_briefing(demo_store, "蒙牛", DAY).responses is None  # no response record at all
    add_responses(demo_store)
    assert build_briefing(demo_store, "蒙牛", DAY, official_accounts=False).responses is None
    page = BeautifulSoup(render_html(build_briefing(demo_store, "蒙牛", DAY, official_accounts=False)), "html.parser")
    assert [section["id"] for section in page.find_all("section")] == list(SECTIONS)


def test_the_section_measures_the_days_complaints(demo_store: SQLiteStore) -> None:
    add_responses(demo_store)
    section = build_briefing(demo_store, "蒙牛", DAY).responses
    assert section is not None
    day = section.day
    assert (day.complaints, day.answered, day.reply_rate) == (4, 3, 0.75)
    assert (day.median_first_response_s, day.p90_first_response_s) == (1200.0, 10800.0)  # of 0, 1200, 10800
    assert (day.within_1h, day.within_24h, day.calmed) == (0.5, 0.75, 1.0)  # calmed: only weibo:16 is judged
    assert {name: item.complaints for name, item in section.by_category.items()} == {"quality": 1, "safety": 3}
    assert section.by_severity["critical"].reply_rate == 2 / 3
    assert [item.record["post_id"] for item in section.unanswered] == ["weibo:10", "weibo:17"]
    assert [item.post.url if item.post else None for item in section.unanswered] == [
        "https://weibo.com/1/10",
        "https://weibo.com/1/17",
    ]
    # A brand with accounts but no record yet: the section, empty.
    empty = build_briefing(demo_store, "小米", DAY, official_accounts=True).responses
    assert empty is not None and empty.day.complaints == 0 and empty.unanswered == []


def test_the_section_in_chinese(demo_store: SQLiteStore) -> None:
    add_responses(demo_store)
    briefing = build_briefing(demo_store, "蒙牛", DAY)
    page = BeautifulSoup(render_html(briefing), "html.parser")
    assert [section["id"] for section in page.find_all("section")] == [*SECTIONS, RESPONSE_SECTION]
    section = page.find("section", id=RESPONSE_SECTION)
    assert section.h2.get_text() == "回应"
    rows = {row.th.get_text() if row.th else row.td.get_text(): row for row in section.table.find_all("tr")}
    assert [cell.get_text() for cell in rows["回复率"].find_all("td")] == ["回复率", "75%"]
    assert [cell.get_text() for cell in rows["首次回复用时（中位数）"].find_all("td")][1] == "20 分钟"
    assert [cell.get_text() for cell in rows["首次回复用时（90分位）"].find_all("td")][1] == "3.0 小时"
    assert [cell.get_text() for cell in rows["1 小时内回复"].find_all("td")][1] == "50%"
    assert [cell.get_text() for cell in rows["回复后转发放缓"].find_all("td")][1] == "100%"
    links = section.find_all("a")
    assert [link["href"] for link in links] == ["https://weibo.com/1/10", "https://weibo.com/1/17"]
    text = section.get_text(" ")
    assert "按类别" in text and "安全问题" in text and "严重" in text and "（评论未读完）" in text
    markdown = render_markdown(briefing)
    part = markdown.split("## 回应")[1]
    assert "| 回复率 | 75% |" in part and "| 首次回复用时（90分位） | 3.0 小时 |" in part
    assert "| 安全问题 | 3 | 67% | 1.7 小时 | 3.0 小时 | 33% | 67% | 100% |"  # median of 1200 and 10800 s in part
    assert "| 严重程度 | 已核查投诉 |" in part
    assert "](https://weibo.com/1/10) | 危急 | 安全问题 | 路人甲 | 2026-11-19 09:00 | 2026-11-22 18:00 |" in part
    assert "2026-11-22 18:00（评论未读完） |" in part


def test_the_section_in_english(demo_store: SQLiteStore) -> None:
    add_responses(demo_store)
    briefing = build_briefing(demo_store, "蒙牛", DAY)
    markdown = render_markdown(briefing, language="en")
    part = markdown.split("## Responses")[1]
    assert "| reply rate | 75% |" in part and "| first response (median) | 20 min |" in part
    assert "### Oldest unanswered critical complaints" in part and "| safety | 3 | 67% |" in part
    assert " (comments partly read) |" in part
    for chinese in ("回应", "回复率", "分钟", "小时", "危急", "安全问题", "评论未读完"):
        assert chinese not in part, chinese
    page = BeautifulSoup(render_html(briefing, language="en"), "html.parser")
    assert page.find("section", id=RESPONSE_SECTION).h2.get_text() == "Responses"


def test_no_complaint_checked_and_none_waiting(demo_store: SQLiteStore) -> None:
    section = build_briefing(demo_store, "蒙牛", DAY, official_accounts=True)
    page = BeautifulSoup(render_html(section), "html.parser").find("section", id=RESPONSE_SECTION)
    assert "当天没有已核查的投诉。" in page.get_text() and "近 8 天没有未回复的危急投诉。" in page.get_text()
    assert "No complaint was checked this day." in render_markdown(section, language="en")


def add_hostile(store: SQLiteStore) -> None:
    """A critical complaint by a stranger whose text, name and link are hostile, unanswered, its record odd too."""
    post = make_post(
        id="weibo:99",
        text=HOSTILE_TEXT,
        author={"id": "9", "name": HOSTILE_NAME},
        url="javascript:alert(1)",
        brand="蒙牛",
        created_at="2026-11-22T07:00:00+08:00",
    )
    store.upsert_posts([Post.from_dict(post)])
    weird = response(
        "weibo:99",
        "2026-11-22T07:00:00+08:00",
        None,
        category="<b onmouseover=alert(1)>|**x**",
        checked_at="<!here>|",
    )
    store.put_record("response", "weibo:99", weird)
    answered = response(
        "weibo:98",
        "2026-11-22T07:30:00+08:00",
        "2026-11-22T07:40:00+08:00",
        account_name=HOSTILE_NAME,
        reply_text=HOSTILE_TEXT,
        category="[x](javascript:alert(1))",
    )
    store.put_record("response", "weibo:98", answered)


def test_hostile_complaints_and_records_render_inert_in_html(demo_store: SQLiteStore) -> None:
    add_responses(demo_store)
    add_hostile(demo_store)
    page = BeautifulSoup(render_html(build_briefing(demo_store, "蒙牛", DAY)), "html.parser")
    section = page.find("section", id=RESPONSE_SECTION)
    assert section.find("script") is None and section.find("img") is None and section.find("b") is None
    assert not [tag for tag in section.find_all(True) if any(name.startswith("on") for name in tag.attrs)]
    assert [link["href"] for link in section.find_all("a")] == ["https://weibo.com/1/10", "https://weibo.com/1/17"]
    text = section.get_text(" ")
    assert "<script>" in text and "<img src=x" in text  # shown as text
    assert "phish.example" not in text and "phish[.]example" in text
    assert not re.search(r"@所有人|@here|<!here>", text)  # mass mentions neutralised


def test_hostile_complaints_and_records_render_inert_in_markdown(demo_store: SQLiteStore) -> None:
    add_responses(demo_store)
    add_hostile(demo_store)
    markdown = render_markdown(build_briefing(demo_store, "蒙牛", DAY))
    part = markdown.split("## 回应")[1]
    assert re.findall(r"\]\(([^)]*)\)", part) == ["https://weibo.com/1/10", "https://weibo.com/1/17"]
    assert "<" not in part and "**" not in part and "phish.example" not in part
    assert not re.search(r"@所有人|@here", part)
    for table in part.split("###"):
        rows = [line for line in table.splitlines() if line.startswith("|")]
        assert len({row.count("|") for row in rows}) <= 1, table  # no cell broke out of its table
    unanswered = part.split("### 最久未回复的危急投诉")[1]
    assert len([line for line in unanswered.splitlines() if line.startswith("|")]) == 2 + 3  # 99, 10, 17
