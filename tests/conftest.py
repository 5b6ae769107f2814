"""Shared fixtures: isolated settings and environment (plain helpers, such as sample posts, are in helpers.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from pipeline.config import Settings

# Property tests draw the same examples on every run by default, so that a run passes or fails for the code,
# not for the draw; `HYPOTHESIS_PROFILE=explore` draws new ones (and more) to look for what they have missed.
hypothesis_settings.register_profile("default", derandomize=True)
hypothesis_settings.register_profile("explore", max_examples=2000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean YUQING_* environment; tests set what they need through the returned monkeypatch."""
    for name in list(os.environ):
        if name.startswith("YUQING_"):
            monkeypatch.delenv(name)
    yield monkeypatch


@pytest.fixture
def settings(env: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_SCORER", "snownlp")
    return Settings()
