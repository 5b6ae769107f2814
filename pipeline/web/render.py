"""Rendering a page: the Jinja2 environment (autoescaping everything, helpers for strangers' links and for
times in the configured zone), the language of this request and the words of the page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.config import Settings
from pipeline.exceptions import InvalidRecord
from pipeline.i18n import LANGUAGES, Language
from pipeline.models import parse_time
from pipeline.safe_text import LinkPolicy, disarm
from pipeline.web.auth import Session
from pipeline.web.words import Words, translator

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGE_COOKIE = "yuqing_lang"


def make_templates(settings: Settings) -> Jinja2Templates:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    links = LinkPolicy.from_settings(settings)
    zone = ZoneInfo(settings.timezone)

    def href(url: object) -> str | None:
        """A stranger's URL as a link target, or None (render no link) unless it is http(s) on an allowed host."""
        return links.target(url) if isinstance(url, str) else None

    def local(moment: object, pattern: str = "%Y-%m-%d %H:%M") -> str:
        if isinstance(moment, str):
            try:
                moment = parse_time(moment)
            except (ValueError, InvalidRecord):
                return str(moment)
        if not isinstance(moment, datetime):
            return ""
        return moment.astimezone(zone).strftime(pattern)

    environment.filters["href"] = href
    environment.filters["local"] = local
    environment.filters["inert"] = lambda text: disarm(str(text)) if text is not None else ""
    environment.globals["zone_name"] = settings.timezone
    environment.globals["refresh_s"] = settings.web.refresh_s
    return Jinja2Templates(env=environment)


def request_language(request: Request, settings: Settings) -> Language:
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    for language in LANGUAGES:
        if chosen == language:
            return language
    return settings.language


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def page(request: Request, template: str, words: Words, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with the page's words in the request's language; remembers a `?lang=` choice."""
    settings: Settings = request.app.state.settings
    templates: Jinja2Templates = request.app.state.templates
    language = request_language(request, settings)
    other: Language = "en" if language == "zh" else "zh"
    session = session_of(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": translator(language, words),
            "language": language,
            "other_language": other,
            # The same page in the other language: the filters stay, only `lang` changes.
            "other_language_url": _with_language(request, other),
            "user": session.user,
            "csrf_token": session.csrf,
            "brands": [brand.name for brand in settings.watchlist_config.brands],
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="strict", httponly=True)
    return response


def _with_language(request: Request, language: Language) -> str:
    """This page's path and query with `lang` set: a relative URL, whatever host the request came through."""
    url = request.url.include_query_params(lang=language)
    return f"{url.path}?{url.query}"
