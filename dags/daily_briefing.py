"""
### Daily briefing (舆情日报)

Every morning at 08:30 Asia/Shanghai, for each brand of the watchlist that names a `briefing_route`
(mapped): render the briefing of the previous day (volume and negative share against the day and the week
before, severity and category, incidents, top complaints with links, emerging complaint terms, charts)
and send it to that route (email gets the HTML edition with embedded charts, chat channels the text).

A failed channel fails the task, which is retried; re-running a day sends that day's briefing again.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, get_current_context, task

default_args = {
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=20),
}


@dag(
    dag_id="daily_briefing",
    schedule="30 8 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["yuqing", "report"],
    doc_md=__doc__,
)
def daily_briefing() -> None:
    @task
    def list_brands() -> list[str]:
        from pipeline.report.deliver import briefing_brands
        from pipeline.tasks import task_settings

        return briefing_brands(task_settings())

    @task(map_index_template="{{ brand_label }}")
    def send_briefing(brand: str) -> str:
        from pipeline.report.briefing import briefing_day
        from pipeline.report.deliver import send_daily_briefing
        from pipeline.tasks import task_settings

        context = get_current_context()
        context["brand_label"] = brand  # type: ignore[typeddict-unknown-key]  # readable mapped-task label
        run_after = context["dag_run"].run_after  # set for scheduled and manual runs alike
        return send_daily_briefing(task_settings(), brand, briefing_day(run_after))

    send_briefing.expand(brand=list_brands())


dag_object = daily_briefing()

if __name__ == "__main__":
    dag_object.test()
