from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.config import Settings


def test_the_time_zone_defaults_to_shanghai(env: pytest.MonkeyPatch) -> None:
    assert Settings().timezone == "Asia/Shanghai"
    env.setenv("YUQING_TIMEZONE", "Europe/Berlin")
    assert Settings().timezone == "Europe/Berlin"


@pytest.mark.parametrize("name", ["Mars/Olympus", "Asia", "UTC+8", "../etc/passwd", ""])
def test_an_unknown_time_zone_stops_start_up_naming_the_field(env: pytest.MonkeyPatch, name: str) -> None:
    env.setenv("YUQING_TIMEZONE", name)
    with pytest.raises(ValidationError, match=r"timezone\n.*not a time zone name"):
        Settings()
