"""The rendered briefing: HTML sections with embedded PNG charts, and the Markdown edition."""

from __future__ import annotations

import base64

from bs4 import BeautifulSoup

from pipeline.report import build_briefing, render_html, render_markdown
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
