"""
### Daily briefing (舆情日报)

Every morning at 08:30 in `YUQING_TIMEZONE` (`YUQING_SCHEDULES__DAILY_BRIEFING`), for each brand of the
watchlist that names a `briefing_route` (mapped): render the briefing of the previous day (volume and negative
share against the day and the week before, severity and category, incidents, top complaints with links,
emerging complaint terms, charts) and send it to that route (email gets the HTML edition with embedded charts,
chat channels the text).

A failed channel fails the task, which is retried; re-running a day sends that day's briefing again.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, get_current_context, task

from pipeline.tasks import dag_schedule

SCHEDULE, TIMEZONE = dag_schedule("daily_briefing")

default_args = {
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=20),
}


@dag(
    dag_id="daily_briefing",
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["yuqing", "report"],
    doc_md=__doc__,
)
def daily_briefing() -> None:
    @task
    def list_brands() -> list[str]:
        from pipeline.tasks import task_settings
        from pipeline.tasks.daily_briefing import briefing_brands

        return briefing_brands(task_settings())

    @task(map_index_template="{{ brand_label }}")
    def send_briefing(brand: str) -> str:
        from pipeline.tasks import task_settings
        from pipeline.tasks.daily_briefing import send_briefing as send_one

        context = get_current_context()
        context["brand_label"] = brand  # type: ignore[typeddict-unknown-key]  # readable mapped-task label
        run_after = context["dag_run"].run_after  # set for scheduled and manual runs alike
        return send_one(task_settings(), brand, run_after)

    send_briefing.expand(brand=list_brands())


dag_object = daily_briefing()

if __name__ == "__main__":
    dag_object.test()
