"""The daily briefing (舆情日报): gather (`briefing`), draw (`charts`), render (`render`), send (`deliver`)."""

from __future__ import annotations

from pipeline.report.briefing import Briefing, briefing_day, build_briefing
from pipeline.report.render import render_html, render_markdown, subject

__all__ = ["Briefing", "briefing_day", "build_briefing", "render_html", "render_markdown", "subject"]
