"""Brand matching speed: `BrandMatcher.match` against the term-by-term matcher it replaced, in the same run.

Texts (see `benchmarks/realistic_posts.py`): real Weibo posts of weibo_senti_100k with a watched brand name
inserted (what `ingest` mostly sees: search hits name the brand), the same corpus as it is (hardly any brand:
every pattern scanned to the end), and posts with an exclusion (小米粥, 黄小米, 京东方, ...) put in as well, the
rare case where the matcher goes term by term. The watchlist has the six brands of the realistic posts, with
aliases and exclusions. Both matchers must give the same brand for every text, or the run fails.

    python benchmarks/brand_matching.py [--texts 100000] [--repeat 3] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Run as a script, this folder comes first on the path, and its classifiers.py would shadow the package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
_spec = importlib.util.spec_from_file_location("realistic_posts", HERE / "realistic_posts.py")
assert _spec is not None and _spec.loader is not None
realistic_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(realistic_posts)

from pipeline.config import BrandConfig  # noqa: E402
from pipeline.normalise import BrandMatcher  # noqa: E402
from pipeline.simplify import simplified_table, to_simplified  # noqa: E402

BRANDS = [
    BrandConfig(name="蒙牛", aliases=["蒙牛乳业", "Mengniu", "特仑苏"]),
    BrandConfig(
        name="小米", aliases=["小米手机", "Xiaomi", "小米汽车"], exclude=["小米粥", "小米椒", "小米辣", "黄小米"]
    ),
    BrandConfig(name="顺丰", aliases=["顺丰速运", "SF Express"]),
    BrandConfig(name="瑞幸", aliases=["瑞幸咖啡", "luckin"]),
    BrandConfig(name="京东", aliases=["京东商城", "京东物流", "JD"], exclude=["京东方"]),
    BrandConfig(name="美团", aliases=["美团外卖", "Meituan"]),
]
EXCLUSIONS = ["小米粥", "小米椒", "小米辣", "黄小米", "京东方"]


class TermByTermMatcher:
    """The matcher as it was: every term and exclusion of every brand escaped and scanned apart for each text,
    and every text translated character by character to simplified characters."""

    def __init__(self, brands: Iterable[BrandConfig]) -> None:
        self._brands = [
            (brand.name, [_comparable(term) for term in brand.terms], [_comparable(term) for term in brand.exclude])
            for brand in brands
        ]

    def match(self, text: str) -> str | None:
        comparable = _comparable(text)
        best: tuple[int, str] | None = None
        for name, terms, exclusions in self._brands:
            position = _first_real_occurrence(comparable, terms, exclusions)
            if position is not None and (best is None or position < best[0]):
                best = (position, name)
        return best[1] if best else None


def _comparable(text: str) -> str:
    return text.translate(simplified_table()).lower()


def _first_real_occurrence(text: str, terms: list[str], exclusions: list[str]) -> int | None:
    excluded_spans = [
        (match.start(), match.start() + len(term))
        for term in exclusions
        for match in re.finditer(re.escape(term), text)
    ]
    first: int | None = None
    for term in terms:
        for match in re.finditer(re.escape(term), text):
            start, end = match.start(), match.end()
            inside_exclusion = any(lo <= start and end <= hi for lo, hi in excluded_spans)
            if not inside_exclusion and (first is None or start < first):
                first = start
                break
    return first


def text_sets(count: int, data_dir: Path) -> dict[str, list[str]]:
    rng = random.Random(11)
    with_brand = [record["text"] for record in realistic_posts.realistic_records(count, data_dir=data_dir)]
    corpus = realistic_posts.real_texts(data_dir)[:count]
    with_exclusion = [
        realistic_posts.with_brand(text, rng.choice(EXCLUSIONS), rng) for text in with_brand[: max(count // 10, 1)]
    ]
    return {"with a brand": with_brand, "corpus as it is": corpus, "with an exclusion too": with_exclusion}


def seconds(match: Callable[[str], str | None], texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        match(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each matcher, interleaved")
    parser.add_argument("--data-dir", type=Path, default=realistic_posts.DEFAULT_DATA_DIR)
    args = parser.parse_args()

    old, new = TermByTermMatcher(BRANDS), BrandMatcher(BRANDS)
    print(f"command: python benchmarks/brand_matching.py --texts {args.texts} --repeat {args.repeat}")
    for label, texts in text_sets(args.texts, args.data_dir).items():
        expected = [old.match(text) for text in texts]  # also warms both tables and regex caches
        found = [new.match(text) for text in texts]
        differing = [text for text, a, b in zip(texts, expected, found, strict=True) if a != b]
        if differing:
            raise SystemExit(f"{label}: {len(differing)} texts matched differently, e.g. {differing[:3]}")
        old_s, new_s, old_text_s, new_text_s = [], [], [], []
        for _ in range(args.repeat):
            old_s.append(seconds(old.match, texts))
            new_s.append(seconds(new.match, texts))
            old_text_s.append(seconds(_comparable, texts))
            new_text_s.append(seconds(lambda text: to_simplified(text).lower(), texts))
        old_median, new_median = statistics.median(old_s), statistics.median(new_s)
        matched = sum(brand is not None for brand in found)
        mean_length = sum(map(len, texts)) / len(texts)
        print(
            f"{label:<22} {len(texts):>7,} texts ({mean_length:.0f} chars, {matched / len(texts):.0%} name a brand)  "
            f"term by term {len(texts) / old_median:>9,.0f}/s   compiled {len(texts) / new_median:>9,.0f}/s   "
            f"× {old_median / new_median:.1f}   identical results"
        )
        old_text, new_text = statistics.median(old_text_s), statistics.median(new_text_s)
        print(
            f"{'':<22} of which simplified lower-case text: term by term {old_text / old_median:.0%} of the time, "
            f"compiled {new_text / new_median:.0%} ({len(texts) / old_text:,.0f}/s → {len(texts) / new_text:,.0f}/s)"
        )


if __name__ == "__main__":
    main()
