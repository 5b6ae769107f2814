"""A real run of the retrain_classifiers DAG (dag.test() on SQLite metadata) on tiny synthetic corpora:
train, evaluate against the shipped model, and promote or keep — with the reasons recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings
from tests.classifiers.helpers import write_tiny_corpora


@pytest.mark.slow
def test_retrain_evaluates_and_decides(
    airflow_db: None, dagbag: Any, settings: Settings, env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from airflow.utils.state import DagRunState

    env.setenv("YUQING_CORPORA_DIR", str(write_tiny_corpora(tmp_path / "corpora")))
    dag = dagbag.dags["retrain_classifiers"]
    run = dag.test(run_conf={"limit": 60, "char_bits": 12, "word_bits": 10})
    assert run.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states) == {task.task_id for task in dag.tasks}
    assert all(state == "success" for state in states.values()), states
    models = Settings().data_dir / "models"
    candidates = [path for path in models.iterdir() if path.is_dir()]
    assert candidates, "a candidate model was trained and saved"
    assert (models / "CURRENT").exists(), "the candidate beat the shipped model on the synthetic sets"


@pytest.mark.slow
def test_without_corpora_the_run_is_skipped_with_one_line(
    airflow_db: None,
    dagbag: Any,
    settings: Settings,
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """It used to fail with "corpus file not found" and sit in a 5-minute retry."""
    from airflow.utils.state import DagRunState

    (tmp_path / "corpora").mkdir()  # the folder exists, the corpus files do not (an image without the data)
    env.setenv("YUQING_CORPORA_DIR", str(tmp_path / "corpora"))
    run = _test_run(dagbag, caplog)
    assert run.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"train": "skipped", "evaluate": "skipped", "promote": "skipped"}
    skipped = [record.getMessage() for record in caplog.records if "retraining skipped" in record.getMessage()]
    assert skipped and "corpus file not found" in skipped[0]
    assert not (Settings().data_dir / "models").exists()

    env.setenv("YUQING_CORPORA_DIR", str(tmp_path / "nowhere"))
    run = _test_run(dagbag, caplog)
    assert {ti.task_id: ti.state for ti in run.get_task_instances()}["train"] == "skipped"


def _test_run(dagbag: Any, caplog: pytest.LogCaptureFixture) -> Any:
    with caplog.at_level("INFO"):
        return dagbag.dags["retrain_classifiers"].test(run_conf={"limit": 60, "char_bits": 12, "word_bits": 10})
