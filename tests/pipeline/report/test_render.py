"""The rendered briefing: HTML sections with embedded PNG charts, and the Markdown edition."""

from __future__ import annotations

import base64
import re

from bs4 import BeautifulSoup

from pipeline.models import Author
from pipeline.report import Briefing, build_briefing, render_html, render_markdown
from pipeline.report.render import SECTIONS
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.report.conftest import DAY

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
    assert "P2" in incidents and "open" in incidents and "inc-0" not in incidents
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
    assert "No negative posts this day." in page.find("section", id="top-complaints").get_text()
    assert len(page.find_all("img")) == 3


def test_markdown_edition_has_the_same_sections(demo_store: SQLiteStore) -> None:
    markdown = render_markdown(build_briefing(demo_store, "蒙牛", DAY))
    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == list(SECTIONS.values())
    assert "[蒙牛纯牛奶喝出异物，孩子拉肚子，客服不理人](https://weibo.com/1/20)" in markdown
    assert "| 2026-11-22 | 7 | 6 | 85.7% |" in markdown


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
    briefing.incidents[0] = {**briefing.incidents[0], "reason": HOSTILE_TEXT, "opened_at": "<!here>"}
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
    complaints = markdown.split(f"## {SECTIONS['top-complaints']}")[1].split("\n## ")[0]
    rows = [line for line in complaints.splitlines() if line.startswith("|")]
    assert len(rows) == 7 and all(row.count("|") == 8 for row in rows)  # no cell broke out
