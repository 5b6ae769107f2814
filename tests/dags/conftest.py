"""Airflow on a throw-away SQLite metadata DB, configured before Airflow is first imported."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator

import pytest

from tests.dags.helpers import DAGS_DIR

# Before Airflow is first imported: its home, the DAG folder and test mode, for the whole session.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="yuqing-airflow-")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_DIR)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[None]:
    from airflow.utils import db

    db.resetdb()
    yield


@pytest.fixture(scope="session")
def dagbag() -> object:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))
