from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import BUNDLED_WATCHLIST, OfficialAccount, load_watchlist
from pipeline.exceptions import ConfigError

BRAND = "brands:\n  - name: 顺丰\n    official_accounts:\n"


def _write(tmp_path: Path, accounts: str) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(BRAND + accounts, encoding="utf-8")
    return path


def test_official_and_service_accounts_load(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "      - {uid: 1400000001, name: 顺丰速运}\n"  # YAML reads an unquoted uid as a number
        "      - {uid: ' 1400000002 ', name: ' 顺丰客服 ', role: service}\n",
    )
    accounts = load_watchlist(path).brand("顺丰").official_accounts
    assert accounts == [
        OfficialAccount(uid="1400000001", name="顺丰速运", role="official"),
        OfficialAccount(uid="1400000002", name="顺丰客服", role="service"),
    ]


def test_a_brand_has_no_official_accounts_unless_listed() -> None:
    # The demo watchlist lists accounts for 蒙牛 only (the demo's brand that answers complaints).
    accounts = {
        brand.name: [a.name for a in brand.official_accounts] for brand in load_watchlist(BUNDLED_WATCHLIST).brands
    }
    assert accounts.pop("蒙牛") == ["蒙牛乳业", "蒙牛客服"]
    assert all(names == [] for names in accounts.values())


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        ("      - {uid: sf_express, name: 顺丰速运}\n", "brands.0.official_accounts.0.uid: "),
        ("      - {uid: '', name: 顺丰速运}\n", "Weibo uid must be digits only, got ''"),
        ("      - {uid: -1400000001, name: 顺丰速运}\n", "Weibo uid must be digits only"),
        ("      - {uid: '１４０', name: 顺丰速运}\n", "Weibo uid must be digits only"),  # full-width digits
        ("      - {uid: 1.5, name: 顺丰速运}\n", "Weibo uid must be digits only"),
        ("      - {uid: true, name: 顺丰速运}\n", "Weibo uid must be digits only"),
        ("      - {name: 顺丰速运}\n", "brands.0.official_accounts.0.uid: Field required"),
        ("      - {uid: 1400000001, name: '  '}\n", "official_accounts.0.name: Value error, account name is empty"),
        ("      - {uid: 1400000001, name: 顺丰速运, role: ceo}\n", "official_accounts.0.role: Input should be"),
        ("      - {uid: 1400000001, name: 顺丰速运, url: x}\n", "official_accounts.0.url: unknown key"),
        (
            "      - {uid: 1400000001, name: 顺丰速运}\n      - {uid: '1400000001', name: 顺丰客服, role: service}\n",
            "brands.0.official_accounts: Value error, official account uid listed twice: 1400000001",
        ),
    ],
)
def test_bad_official_accounts_are_refused_at_load(tmp_path: Path, accounts: str, message: str) -> None:
    path = _write(tmp_path, accounts)
    with pytest.raises(ConfigError) as caught:
        load_watchlist(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_the_same_account_may_answer_for_two_brands(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        "brands:\n"
        "  - {name: 蒙牛, official_accounts: [{uid: '1000', name: 集团客服, role: service}]}\n"
        "  - {name: 特仑苏, official_accounts: [{uid: '1000', name: 集团客服, role: service}]}\n",
        encoding="utf-8",
    )
    watchlist = load_watchlist(path)
    assert watchlist.brand("特仑苏").official_accounts[0].uid == "1000"
