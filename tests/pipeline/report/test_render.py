"""The rendered briefing: HTML sections with embedded PNG charts, and the Markdown edition."""

from __future__ import annotations

import base64
import re

from bs4 import BeautifulSoup

from pipeline.i18n import clause
from pipeline.models import Author
from pipeline.report import Briefing, build_briefing, render_html, render_markdown
from pipeline.report.render import SECTIONS
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.report.helpers import DAY

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_html_has_every_section_and_embedded_png_charts(demo_store: SQLiteStore) -> None:
    page = BeautifulSoup(render_html(build_briefing(demo_store, "蒙牛", DAY)), "html.parser")
    assert page.title is not None and page.title.string == "舆情日报 蒙牛 2026-11-22"
    assert [section["id"] for section in page.find_all("section")] == list(SECTIONS)
    images = page.find_all("img")
    assert len(images) == 3
    for image in images:
        prefix, payload = image["src"].split(",", 1)
        assert prefix == "data:image/png;base64"
        assert base64.b64decode(payload).startswith(PNG_MAGIC)
        assert image["alt"]
    summary = page.find("section", id="summary").get_text(" ")
    assert "85.7%" in summary and "+250%" in summary  # 6/7 negative; 7 mentions against 2 yesterday
    links = page.find("section", id="top-complaints").find_all("a")
    assert links[0]["href"] == "https://weibo.com/1/20" and "异物" in links[0].get_text()
    incidents = page.find("section", id="incidents").get_text(" ")
    assert "P2" in incidents and "待处理" in incidents and "投诉激增" in incidents and "inc-0" not in incidents
    assert "近 15 分钟有 6 位不同作者发布了 6 条关于 蒙牛 的「安全问题」负面投诉" in incidents
    assert "异物" in page.find("section", id="emerging-terms").get_text()


def test_html_escapes_post_text(demo_store: SQLiteStore) -> None:
    briefing = build_briefing(demo_store, "蒙牛", DAY)
    post = briefing.top_complaints[0]
    briefing.top_complaints[0] = post.with_changes(text="<script>alert(1)</script>异物")
    page = BeautifulSoup(render_html(briefing), "html.parser")
    assert page.find("script") is None


def test_empty_day_renders_with_explanations(demo_store: SQLiteStore) -> None:
    from datetime import date

    page = BeautifulSoup(render_html(build_briefing(demo_store, "顺丰", date(2026, 11, 22))), "html.parser")
    assert "当天没有负面微博。" in page.find("section", id="top-complaints").get_text()
    assert len(page.find_all("img")) == 3


def test_markdown_edition_has_the_same_sections(demo_store: SQLiteStore) -> None:
    markdown = render_markdown(build_briefing(demo_store, "蒙牛", DAY))
    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == ["概览", "声量与负面占比", "严重程度与类别", "事件", "热门投诉", "新兴投诉词"]
    assert "[蒙牛纯牛奶喝出异物，孩子拉肚子，客服不理人](https://weibo.com/1/20)" in markdown
    assert "| 2026-11-22 | 7 | 6 | 85.7% |" in markdown
    assert (
        "|  | 2026-11-22 | 较前一天 | 较前 7 天日均 |" in markdown and "| 日期 | 声量 | 负面 | 负面占比 |" in markdown
    )
    assert "| 声量 | 7 | 2 (+250%) | 2.0/天 (+250%) |" in markdown
    assert "| 危急 | 6 |" in markdown and "| 安全问题 | 6 |" in markdown


# Our words in the English edition; none of them may be left in the Chinese one (the demo posts, terms and
# reasons are in Chinese, so any of these would be ours).
ENGLISH_LABELS = [
    *("Summary", "Volume", "Severity", "Incidents", "Top complaints", "Emerging", "vs yesterday", "vs previous"),
    *("mentions", "negative", "/day", "severity", "category", "posts", "priority", "status", "kind", "opened"),
    *("why", "reposts", "comments", "author", "time", "term", "today", "growth", "critical", "safety"),
    *("surge", "open", "Generated", "No ", "new"),
]


def test_the_chinese_edition_has_no_english_labels(demo_store: SQLiteStore) -> None:
    briefing = build_briefing(demo_store, "蒙牛", DAY)
    markdown = render_markdown(briefing)
    page = BeautifulSoup(render_html(briefing), "html.parser")
    texts = [markdown, page.get_text(" "), *(image["alt"] for image in page.find_all("img"))]
    for label in ENGLISH_LABELS:
        assert not any(label in text for text in texts), label
    assert page.html is not None and page.html["lang"] == "zh-CN"


def test_the_english_edition(demo_store: SQLiteStore) -> None:
    briefing = build_briefing(demo_store, "蒙牛", DAY)
    markdown = render_markdown(briefing, language="en")
    assert markdown.startswith("# Daily briefing: 蒙牛, 2026-11-22\n")
    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == [
        "Summary",
        "Volume and negative share",
        "Severity and category",
        "Incidents",
        "Top complaints",
        "Emerging complaint terms",
    ]
    assert "|  | 2026-11-22 | vs yesterday | vs previous 7 days |" in markdown
    assert "| mentions | 7 | 2 (+250%) | 2.0/day (+250%) |" in markdown
    assert "| critical | 6 |" in markdown and "| safety | 6 |" in markdown
    # The incident's reason was decided in Chinese; its data reads in English here.
    assert "6 original negative 'safety' complaints about 蒙牛 from 6 different authors" in markdown.replace("＇", "'")
    page = BeautifulSoup(render_html(briefing, language="en"), "html.parser")
    assert page.html is not None and page.html["lang"] == "en"
    assert [section.h2.get_text() for section in page.find_all("section")] == headings
    assert "| open | surge |" in markdown.replace("P2 | ", "")
    for chinese in ("概览", "事件", "待处理", "较前一天", "/天", "危急", "生成于"):
        assert chinese not in markdown and chinese not in page.get_text(" "), chinese


HOSTILE_TEXT = (
    '<!channel> @所有人 [官方退款入口](https://phish.example/refund) **@所有人** <a href="javascript:alert(1)">x</a>'
)
HOSTILE_URLS = [
    "javascript:alert(1)",
    'https://weibo.com/1/y"><script>alert(1)</script>',
    "http://phish.example/",
    "data:text/html,<script>alert(1)</script>",
    "https://weibo.com/1/x)**@所有人**(",
]
ALLOWED_TARGETS = [
    "https://weibo.com/1/y%22%3E%3Cscript%3Ealert%281%29%3C/script%3E",
    "https://weibo.com/1/x%29%2A%2A%40%E6%89%80%E6%9C%89%E4%BA%BA%2A%2A%28",
]
ACTIVE_MENTION = re.compile(r"@(?:所有人|all|channel|here|everyone)(?![A-Za-z0-9_])|<\s*(?:!|@|at[\s>/])", re.I)


def _hostile(briefing: Briefing) -> Briefing:
    """The top complaints rewritten by a stranger: text, author name and URL; an incident reason too."""
    author = Author(id="1", name="<!channel> @所有人")
    briefing.top_complaints = [
        post.with_changes(text=HOSTILE_TEXT, url=url, author=author)
        for post, url in zip(briefing.top_complaints, HOSTILE_URLS, strict=False)
    ]
    briefing.incidents[0] = {
        **briefing.incidents[0],
        "reason": HOSTILE_TEXT,
        "reason_data": [clause("verbatim", text=HOSTILE_TEXT)],
        "opened_at": "<!here>",
    }
    return briefing


def test_html_briefing_of_hostile_posts_renders_inert(demo_store: SQLiteStore) -> None:
    page = BeautifulSoup(render_html(_hostile(build_briefing(demo_store, "蒙牛", DAY))), "html.parser")
    assert [anchor.get("href") for anchor in page.find_all("a")] == ALLOWED_TARGETS
    assert page.find("script") is None and page.find("at") is None
    assert not [tag for tag in page.find_all(True) if any(name.startswith("on") for name in tag.attrs)]
    text = page.get_text(" ")
    assert "<!channel>" in text.replace("＜", "<") and not ACTIVE_MENTION.search(text)  # shown, not performed
    assert "phish.example" not in text and "phish[.]example" in text


def test_markdown_briefing_of_hostile_posts_renders_inert(demo_store: SQLiteStore) -> None:
    markdown = render_markdown(_hostile(build_briefing(demo_store, "蒙牛", DAY)))
    assert re.findall(r"\]\(([^)]*)\)", markdown) == ALLOWED_TARGETS
    assert "<" not in markdown and "**" not in markdown  # no HTML, no bold; `javascript:` stays as words only
    assert not ACTIVE_MENTION.search(markdown)
    assert "phish.example" not in markdown
    complaints = markdown.split("## 热门投诉")[1].split("\n## ")[0]
    rows = [line for line in complaints.splitlines() if line.startswith("|")]
    assert len(rows) == 7 and all(row.count("|") == 8 for row in rows)  # no cell broke out
