from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.sources.weibo_ids import bid_to_mid, mid_of, mid_to_bid, post_url


def test_known_pair_from_the_reference() -> None:
    assert bid_to_mid("z0JH2lOMb") == "3501756485200075"
    assert mid_to_bid("3501756485200075") == "z0JH2lOMb"


@settings(database=None)
@given(st.integers(min_value=1, max_value=10**17))
def test_mid_bid_round_trip(number: int) -> None:
    mid = str(number)
    assert bid_to_mid(mid_to_bid(mid)) == mid


@pytest.mark.parametrize("bad", ["", "abc-def", "z0JH 2lOMb"])
def test_bad_bid_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="bid"):
        bid_to_mid(bad)


def test_post_id_helpers() -> None:
    assert mid_of("weibo:5230000000000001") == "5230000000000001"
    with pytest.raises(ValueError, match="post id"):
        mid_of("mastodon:x:1")
    assert post_url("1001", "3501756485200075") == "https://weibo.com/1001/z0JH2lOMb"
