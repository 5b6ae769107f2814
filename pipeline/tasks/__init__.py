"""The bodies of the Airflow tasks in `dags/`, one module per DAG, and what every task and DAG file starts with.

Each module is a thin composition of the packages below it (sources, enrich, store, detect, alert, report):
`complaint_monitor`, `spread_tracker`, `daily_briefing`, `retrain_classifiers`.
"""

from __future__ import annotations

from pipeline.config import ScheduleSettings, Settings
from pipeline.log_redaction import install_redaction

POSTS_ASSET = "yuqing_posts"  # the complaint monitor's store task updates it; the spread tracker runs on it


def task_settings() -> Settings:
    """The settings of one task run. Airflow has set up its log handlers by the time a task body runs; the
    secrets of these settings and of the environment are masked in all of them from here on."""
    settings = Settings()
    install_redaction(settings)
    return settings


def dag_schedule(dag_id: str) -> tuple[str | None, str]:
    """(cron expression or None for manual runs only, time zone) of a DAG, from `YUQING_SCHEDULES__*` and
    `YUQING_TIMEZONE`. Read when a DAG file is parsed; the watchlist is not read here."""
    if dag_id not in ScheduleSettings.model_fields:
        raise KeyError(f"no schedule setting for DAG {dag_id!r}")
    settings = Settings()
    cron: str = getattr(settings.schedules, dag_id)
    return (None if cron == "never" else cron), settings.timezone
