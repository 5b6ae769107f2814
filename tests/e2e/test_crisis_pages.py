"""End to end through the real Airflow processes: a complaint that starts spreading on Weibo pages the on-call
route, once per channel, in Chinese.

The stack runs the repository's DAGs every minute against a loopback Weibo (`weibo_stage`). A few seconds
after the DAGs are parsed, a food-safety complaint about the brand shows up in search with 110 reposts from
the last 25 minutes (more keep coming): complaint_monitor collects, scores and stores it, the store updates
the posts asset, spread_tracker detects the cascade (≥ 100 reposts within an hour) and the webhook receiver
gets the page. About two minutes on a 2-core machine, most of it starting Airflow and waiting for the
minute slots.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.helpers import Deployment
from tests.e2e.weibo_stage import make_crisis

logger = logging.getLogger(__name__)

CHANNELS = ("/pager", "/pr-desk")
PAGE_WITHIN = timedelta(minutes=4)  # from the moment the crisis shows to the page at the receiver
MAX_STAGE_REQUESTS = 600  # a few pages a minute per surface: far below a real crawl budget


@pytest.mark.slow
def test_a_spreading_complaint_pages_each_channel_once(deployment: Deployment) -> None:
    stage, receiver, stack = deployment.stage, deployment.receiver, deployment.stack
    appears_at = datetime.now(UTC) + timedelta(seconds=5)
    crisis = make_crisis(deployment.brand, appears_at, 5_241_000_000_100_000, random.Random(7))
    stage.add(crisis.posts)

    deadline = time.monotonic() + (appears_at - datetime.now(UTC) + PAGE_WITHIN).total_seconds()
    while len({page.channel for page in receiver.pages_for(crisis.root_id)}) < len(CHANNELS):
        if time.monotonic() > deadline:
            pytest.fail(f"no page for {crisis.root_id} within {PAGE_WITHIN}\n{deployment.diagnostics()}")
        stack.check_alive()
        time.sleep(1)
    paged_at = max(page.at for page in receiver.pages_for(crisis.root_id))
    logger.info("paged %.0f s after the crisis showed", (paged_at - appears_at).total_seconds())

    # Give a duplicate its chance: one more spread_tracker run, started after the page, must finish.
    stack.wait_for(
        "a spread_tracker run after the page",
        lambda: any(
            start is not None and start > paged_at and state in ("success", "failed")
            for _run, state, start, _end in stack.dag_runs("spread_tracker")
        ),
        timeout=150,
    )

    pages = receiver.snapshot()
    diagnostics = deployment.diagnostics()
    for channel in CHANNELS:
        opened = [page for page in pages if page.channel == channel and page.body.get("event") == "opened"]
        assert len(opened) == 1, f"{channel} got {len(opened)} opening pages\n{diagnostics}"
        page = opened[0]
        assert page.body["root_id"] == crisis.root_id
        assert page.body["brand"] == deployment.brand
        assert page.body["kind"] == "cascade"
        assert "新事件" in page.body["subject"] and "扩散" in page.body["subject"], page.body["subject"]
        assert "转发" in page.body["text"], page.body["text"]
        assert page.key == page.body["notification_id"]
        keys = [page.key for page in pages if page.channel == channel]
        assert len(keys) == len(set(keys)), f"{channel} got a notification twice: {keys}"
    assert {page.body.get("root_id") for page in pages} == {crisis.root_id}, f"a page about calm posts\n{diagnostics}"
    assert paged_at - appears_at < PAGE_WITHIN

    failed = [run for run in stack.task_runs() if run.state == "failed"]
    assert not failed, f"failed tasks: {failed}\n{diagnostics}"
    assert stage.requests_to("/api/statuses/repostTimeline"), "the refresh never read the crisis's repost timeline"
    assert len(stage.requests) < MAX_STAGE_REQUESTS, f"{len(stage.requests)} requests to the Weibo stage"
