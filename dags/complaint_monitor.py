"""
### Complaint monitor

Every 3 minutes (`YUQING_SCHEDULES__COMPLAINT_MONITOR`), for each brand of the watchlist (mapped): **collect**
its new posts from the configured sources (the JSONL inbox, Weibo search, m.weibo.cn, Mastodon), **enrich**
them (sentiment, complaint, severity, category) and **store** them (upsert by post id, so a retried task
changes nothing).

A store that added posts updates the `yuqing_posts` asset, which starts the spread tracker at once: a new
crisis is detected within a minute of being collected, not at the tracker's next slot. Then, for brands with
official accounts, **answers** reads the comments and reposts of their complaints for the brand's replies
(one response record per complaint; the "unanswered" incidents of the spread tracker read them).

Tasks exchange paths of small JSONL batch files, never the posts themselves. Requests to Weibo go through
the `weibo_requests` pool, which caps how many collect and answers tasks talk to Weibo at once; the polite
per-request delay lives in the sources themselves.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, TriggerRule, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from pipeline.tasks import POSTS_ASSET, dag_schedule

WEIBO_POOL = "weibo_requests"
SCHEDULE, TIMEZONE = dag_schedule("complaint_monitor")

default_args = {
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}


@dag(
    dag_id="complaint_monitor",
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["yuqing", "collect"],
    doc_md=__doc__,
)
def complaint_monitor() -> None:
    @task
    def list_brands() -> list[str]:
        from pipeline.tasks import task_settings
        from pipeline.tasks.complaint_monitor import brand_names

        return brand_names(task_settings())

    @task(pool=WEIBO_POOL, map_index_template="{{ brand_label }}")
    def collect(brand: str) -> str:
        from pipeline.tasks import task_settings
        from pipeline.tasks.complaint_monitor import collect_batch

        context = get_current_context()
        context["brand_label"] = brand  # type: ignore[typeddict-unknown-key]  # readable mapped-task label
        return collect_batch(task_settings(), brand, context["run_id"], pendulum.now("UTC"))

    @task
    def enrich(collected_path: str) -> str:
        from pipeline.tasks import task_settings
        from pipeline.tasks.complaint_monitor import enrich_batch

        return enrich_batch(task_settings(), collected_path)

    @task(outlets=[Asset(POSTS_ASSET)])
    def store(enriched_path: str) -> dict[str, int]:
        from pipeline.tasks import task_settings
        from pipeline.tasks.complaint_monitor import store_batch

        counts = store_batch(task_settings(), enriched_path)
        if not counts["inserted"]:
            raise AirflowSkipException(f"no new posts ({counts}): the spread tracker is not started")
        return counts

    # Runs whether or not the store added posts (a store without new posts skips): replies come in any time.
    @task(pool=WEIBO_POOL, trigger_rule=TriggerRule.ALL_DONE, map_index_template="{{ brand_label }}")
    def answers(brand: str) -> dict[str, Any]:
        from pipeline.tasks import task_settings
        from pipeline.tasks.complaint_monitor import answers_for_brand

        context = get_current_context()
        context["brand_label"] = brand  # type: ignore[typeddict-unknown-key]
        return answers_for_brand(task_settings(), brand, pendulum.now("UTC"))

    brands = list_brands()
    stored = store.expand(enriched_path=enrich.expand(collected_path=collect.expand(brand=brands)))
    stored >> answers.expand(brand=brands)


dag_object = complaint_monitor()

if __name__ == "__main__":
    dag_object.test()
