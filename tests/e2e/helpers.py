"""Shared test helpers of `tests.e2e`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.e2e.airflow_stack import AirflowStack
from tests.e2e.weibo_stage import PageReceiver, WeiboStage

BRAND = "蒙牛"


# Every minute, so that a test does not wait for the shipped slots; the other two DAGs are paused.
SCHEDULES = {"complaint_monitor": "* * * * *", "spread_tracker": "* * * * *"}


PAUSED = ("daily_briefing", "retrain_classifiers")


@dataclass
class Deployment:
    stack: AirflowStack
    stage: WeiboStage
    receiver: PageReceiver
    brand: str

    def diagnostics(self) -> str:
        """What an assertion message needs: pages received, stage traffic, and the stack's logs."""
        pages = [
            (page.at.isoformat(), page.channel, page.body.get("event"), page.body.get("root_id"))
            for page in self.receiver.snapshot()
        ]
        return (
            f"pages received: {pages}\nstage requests: {len(self.stage.requests)}\n"
            f"task runs: {[(r.dag_id, r.task_id, r.map_index, r.state) for r in self.stack.task_runs()]}\n"
            f"{self.stack.log_tails()}"
        )
