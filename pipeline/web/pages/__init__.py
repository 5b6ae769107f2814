"""The console's pages, one module each; every module has `router` (HTML pages), `api` (JSON under /api/)
and `WORDS` (its words)."""

from __future__ import annotations

from pipeline.web.pages import briefing, complaints, incidents, overview, posts, responses

MODULES = (overview, incidents, complaints, posts, briefing, responses)
