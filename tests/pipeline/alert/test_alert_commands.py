from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.alert.helpers import open_p1_incident

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
    return open_p1_incident(Settings().sqlite_path)


PREDICTED_ZH = "传播模型（SEISMIC）预计 24 小时内共转发 20,000 次。"
PREDICTED_EN = "The self-exciting (SEISMIC) estimate expects 20,000 reposts within 24 h."


def test_list_show_ack_resolve(incident_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "list", "--status", "open"]) == 0
    listed = capsys.readouterr().out
    assert incident_id in listed and PREDICTED_ZH in listed
    assert main(["alerts", "show", incident_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["incident_id"] == incident_id and shown["priority"] == "P1" and shown["deliveries"] == []
    assert main(["alerts", "ack", incident_id, "--by", "王值班"]) == 0
    assert capsys.readouterr().out.strip() == f"{incident_id}: acknowledged by 王值班"
    assert main(["alerts", "resolve", incident_id, "--by", "王值班"]) == 0
    # The "opened" page decided by detection was still in the incident's outbox: it goes out too, first.
    assert "resolved by 王值班 (2 sent, 0 failed)" in capsys.readouterr().out
    sent = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(line["event"], line["incident_id"]) for line in sent] == [
        ("opened", incident_id),
        ("resolved", incident_id),
    ]
    assert main(["alerts", "resolve", incident_id]) == 0
    assert capsys.readouterr().out.strip() == f"{incident_id}: already resolved"
    assert main(["alerts", "show", incident_id]) == 0
    timeline = json.loads(capsys.readouterr().out)["timeline"]
    assert [(line["event"], line["by"]) for line in timeline] == [
        ("opened", "yuqing"),
        ("acknowledged", "王值班"),
        ("resolved", "王值班"),
    ]
    assert main(["alerts", "list", "--status", "open"]) == 0
    assert capsys.readouterr().out.strip() == "no incidents"


def test_silence_and_unknown_incident(incident_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "silence", "--brand", "蒙牛", "--for", "2h"]) == 0
    assert capsys.readouterr().out.startswith("silenced brand:蒙牛 until ")
    store = SQLiteStore(Settings().sqlite_path)
    (silence,) = store.list_records("silence")
    store.close()
    assert silence["brand"] == "蒙牛" and silence["incident_id"] is None
    assert main(["alerts", "unsilence", "--brand", "蒙牛"]) == 0
    assert capsys.readouterr().out.strip() == "unsilenced brand:蒙牛"
    assert main(["alerts", "unsilence", "--brand", "蒙牛"]) == 2
    assert main(["alerts", "silence", "--brand", "不存在的品牌"]) == 2
    assert "不存在的品牌" in capsys.readouterr().err
    assert main(["alerts", "show", "nope"]) == 2
    assert "no incident 'nope'" in capsys.readouterr().err


def test_reasons_are_shown_and_written_in_the_configured_language(
    incident_id: str, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The incident was decided in Chinese; with YUQING_LANGUAGE=en its stored reason reads in English."""
    env.setenv("YUQING_LANGUAGE", "en")
    assert main(["alerts", "list"]) == 0
    listed = capsys.readouterr().out
    assert PREDICTED_EN in listed and PREDICTED_ZH not in listed
    assert main(["alerts", "resolve", incident_id, "--by", "王值班"]) == 0
    capsys.readouterr()
    assert main(["alerts", "show", incident_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["reason"] == PREDICTED_EN
    assert [line["reason"] for line in shown["timeline"]] == [PREDICTED_EN, "Resolved by hand by 王值班."]
    sent = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["subject"] for line in sent] == [
        "[P1] New incident: spreading post about 蒙牛",
        "[P1] Resolved: spreading post about 蒙牛",
    ]
    assert sent[1]["reason"] == "Resolved by hand by 王值班." and PREDICTED_EN in sent[0]["text"]
