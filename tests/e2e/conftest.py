"""Fixtures of the end-to-end suite: a Weibo stage and a webhook receiver on loopback, and a running Airflow
stack that collects from the one and pages the other (see `airflow_stack` and `weibo_stage`)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.airflow_stack import AirflowStack, watchlist_yaml, yuqing_env
from tests.e2e.helpers import (
    BRAND,
    PAUSED,
    SCHEDULES,
    Deployment,
)
from tests.e2e.weibo_stage import PageReceiver, WeiboStage, calm_posts


@pytest.fixture
def weibo_stage() -> Iterator[WeiboStage]:
    stage = WeiboStage()
    stage.start()
    try:
        yield stage
    finally:
        stage.stop()


@pytest.fixture
def page_receiver() -> Iterator[PageReceiver]:
    receiver = PageReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def deployment(tmp_path: Path, weibo_stage: WeiboStage, page_receiver: PageReceiver) -> Iterator[Deployment]:
    """Airflow running the repository's DAGs for one brand searched on the stage, paging the receiver's two
    channels (`/pager`, `/pr-desk`). The stage shows a few calm posts about the brand from the start."""
    calm_mids = range(5_241_000_000_000_001, 5_241_000_000_000_006)
    weibo_stage.add(calm_posts(BRAND, datetime.now(UTC), calm_mids, random.Random(3)))
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(watchlist_yaml([BRAND], page_receiver.url), encoding="utf-8")
    settings = yuqing_env(tmp_path / "data", watchlist, weibo_stage.url, SCHEDULES)
    stack = AirflowStack(tmp_path / "airflow", settings)
    stack.home.mkdir()
    try:
        stack.start(pause=PAUSED)
        yield Deployment(stack, weibo_stage, page_receiver, BRAND)
    finally:
        stack.stop()
