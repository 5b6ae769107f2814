"""A page decided is delivered, once: the monitor process is killed at each step of the alert path and
restarted, and the pages are counted where they arrive.

Steps: detect (decided, nothing written) → record (incident and its outbox written) → queue (delivery
records written, outbox not yet cleared) → claim → send (a channel accepted the message, not yet marked
sent) → mark sent. The file channel and e-mail are exactly-once at every step; after a death between "a
channel accepted" and "marked sent" the webhook gets the page again with the same idempotency key (the
documented at-least-once step).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from pipeline.failpoints import KILLED
from pipeline.models import format_time
from tests.reliability.helpers import CRISIS_OPENS, Deployment

STEPS = [
    "detect.before_record",
    "detect.after_record",
    "dispatch.after_queue",
    "dispatch.after_claim",
    "dispatch.after_send",
    "dispatch.after_mark",
]


def _cycle(deployment: Deployment, minutes: int, failpoints: str = "") -> int:
    done = deployment.run(
        "monitor", "--at", format_time(CRISIS_OPENS + timedelta(minutes=minutes)), failpoints=failpoints
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


@pytest.mark.parametrize("step", STEPS)
def test_a_page_is_delivered_once_whatever_step_the_process_dies_at(deployment: Deployment, step: str) -> None:
    assert _cycle(deployment, 0, failpoints=step) == KILLED
    # The next cycles are new processes; the lease of a send that died with its process runs out in 2 min.
    assert _cycle(deployment, 3) == 0
    assert _cycle(deployment, 6) == 0

    filed = [line["notification_id"] for line in deployment.file_lines()]
    assert filed and len(filed) == len(set(filed)), f"file channel got a page twice: {filed}"
    opened = [line for line in deployment.file_lines() if line["event"] == "opened" and line["brand"] == "蒙牛"]
    assert len(opened) == 1 and opened[0]["priority"] == "P1"
    oncall = {line["notification_id"] for line in deployment.file_lines() if line["brand"] == "蒙牛"}

    webhook = Counter(deployment.webhook.keys)
    assert set(webhook) == oncall  # every page reached the webhook, each carrying its idempotency key
    assert [body["notification_id"] for body in deployment.webhook.bodies] == deployment.webhook.keys
    expected_repeats = 2 if step == "dispatch.after_send" else 1  # the channel sent first got it again
    assert max(webhook.values()) == expected_repeats
    assert sum(webhook.values()) == len(oncall) + expected_repeats - 1

    mail = Counter(deployment.mailbox.message_ids)
    assert len(mail) == len(oncall) and set(mail.values()) == {1}

    with deployment.store() as store:
        deliveries = store.list_records("delivery")
        incidents = store.list_records("incident")
    assert deliveries and all(delivery["sent"] for delivery in deliveries)
    assert all(not incident["outbox"] for incident in incidents)


def test_a_failing_receiver_gets_the_page_once_it_is_back(deployment: Deployment) -> None:
    deployment.webhook.failures = 2  # down for the first two attempts
    assert _cycle(deployment, 0) == 0
    assert deployment.webhook.refused == 1 and not deployment.webhook.bodies
    assert len(deployment.file_lines()) >= 1  # the other channels did not wait for the failing one
    assert _cycle(deployment, 1) == 0  # backoff of 1 min: tried again, refused again
    assert _cycle(deployment, 2) == 0  # still backing off (2 min after the second failure)
    assert deployment.webhook.refused == 2 and not deployment.webhook.bodies
    assert _cycle(deployment, 4) == 0
    assert Counter(deployment.webhook.keys) == Counter(
        {line["notification_id"]: 1 for line in deployment.file_lines() if line["brand"] == "蒙牛"}
    )
