"""Weibo post ids: numeric mid <-> base62 bid (weibo.md §5.1), and the Post id/url conventions."""

from __future__ import annotations

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}


def bid_to_mid(bid: str) -> str:
    """Decode a bid in 4-character groups from the right, each a 7-digit decimal group."""
    if not bid or any(char not in _INDEX for char in bid):
        raise ValueError(f"not a Weibo bid: {bid!r}")
    groups: list[str] = []
    end = len(bid)
    while end > 0:
        start = max(0, end - 4)
        value = 0
        for char in bid[start:end]:
            value = value * 62 + _INDEX[char]
        groups.append(str(value) if start == 0 else str(value).zfill(7))
        end = start
    return "".join(reversed(groups)).lstrip("0") or "0"


def mid_to_bid(mid: str) -> str:
    """Encode a numeric mid in 7-digit groups from the right, each a 4-character base62 group."""
    if not mid.isdigit():
        raise ValueError(f"not a Weibo mid: {mid!r}")
    groups: list[str] = []
    end = len(mid)
    while end > 0:
        start = max(0, end - 7)
        value = int(mid[start:end])
        chunk = ""
        while value:
            value, remainder = divmod(value, 62)
            chunk = _ALPHABET[remainder] + chunk
        groups.append(chunk if start == 0 else chunk.rjust(4, "0"))
        end = start
    return "".join(reversed(groups)) or "0"


def post_id(mid: str) -> str:
    return f"weibo:{mid}"


def mid_of(post_or_root_id: str) -> str:
    """'weibo:5230000000000001' -> '5230000000000001' (a bare mid passes through)."""
    mid = post_or_root_id.removeprefix("weibo:")
    if not mid.isdigit():
        raise ValueError(f"not a Weibo post id: {post_or_root_id!r}")
    return mid


def post_url(uid: str, mid: str, bid: str | None = None) -> str:
    return f"https://weibo.com/{uid}/{bid or mid_to_bid(mid)}"
