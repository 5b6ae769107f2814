"""The bodies of the Airflow tasks in `dags/`, and what every task starts with."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.log_redaction import install_redaction


def task_settings() -> Settings:
    """The settings of one task run. Airflow has set up its log handlers by the time a task body runs; the
    secrets of these settings and of the environment are masked in all of them from here on."""
    settings = Settings()
    install_redaction(settings)
    return settings
