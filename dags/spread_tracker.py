"""
### Spread tracker

Every 5 minutes: **refresh** the repost timelines of the root posts worth following (negative, complaints,
big accounts, fast movers), then **detect** spreading negative mentions (per-root cascade prediction and
per-brand surge tests), fuse hits into incidents and **notify** the routes of the watchlist.

Incidents and deliveries live in the store, so a retried or restarted run neither loses nor repeats a page;
a blocked Weibo source is reported by the refresh task and detection still runs on what is stored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, task

WEIBO_POOL = "weibo_requests"  # shared with complaint_monitor: caps concurrent Weibo requests

default_args = {
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=5),
}


@dag(
    dag_id="spread_tracker",
    schedule="*/5 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["yuqing", "detect", "alert"],
    doc_md=__doc__,
)
def spread_tracker() -> None:
    @task(pool=WEIBO_POOL)
    def refresh_cascades() -> dict[str, Any]:
        from pipeline.detect.monitor import refresh_step
        from pipeline.tasks import task_settings

        return refresh_step(task_settings(), pendulum.now("UTC"))

    @task
    def detect_and_notify(refresh: dict[str, Any]) -> dict[str, Any]:
        from pipeline.detect.monitor import detect_step
        from pipeline.tasks import task_settings

        return detect_step(task_settings(), pendulum.now("UTC"))

    detect_and_notify(refresh_cascades())  # type: ignore[arg-type]  # XComArg resolves at run time


dag_object = spread_tracker()

if __name__ == "__main__":
    dag_object.test()
