from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.detect.base import EvidencePost, Hit
from pipeline.detect.incidents import IncidentBook, IncidentManager
from pipeline.models import parse_time
from pipeline.store.sqlite import SQLiteStore

WATCHLIST = """
brands:
  - name: 蒙牛
routes:
  default: {channels: [log]}
channels:
  log: {type: file, path: %s}
"""


@pytest.fixture
def incident_id(env: pytest.MonkeyPatch, tmp_path: Path) -> str:
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST % (tmp_path / "alerts.jsonl"), encoding="utf-8")
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_WATCHLIST", str(watchlist))
    store = SQLiteStore(Settings().sqlite_path)
    hit = Hit(
        kind="cascade",
        key="cascade:weibo:1",
        brand="蒙牛",
        at=parse_time("2026-11-22T10:00:00+08:00"),
        reason="predicted 20,000 reposts",
        size=20_000,
        root_id="weibo:1",
        predicted_reposts=20_000,
        posts=(EvidencePost("weibo:1", "https://weibo.com/1/a"),),
    )
    notes = IncidentManager(IncidentBook(store)).process([hit], {hit.key}, hit.at)
    store.close()
    return str(notes[0]["incident_id"])


def test_list_show_ack_resolve(incident_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "list", "--status", "open"]) == 0
    assert incident_id in capsys.readouterr().out
    assert main(["alerts", "show", incident_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["incident_id"] == incident_id and shown["priority"] == "P1" and shown["deliveries"] == []
    assert main(["alerts", "ack", incident_id]) == 0
    assert capsys.readouterr().out.strip() == f"{incident_id}: acknowledged"
    assert main(["alerts", "resolve", incident_id]) == 0
    assert "resolved (1 sent, 0 failed)" in capsys.readouterr().out
    sent = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(line["event"], line["incident_id"]) for line in sent] == [("resolved", incident_id)]
    assert main(["alerts", "list", "--status", "open"]) == 0
    assert capsys.readouterr().out.strip() == "no incidents"


def test_silence_and_unknown_incident(incident_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "silence", "--brand", "蒙牛", "--for", "2h"]) == 0
    assert capsys.readouterr().out.startswith("silenced brand:蒙牛 until ")
    store = SQLiteStore(Settings().sqlite_path)
    (silence,) = store.list_records("silence")
    store.close()
    assert silence["brand"] == "蒙牛" and silence["incident_id"] is None
    assert main(["alerts", "show", "nope"]) == 2
    assert "no incident 'nope'" in capsys.readouterr().err
