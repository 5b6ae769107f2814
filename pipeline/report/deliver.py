"""Send the daily briefing of each brand that has a `briefing_route` (the daily_briefing DAG's one call)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pipeline.config import Settings
from pipeline.exceptions import AlertDeliveryError, NotConfigured
from pipeline.report.briefing import briefing_day, build_briefing
from pipeline.report.render import render_html, render_markdown, subject
from pipeline.safe_text import LinkPolicy
from pipeline.store import open_store

logger = logging.getLogger(__name__)


def briefing_brands(settings: Settings) -> list[str]:
    """Brands whose watchlist entry names a briefing route."""
    return [brand.name for brand in settings.watchlist_config.brands if brand.briefing_route]


def send_daily_briefing(settings: Settings, brand: str, day: date | None = None) -> str:
    """Render the briefing of `brand` for `day` (default: yesterday in `settings.timezone`) and send it to the brand's
    briefing route; returns the subject. A channel that fails makes the whole call fail (so that the task
    is retried), after every channel has been tried."""
    watchlist = settings.watchlist_config
    watched = watchlist.brand(brand)
    route = watched.briefing_route
    if route is None:
        raise NotConfigured(f"brand {brand!r} has no briefing_route")
    tz = ZoneInfo(settings.timezone)
    report_day = day or briefing_day(datetime.now(UTC), tz)
    with open_store(settings) as store:
        briefing = build_briefing(store, brand, report_day, tz=tz, official_accounts=bool(watched.official_accounts))
    title = subject(briefing, settings.language)
    from pipeline.alert.dispatch import send_message  # the alert stage; imported when a briefing is sent

    links = LinkPolicy.from_settings(settings)
    text, page = render_markdown(briefing, links, settings.language), render_html(briefing, links, settings.language)
    results = send_message(watchlist, route, title, text, page)
    failed = [f"{result.channel}: {result.error}" for result in results if not result.sent]
    if failed:
        raise AlertDeliveryError(f"{title}: {len(failed)} of {len(results)} channel(s) failed: {'; '.join(failed)}")
    logger.info("sent %s to route %s (%d channel(s))", title, route, len(results))
    return title
