"""Raw post → clean Post: Weibo text clean-up, brand matching with aliases and exclusions, stable ids.

Repeated copies of one post are not dropped here: the store folds them (`pipeline.store.merge`), keeping the
highest metrics of all copies."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.config import BrandConfig, Watchlist
from pipeline.exceptions import DropPost
from pipeline.models import Post
from pipeline.simplify import to_simplified

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
# A host starts where a run of host characters starts and has at most 253 of them (a DNS name's limit):
# tried at every position of a long run of letters in a stranger's post, the search was quadratic (16,000
# letters took 1.8 s).
_LINK = re.compile(
    r"(?:https?://|//)?(?:t\.cn|weibo\.cn/sinaurl|(?<![a-z0-9.-])[a-z0-9.-]{1,253}\.(?:com|cn|net|org))/[^\s，。！？、]*",
    re.I,
)
_URL = re.compile(r"https?://[^\s，。！？、]+", re.I)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\ufeff\ue627]")
_FOLD_MARKERS = re.compile(r"(?:\.\.\.|…)?\s*(?:展开全文|收起全文|展开|全文)\s*[cd]?\s*$")
_SPACES = re.compile(r"[ \t\r\f\v\u3000]+")
_REPOST_CHAIN = re.compile(r"//\s*@([^:：\s]+)\s*[:：]")
_MENTION = re.compile(r"@([\w\u4e00-\u9fff\-]{1,30})")
_TOPIC = re.compile(r"#([^#\n]{1,60})#")
_EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")


def clean_text(raw: str) -> str:
    """Plain text of a post: HTML to text (emoji images become their [alt] tag), links dropped, fold
    markers ("展开全文") and invisible characters removed, whitespace collapsed. Mentions, #topics#,
    repost chains and emoticon tags such as [怒] are kept: they carry meaning for people and models."""
    text = _html_to_text(raw) if _TAG.search(raw) else html.unescape(raw)
    text = _INVISIBLE.sub("", text)
    text = _URL.sub("", text)
    text = _LINK.sub("", text)
    text = _FOLD_MARKERS.sub("", text.strip())
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _html_to_text(raw: str) -> str:
    from bs4 import BeautifulSoup  # imported here: most posts arrive as plain text, and the CLI starts faster

    soup = BeautifulSoup(raw, "html.parser")
    for img in soup.find_all("img"):
        alt = img.get("alt")
        img.replace_with(str(alt) if isinstance(alt, str) else "")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return soup.get_text()


@dataclass(frozen=True, slots=True)
class TextParts:
    """What a Weibo text is made of. `own` is what this author wrote before any `//@name:` chain."""

    own: str
    chain: str
    mentions: tuple[str, ...]
    topics: tuple[str, ...]
    emoticons: tuple[str, ...]


def split_text(text: str) -> TextParts:
    chain_start = _REPOST_CHAIN.search(text)
    own = text[: chain_start.start()].strip() if chain_start else text
    chain = text[chain_start.start() :].strip() if chain_start else ""
    return TextParts(
        own=own,
        chain=chain,
        mentions=tuple(dict.fromkeys(_MENTION.findall(text))),
        topics=tuple(dict.fromkeys(topic.strip() for topic in _TOPIC.findall(text))),
        emoticons=tuple(_EMOTICON.findall(text)),
    )


def text_for_scoring(text: str) -> str:
    """The words that express this author's opinion: the own part of a repost, without @names and the
    repost-chain handles. A bare repost ("转发微博" or empty) inherits the text of the chain."""
    parts = split_text(text)
    own = _MENTION.sub("", parts.own).strip()
    if own in ("", "转发微博", "Repost") and parts.chain:
        return _MENTION.sub("", _REPOST_CHAIN.sub(" ", parts.chain)).strip()
    return own


class BrandMatcher:
    """Finds which watched brand a text is about. Text, terms and exclusions are compared in simplified
    characters and lower case, so 順豐 finds 顺丰 and XIAOMI finds Xiaomi. An occurrence inside an exclusion
    term (小米 in 小米粥, or in 黄小米 when 黄小米 is excluded) does not count; the brand mentioned first wins.

    The patterns are compiled once: one alternation of every brand's terms in watchlist order, so that one
    search finds the first mention and, at its position, a term of the first-listed brand; and one alternation
    of each brand's exclusions. When none of that brand's exclusions occurs in the text, its mention is real
    and no other brand can come before it. So a text is scanned once, twice when the brand found has
    exclusions, and term by term only when one of them occurs in it (rare: 小米粥 in a post)."""

    def __init__(self, brands: Iterable[BrandConfig]) -> None:
        self._brands = [
            _BrandPatterns(
                brand.name,
                [_comparable(term) for term in brand.terms],
                [_comparable(term) for term in brand.exclude],
            )
            for brand in brands
        ]
        self.names = frozenset(brand.name for brand in self._brands)
        # A term two brands share belongs to the first. No group per brand: groups would stop the regex engine
        # from skipping ahead to the characters that can start a term, which makes a text without a brand
        # ten times slower to scan.
        self._brand_of: dict[str, _BrandPatterns] = {}
        for brand in self._brands:
            for term in brand.terms:
                self._brand_of.setdefault(term, brand)
        self._any_term = re.compile(_alternation(self._brand_of)) if self._brand_of else None

    @classmethod
    def from_watchlist(cls, watchlist: Watchlist) -> BrandMatcher:
        return cls(watchlist.brands)

    def match(self, text: str) -> str | None:
        if self._any_term is None:
            return None
        comparable = _comparable(text)
        first = self._any_term.search(comparable)
        if first is None:
            return None
        brand = self._brand_of[first.group()]
        if brand.any_exclusion is None or brand.any_exclusion.search(comparable) is None:
            return brand.name
        return self._match_around_exclusions(comparable)

    def _match_around_exclusions(self, text: str) -> str | None:
        """Term by term, as every brand's first occurrence outside its exclusions decides."""
        best: tuple[int, str] | None = None
        for brand in self._brands:
            position = brand.first_real_occurrence(text)
            if position is not None and (best is None or position < best[0]):
                best = (position, brand.name)
        return best[1] if best else None


class _BrandPatterns:
    """One brand's terms and exclusions (comparable spellings) and their compiled patterns."""

    def __init__(self, name: str, terms: list[str], exclusions: list[str]) -> None:
        self.name = name
        self.terms = terms
        self.any_exclusion = re.compile(_alternation(exclusions)) if exclusions else None
        self._terms = [re.compile(re.escape(term)) for term in terms]
        self._exclusions = [re.compile(re.escape(term)) for term in exclusions]

    def first_real_occurrence(self, text: str) -> int | None:
        """Where a term first occurs outside every occurrence of an exclusion."""
        excluded_spans = [match.span() for pattern in self._exclusions for match in pattern.finditer(text)]
        first: int | None = None
        for pattern in self._terms:
            for match in pattern.finditer(text):
                start, end = match.span()
                inside_exclusion = any(lo <= start and end <= hi for lo, hi in excluded_spans)
                if not inside_exclusion and (first is None or start < first):
                    first = start
                    break
        return first


def _alternation(terms: Iterable[str]) -> str:
    """Terms as one regular expression. At a position, the regex engine takes the first alternative that
    matches there, so the order of the terms decides between brands named at the same place."""
    return "|".join(re.escape(term) for term in terms)


def _comparable(text: str) -> str:
    return to_simplified(text).lower()


def stable_id(post_id: str, source: str) -> str:
    """Ids are source-prefixed ("weibo:4978..."): the same post from two runs gets the same key."""
    return post_id if ":" in post_id else f"{source or 'post'}:{post_id}"


def normalise(post: Post, matcher: BrandMatcher) -> Post:
    """Clean one post and decide its brand; raises `DropPost` when it is about no watched brand."""
    text = clean_text(post.text)
    if not text:
        raise DropPost("empty text")
    brand = post.brand if post.brand in matcher.names else matcher.match(text)
    if brand is None:
        raise DropPost("no watched brand")
    parts = split_text(text)
    extra = dict(post.extra)
    if parts.topics:
        extra["topics"] = list(parts.topics)
    if parts.mentions:
        extra["mentions"] = list(parts.mentions)
    repost_of = stable_id(post.repost_of, post.source) if post.repost_of else None
    return post.with_changes(
        id=stable_id(post.id, post.source), text=text, brand=brand, repost_of=repost_of, extra=extra
    )
