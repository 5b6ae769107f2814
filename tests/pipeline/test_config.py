from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.config import BUNDLED_WATCHLIST, Settings, load_watchlist
from pipeline.exceptions import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_watchlist_is_valid() -> None:
    watchlist = load_watchlist(BUNDLED_WATCHLIST)
    assert watchlist.brand("小米").exclude[:1] == ["小米粥"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("brands:\n  - name: 蒙牛\n    alias: [x]\n", "brands.0.alias: unknown key"),
        ("brands:\n  - name: '  '\n", "brands.0.name: Value error, brand name is empty"),
        (
            "brands:\n  - name: 蒙牛\n    aliases: 蒙牛乳业\n",
            "brands.0.aliases: Input should be a valid list",
        ),
        ("brands: []\n", "brands: List should have at least 1 item"),
        ("brands:\n  - name: 蒙牛\n    route: nowhere\n", "uses unknown route 'nowhere'"),
        ("brands:\n  - name: 蒙牛\nroutes:\n  default: {channels: [pager]}\n", "unknown channel 'pager'"),
        ("- 蒙牛\n", "must be a mapping"),
        ("brands: [\n", "not valid YAML"),
    ],
)
def test_invalid_watchlists_name_file_key_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_watchlist(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_settings_from_environment(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("YUQING_DATA_DIR", str(tmp_path))
    env.setenv("YUQING_WEIBO_COOKIE", "SUB=secret")
    env.setenv("YUQING_WEIBO__DELAY_S", "9")
    env.setenv("YUQING_ES__URL", "http://es:9200")
    settings = Settings()
    assert settings.sqlite_path == tmp_path / "yuqing.db"
    assert settings.weibo_effective.delay_s == 9
    assert settings.weibo_effective.cookie is not None
    assert settings.weibo_effective.cookie.get_secret_value() == "SUB=secret"
    assert "secret" not in repr(settings)
    assert settings.es.url == "http://es:9200"


def test_detection_overrides_from_environment(env: pytest.MonkeyPatch) -> None:
    assert Settings().detection.predicted_threshold is None  # unset: the tuned default applies
    env.setenv("YUQING_DETECTION__PREDICTED_THRESHOLD", "300")
    env.setenv("YUQING_DETECTION__SURGE_ALPHA", "1e-6")
    detection = Settings().detection
    assert detection.predicted_threshold == 300
    assert detection.surge_alpha == 1e-6
    assert detection.velocity_threshold is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("YUQING_DETECTION__PREDICTED_TRESHOLD", "300"),  # a typo must not be silently ignored
        ("YUQING_DETECTION__SURGE_ALPHA", "2"),
        ("YUQING_DETECTION__VELOCITY_THRESHOLD", "0"),
    ],
)
def test_bad_detection_settings_are_rejected(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_secrets_are_read_from_the_named_variable(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "brands:\n  - name: 蒙牛\nroutes:\n  default: {channels: [ding]}\n"
        "channels:\n  ding: {type: dingtalk, url_env: DING_URL, secret_env: DING_SECRET}\n",
    )
    env.setenv("DING_URL", "https://oapi.dingtalk.com/robot/send?access_token=abc")
    env.setenv("DING_SECRET", "SEC123")
    channel = load_watchlist(path).channels["ding"]
    assert channel.resolved_url() == "https://oapi.dingtalk.com/robot/send?access_token=abc"
    assert channel.secret() == "SEC123"


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ("type: email\n    smtp_host: 127.0.0.1\n    sender: a@b.c", "channel type 'email' needs recipients"),
        ("type: file", "channel type 'file' needs path"),
        ("type: dingtalk", "channel type 'dingtalk' needs exactly one of url and url_env"),
        ("type: slack\n    url: https://hooks.example/x\n    url_env: SLACK_URL", "exactly one of url and url_env"),
        ("type: webhook\n    url: javascript:alert(1)", "channel url must be http\\(s\\)"),
    ],
)
def test_a_channel_that_could_never_deliver_is_refused_when_the_watchlist_loads(
    tmp_path: Path, channel: str, message: str
) -> None:
    text = f"brands:\n  - name: 蒙牛\nroutes:\n  default:\n    channels: [out]\nchannels:\n  out:\n    {channel}\n"
    with pytest.raises(ConfigError, match=message):
        load_watchlist(_write(tmp_path, text))
