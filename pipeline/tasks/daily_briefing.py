"""The daily briefing's task bodies (DAG `daily_briefing`): which brands get one, and sending one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pipeline.config import Settings
from pipeline.report.briefing import briefing_day
from pipeline.report.deliver import briefing_brands, send_daily_briefing

__all__ = ["briefing_brands", "send_briefing"]


def send_briefing(settings: Settings, brand: str, run_after: datetime) -> str:
    """Send `brand`'s briefing of the day before the run's own day (in `settings.timezone`); returns the subject."""
    return send_daily_briefing(settings, brand, briefing_day(run_after, ZoneInfo(settings.timezone)))
