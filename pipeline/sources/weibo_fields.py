"""Small field normalisers shared by the Weibo parsers: counts ("1.2万", "100万+", bare "转发"), text."""

from __future__ import annotations

import re
from html import unescape

_COUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)?\s*(\+)?")
_MULTIPLIER = {"万": 10_000, "亿": 100_000_000, None: 1}
_INVISIBLE = str.maketrans("", "", "\u200b\ue627\ufeff")
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def parse_count(value: object) -> int:
    """An int from 12, "12", "转发 12", "1.2万", "100万+", "3亿"; a bare word ("转发", "赞") or junk is 0."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float):
        return max(int(value), 0)
    match = _COUNT.search(str(value).replace(",", ""))
    if not match:
        return 0
    number, unit, _plus = match.groups()
    return int(float(number) * _MULTIPLIER[unit])


def parse_follower_count(value: object) -> int | None:
    """A follower count like `parse_count`, but None when the payload shows none (absent, null, a bare word):
    an unknown count is not 0 followers."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(int(value), 0)
    if not _COUNT.search(str(value).replace(",", "")):
        return None
    return parse_count(value)


def clean_text(raw: str) -> str:
    """Visible text with zero-width and icon-font characters removed and whitespace collapsed."""
    text = raw.translate(_INVISIBLE)
    return re.sub(r"\s+", " ", text).strip()


def html_to_text(html: str) -> str:
    """m.weibo.cn text HTML -> plain text: emoji images become their alt text ([怒]), <br> a newline.

    These are small, well-formed snippets; regular expressions do here what a tree would, much faster.
    """
    if "<" not in html and "&" not in html:
        return "\n".join(line for line in (clean_text(line) for line in html.split("\n")) if line)
    text = _IMG.sub(lambda match: _alt(match.group(0)), html)
    text = _BR.sub("\n", text)
    text = unescape(_TAG.sub("", text))
    return "\n".join(line for line in (clean_text(line) for line in text.split("\n")) if line)


def _alt(img_tag: str) -> str:
    match = _ALT.search(img_tag)
    return unescape(match.group(1) or match.group(2) or match.group(3) or "") if match else ""


def strip_full_text_link(text: str) -> str:
    """Drop the trailing "...全文" link text of a truncated m.weibo.cn post."""
    return re.sub(r"\s*(?:\.\.\.|…)?\s*全文$", "", text)
