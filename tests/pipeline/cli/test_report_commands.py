from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.models import Post
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post


def test_a_brand_outside_the_watchlist_is_refused_naming_the_watched_ones(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "briefing.html"
    assert main(["report", "--brand", "伊利", "--date", "2026-11-22", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "brand '伊利' is not in the watchlist; it watches 蒙牛, 小米, 顺丰, 瑞幸" in err
    assert not out.exists()


def test_the_report_day_is_a_day_in_the_configured_zone(
    settings: Settings, env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SQLiteStore(settings.sqlite_path)
    store.upsert_posts(
        Post.from_dict(make_post(id=f"weibo:{number}", brand="蒙牛", created_at=created_at))
        for number, created_at in enumerate(["2026-11-22T00:10:00+05:30", "2026-11-22T23:50:00+05:30"])
    )
    store.close()
    env.setenv("YUQING_TIMEZONE", "Asia/Kolkata")  # in Shanghai the first post is on the 22nd, the second on the 23rd
    out = tmp_path / "briefing.md"
    assert main(["report", "--brand", "蒙牛", "--date", "2026-11-22", "--format", "md", "--out", str(out)]) == 0
    assert "(2 mentions on 2026-11-22)" in capsys.readouterr().err
