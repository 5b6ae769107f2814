"""Shared test helpers of `tests.dags`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

from pathlib import Path

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
