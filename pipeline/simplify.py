"""Traditional to simplified Chinese characters with opencc's character table, for brand matching and models.

Each traditional character becomes the first simplified candidate of its table entry, applied with
`str.translate`: opencc's phrase-level conversion is about 20 times slower, and matching and models need the
characters, not idiomatic phrasing. Other characters are left as they are.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import opencc


@cache
def simplified_table() -> dict[int, str]:
    """opencc's traditional → simplified character table, for `str.translate` (read once, on first use)."""
    table_path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in table_path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets:
            table[ord(source)] = targets.split(" ")[0]
    return table


@cache
def _traditional() -> re.Pattern[str]:
    """A character that the table changes. Characters beyond the BMP are all let through as candidates: a
    character class of those few hundred literals is searched one by one, 100 times slower than a range."""
    changed = sorted(key for key, target in simplified_table().items() if key < 0x10000 and chr(key) != target)
    return re.compile("[" + "".join(re.escape(chr(key)) for key in changed) + "\U00010000-\U0010ffff]")


def to_simplified(text: str) -> str:
    """`text` with traditional characters replaced by simplified ones (順豐快遞 → 顺丰快递)."""
    # Most posts are written in simplified characters. One scan for a traditional character costs a tenth of
    # `str.translate`, which looks every character up in the table, so texts without one are returned as they are.
    if _traditional().search(text) is None:
        return text
    return text.translate(simplified_table())
