"""The console under test: a real uvicorn server on loopback over a copy of the demo's store (its day, its
crisis, its incident), and a real headless Chromium driven by Playwright.

Screenshots go to `build/screenshots/` (override with YUQING_SCREENSHOTS), one PNG per page, for review."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings
from tests.pipeline.web.helpers import (
    PASSWORD,
    USER,
    Console,
    start_console,
)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's store, built once: one day of posts about four brands and the 蒙牛 crisis's incident."""
    import io

    from pipeline.demo.run import run_demo

    folder = tmp_path_factory.mktemp("demo")
    settings = Settings(data_dir=folder)
    run_demo(settings, io.StringIO(), lambda _message: None)
    return folder / "demo" / "demo.db"


@pytest.fixture
def console(demo_database: Path, tmp_path: Path, env: pytest.MonkeyPatch) -> Iterator[Console]:
    """A console with login (user 王值班) over a fresh copy of the demo store."""
    database = tmp_path / "yuqing.db"
    shutil.copy(demo_database, database)
    env.chdir(tmp_path)  # the bundled watchlist's file channel writes .yuqing/alerts.jsonl under the working folder
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_DB_PATH", str(database))
    env.setenv("YUQING_WEB__USER", USER)
    env.setenv("YUQING_WEB__PASSWORD", PASSWORD)
    yield from start_console(Settings(), database)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright. Missing is a failure, not a skip: `.ci/run` installs it."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "headless Chromium is needed: apt-get install -y chromium fonts-noto-cjk"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
