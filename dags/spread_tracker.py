"""
### Spread tracker

Every 5 minutes (`YUQING_SCHEDULES__SPREAD_TRACKER`) and whenever the complaint monitor has stored new posts
(the `yuqing_posts` asset): **detect** spreading negative mentions (per-root cascade prediction and per-brand
surge tests) on what is stored, fuse hits into incidents and **notify** the routes of the watchlist; beside it,
not before it, **refresh** the repost timelines of the Weibo roots worth following (negative, complaints, big
accounts, fast movers) within a time budget (`YUQING_WEIBO__REFRESH_BUDGET_S`, 90 s), so that a slow or
blocked Weibo never delays a page. What the refresh stores is read by the next detection.

Incidents and deliveries live in the store, so a retried or restarted run neither loses nor repeats a page;
the detectors carry their state from run to run and read only the posts stored since. A blocked or failing
source is noted as source health (`yuqing sources`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from pipeline.tasks import POSTS_ASSET, dag_schedule

WEIBO_POOL = "weibo_requests"  # shared with complaint_monitor: caps concurrent Weibo requests
CRON, TIMEZONE = dag_schedule("spread_tracker")
SCHEDULE = (
    AssetOrTimeSchedule(timetable=CronTriggerTimetable(CRON, timezone=TIMEZONE), assets=[Asset(POSTS_ASSET)])
    if CRON
    else [Asset(POSTS_ASSET)]
)

default_args = {
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=5),
}


@dag(
    dag_id="spread_tracker",
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["yuqing", "detect", "alert"],
    doc_md=__doc__,
)
def spread_tracker() -> None:
    @task
    def detect_and_notify() -> dict[str, Any]:
        from pipeline.tasks import task_settings
        from pipeline.tasks.spread_tracker import detect_step

        return detect_step(task_settings(), pendulum.now("UTC"))

    @task(pool=WEIBO_POOL)
    def refresh_cascades() -> dict[str, Any]:
        from pipeline.tasks import task_settings
        from pipeline.tasks.spread_tracker import refresh_step

        return refresh_step(task_settings(), pendulum.now("UTC"))

    detect_and_notify()
    refresh_cascades()  # independent of detection: never delays a page


dag_object = spread_tracker()

if __name__ == "__main__":
    dag_object.test()
