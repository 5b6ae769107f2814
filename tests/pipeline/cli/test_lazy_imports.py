"""The command line loads only what a command uses: a light command in a fresh interpreter must leave the heavy
libraries (models, charts, the web console, Airflow) unimported. Import time itself is measured in
benchmarks/cli_startup.py, not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.models import Post
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post

REPO = Path(__file__).resolve().parents[3]
HEAVY = ["sklearn", "matplotlib", "scipy", "jieba", "snownlp", "elasticsearch", "airflow", "fastapi", "uvicorn"]
# Not heavy enough to be named in an issue, but no command needs them before it runs.
PARSING_ONLY = [*HEAVY, "pydantic_settings", "yaml", "requests", "bs4", "numpy", "classifiers"]


def loaded_after(code: str, settings: Settings, *watched: str) -> tuple[list[str], str]:
    """Run `code` in a fresh interpreter with the test's settings; which of `watched` it left imported, and
    what the code printed before that."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {list(watched)!r} if m in sys.modules)))"
    env = {key: value for key, value in os.environ.items() if not key.startswith("YUQING_")}
    env.update(YUQING_DATA_DIR=str(settings.data_dir), YUQING_STORE="sqlite")
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    *printed, last = done.stdout.splitlines()
    return json.loads(last), "\n".join(printed)


@pytest.fixture
def stored(settings: Settings) -> None:
    with SQLiteStore(settings.sqlite_path) as store:
        store.upsert_posts(
            [
                Post.from_dict(make_post(id="weibo:1", brand="蒙牛", created_at="2026-11-22T10:05:00+08:00")),
                Post.from_dict(make_post(id="weibo:2", brand="蒙牛", created_at="2026-11-22T11:35:00+08:00")),
            ]
        )


def test_building_the_parser_and_asking_for_help_imports_nothing_heavy(settings: Settings) -> None:
    code = (
        "from pipeline.cli import build_parser, main\n"
        "parser = build_parser()\n"
        "parser.parse_args(['trends', '--brand', '蒙牛'])\n"
        "parser.parse_args(['ingest', '--in', 'posts.jsonl', '--scorer', 'model'])\n"
        "parser.parse_args(['collect', '--source', 'weibo-search', '--keyword', 'x', '--out', 'x.jsonl'])\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    loaded, printed = loaded_after(code, settings, *PARSING_ONLY)
    assert "trends" in printed  # the help was printed, so every command was registered
    assert loaded == []


def test_trends_on_the_sqlite_store_imports_nothing_heavy(settings: Settings, stored: None) -> None:
    code = (
        "from pipeline.cli import main\n"
        "code = main(['trends', '--brand', '蒙牛', '--since', '2026-11-22T10:00:00+08:00', "
        "'--until', '2026-11-22T12:00:00+08:00', '--format', 'csv', '--no-bom'])\n"
        "assert code == 0, code\n"
    )
    loaded, printed = loaded_after(code, settings, *HEAVY)
    assert printed.splitlines() == [
        "time,brand,total",
        "2026-11-22T10:00:00+08:00,蒙牛,1",
        "2026-11-22T11:00:00+08:00,蒙牛,1",
    ]
    assert loaded == []


def test_a_markdown_briefing_draws_nothing_so_loads_no_matplotlib(settings: Settings, stored: None) -> None:
    code = (
        "from pipeline.cli import main\n"
        "code = main(['report', '--brand', '蒙牛', '--date', '2026-11-22', '--format', 'md'])\n"
        "assert code == 0, code\n"
    )
    loaded, printed = loaded_after(code, settings, "matplotlib")
    assert "蒙牛" in printed
    assert loaded == []
