"""Fixtures for the classifier tests: a tiny synthetic corpora folder in the real corpora's formats and a
tiny model version trained on it (seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.train import run_training
from tests.classifiers.helpers import (
    TINY_CONFIG,
    write_tiny_corpora,
)


@pytest.fixture(scope="session")
def tiny_corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_corpora(tmp_path_factory.mktemp("corpora"))


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_corpora: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_training(tiny_corpora, tmp_path_factory.mktemp("models") / "vtest", TINY_CONFIG, progress=lambda _: None)
