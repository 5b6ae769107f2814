"""Traditional to simplified Chinese characters with opencc's character table, for brand matching and models.

Each traditional character becomes the first simplified candidate of its table entry, applied with
`str.translate`: opencc's phrase-level conversion is about 20 times slower, and matching and models need the
characters, not idiomatic phrasing. Other characters are left as they are.
"""

from __future__ import annotations

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


def to_simplified(text: str) -> str:
    """`text` with traditional characters replaced by simplified ones (順豐快遞 → 顺丰快递)."""
    return text.translate(simplified_table())
