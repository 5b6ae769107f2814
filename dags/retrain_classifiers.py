"""
### Retrain classifiers

Weekly (Monday 03:00, `YUQING_SCHEDULES__RETRAIN_CLASSIFIERS`): **train** a candidate version of the sentiment
and complaint models on the corpora (`YUQING_CORPORA_DIR`) plus the analyst corrections stored with `yuqing
feedback add`, **evaluate** it on every reporting test split, and **promote** it (`<data_dir>/models/CURRENT`)
only when it is not worse than the current version on any evaluation set; otherwise the current version stays
and the promote task's result says which sets got worse. Without corpora on the machine the run is skipped
with one line saying so.

Params `limit`, `char_bits` and `word_bits` make a quick run possible (e.g. `{"limit": 200,
"char_bits": 12, "word_bits": 10}` trains in seconds; such a candidate is normally not promoted).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from pipeline.tasks import dag_schedule

SCHEDULE, TIMEZONE = dag_schedule("retrain_classifiers")

default_args = {
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}


@dag(
    dag_id="retrain_classifiers",
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["yuqing", "classifiers"],
    doc_md=__doc__,
    params={
        "limit": Param(None, type=["null", "integer"], minimum=10, description="texts per corpus"),
        "char_bits": Param(20, type="integer", minimum=8, maximum=22),
        "word_bits": Param(0, type="integer", minimum=0, maximum=22),  # 0: no word n-grams (the default)
    },
)
def retrain_classifiers() -> None:
    @task
    def train() -> str:
        from pipeline.tasks import task_settings
        from pipeline.tasks.retrain_classifiers import CorporaAbsent, train, train_config

        try:
            return train(task_settings(), train_config(get_current_context()["params"]))
        except CorporaAbsent as exc:
            raise AirflowSkipException(str(exc)) from None

    @task
    def evaluate(candidate: str) -> dict[str, Any]:
        from pipeline.tasks import task_settings
        from pipeline.tasks.retrain_classifiers import evaluate_candidate

        return evaluate_candidate(task_settings(), candidate, limit=get_current_context()["params"]["limit"])

    @task
    def promote(candidate: str, metrics: dict[str, Any]) -> dict[str, Any]:
        from pipeline.tasks import task_settings
        from pipeline.tasks.retrain_classifiers import promote_candidate

        return promote_candidate(task_settings(), candidate)

    candidate = train()
    promote(candidate, evaluate(candidate))  # type: ignore[arg-type]  # XComArgs resolve at run time


dag_object = retrain_classifiers()

if __name__ == "__main__":
    dag_object.test()
