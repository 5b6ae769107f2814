from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.config import BUNDLED_WATCHLIST, ResponseSettings, Settings, load_watchlist
from pipeline.exceptions import ConfigError


def test_response_settings_have_defaults_and_come_from_the_environment(env: pytest.MonkeyPatch) -> None:
    assert Settings().responses == ResponseSettings(
        min_severity=2, lookback_hours=48, budget_s=120, unanswered_after_minutes=60, unanswered_min_severity=3
    )
    env.setenv("YUQING_RESPONSES__UNANSWERED_AFTER_MINUTES", "30")
    env.setenv("YUQING_RESPONSES__BUDGET_S", "45.5")
    settings = Settings()
    assert settings.responses.unanswered_after_minutes == 30 and settings.responses.budget_s == 45.5


def test_a_bad_response_setting_names_the_field(env: pytest.MonkeyPatch) -> None:
    env.setenv("YUQING_RESPONSES__MIN_SEVERITY", "4")
    with pytest.raises(ValidationError, match=r"responses\.min_severity"):
        Settings()


def test_the_service_route_defaults_to_none_and_must_exist(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text("brands:\n  - name: 顺丰\n    service_route: service-team\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="brand '顺丰' uses unknown route 'service-team'"):
        load_watchlist(path)
    path.write_text("brands:\n  - name: 顺丰\n", encoding="utf-8")
    assert load_watchlist(path).brand("顺丰").service_route is None


def test_the_demo_brand_answers_through_its_accounts_to_its_service_team() -> None:
    brand = load_watchlist(BUNDLED_WATCHLIST).brand("蒙牛")
    assert [(account.name, account.role) for account in brand.official_accounts] == [
        ("蒙牛乳业", "official"),
        ("蒙牛客服", "service"),
    ]
    assert brand.service_route == "service-team"
