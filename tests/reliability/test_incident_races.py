"""What a person does is never undone by the machine: a detection cycle (a real process) is paused after it
read the incidents and decided, a person acknowledges, resolves or silences in another real process, and the
cycle then finishes. The person's change must stand, and the cycle's decision must be taken again on it.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from typing import Any

from pipeline.models import format_time
from tests.reliability.helpers import CRISIS_OPENS, REPO, Deployment


def _open_incident(deployment: Deployment) -> dict[str, Any]:
    done = deployment.run("monitor", "--at", format_time(CRISIS_OPENS))
    assert done.returncode == 0, done.stderr
    with deployment.store() as store:
        (incident,) = [doc for doc in store.list_records("incident") if doc["brand"] == "蒙牛"]
    return incident


def _paused_cycle(deployment: Deployment, minutes: int, step: str = "detect.before_record") -> subprocess.Popen[str]:
    """Start a cycle and return once it is paused at `step` (by default: decided, not yet written)."""
    at = format_time(CRISIS_OPENS + timedelta(minutes=minutes))
    cycle = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "monitor", "--at", at],
        env={**deployment.env, "YUQING_FAILPOINTS": f"{step}=sleep:4"},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert cycle.stderr is not None
    for line in cycle.stderr:
        if line.startswith(f"failpoint {step}: pausing"):
            return cycle
    cycle.wait(timeout=60)
    raise AssertionError(f"the cycle never reached its pause (exit {cycle.returncode})")


def _finish(cycle: subprocess.Popen[str]) -> None:
    _out, err = cycle.communicate(timeout=120)
    assert cycle.returncode == 0, err
    assert "Traceback" not in err


def test_an_ack_during_a_cycle_is_not_undone_and_nothing_escalates(deployment: Deployment) -> None:
    incident = _open_incident(deployment)
    cycle = _paused_cycle(deployment, 31)  # 31 min unacknowledged: this cycle decides to escalate
    ack = deployment.run("alerts", "ack", incident["incident_id"], "--by", "王值班")
    assert ack.returncode == 0 and ack.stdout.strip() == f"{incident['incident_id']}: acknowledged by 王值班"
    _finish(cycle)
    listed = deployment.run("alerts", "list", "--brand", "蒙牛")
    assert f"{incident['incident_id']}  已确认" in listed.stdout  # the status, in the default language
    with deployment.store() as store:
        stored = store.get_record("incident", incident["incident_id"])
    assert stored is not None and stored["status"] == "acknowledged" and stored["escalated_at"] is None
    assert [line["event"] for line in deployment.file_lines() if line["brand"] == "蒙牛"] == ["opened"]
    assert [(line["event"], line["by"]) for line in stored["timeline"]] == [
        ("opened", "yuqing"),
        ("acknowledged", "王值班"),
    ]


def test_a_resolve_during_a_cycle_is_not_undone(deployment: Deployment) -> None:
    incident = _open_incident(deployment)
    cycle = _paused_cycle(deployment, 5)  # the cascade is still active: this cycle marks it active
    resolved = deployment.run("alerts", "resolve", incident["incident_id"], "--by", "王值班")
    assert resolved.returncode == 0, resolved.stderr
    _finish(cycle)
    with deployment.store() as store:
        stored = store.get_record("incident", incident["incident_id"])
    assert stored is not None and (stored["status"], stored["resolved_by"]) == ("resolved", "王值班")
    events = [line["event"] for line in deployment.file_lines() if line["brand"] == "蒙牛"]
    assert events == ["opened", "resolved"]


def test_a_silence_during_a_cycle_holds_back_its_queued_pages(deployment: Deployment) -> None:
    incident = _open_incident(deployment)
    cycle = _paused_cycle(deployment, 31, "dispatch.after_queue")  # the escalation is queued, not yet sent
    silenced = deployment.run("alerts", "silence", "--incident", incident["incident_id"], "--for", "2h")
    assert silenced.returncode == 0, silenced.stderr
    _finish(cycle)
    with deployment.store() as store:
        deliveries = store.list_records("delivery", {"incident_id": incident["incident_id"]})
    escalations = [delivery for delivery in deliveries if delivery["notification"]["event"] == "escalated"]
    assert escalations and all(delivery["silenced"] and not delivery["sent"] for delivery in escalations)
    assert [line["event"] for line in deployment.file_lines() if line["brand"] == "蒙牛"] == ["opened"]
