"""Weibo text preparation shared by training and inference: one `preprocess` function, one tokenizer.

Decisions (the same at training and inference time, so models see what they were trained on):
* links, @names and repost-chain handles (`//@name:`) are removed; the chain's *words* are kept after a
  `//` marker, because a repost often complains through the text it passes on;
* `#topic#` keeps its words (a topic such as #抵制某品牌# is the message) and drops the `#` marks;
* emoticon tags (`[怒]`, `[哈哈]`) are stripped from the text: the largest Weibo corpus has labels derived
  from them, and n-grams that read them would learn the labelling rule instead of the text. `emoticon_tags`
  gives them to the featuriser as a block of their own, which only human-labelled corpora can teach
  (weibo_senti_100k's tags are removed when it is read, `classifiers.corpora.weibo_senti`);
* full-width forms become half-width (NFKC), traditional characters become simplified (opencc's
  character table, applied with `str.translate` because phrase conversion is 20x slower), Latin is
  lower-cased and whitespace collapsed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import jieba

_LINK = re.compile(r"(?:https?://|www\.)[^\s\u4e00-\u9fff，。！？、]*|\bt\.cn/[A-Za-z0-9]+", re.I)
_REPOST_HANDLE = re.compile(r"//\s*@[^:：\s]{1,30}\s*[:：]?")
_REPLY = re.compile(r"回复\s*@[^:：\s]{1,30}\s*[:：]")
_MENTION = re.compile(r"@[\w\u4e00-\u9fff\-]{1,30}")
_TOPIC = re.compile(r"#([^#\n]{1,60})#")
_EMOTICON = re.compile(r"\[[^\[\]]{1,8}\]")
# The same tags before NFKC: every bracket form that NFKC turns into "[" or "]" (ASCII, full-width, vertical).
_RAW_EMOTICON = re.compile(r"[\[［﹇][^\[\]［］﹇﹈]{1,8}[\]］﹈]")
_LOCATION = re.compile(r"我在[:：]?\s*(?:这里)?[:：]?\s*$")
_SPACES = re.compile(r"\s+")
_REPEATED = re.compile(r"([!?！？。.~～])\1{2,}")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_RUNS = tuple(mark * 3 for mark in "!?！？。.~～")  # what every `_REPEATED` match starts with
CHAIN_MARK = " // "


@cache
def _traditional_to_simplified() -> dict[int, str]:
    """opencc's traditional → simplified character table (first candidate of each entry)."""
    import opencc

    table_path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in table_path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets:
            table[ord(source)] = targets.split(" ")[0]
    return table


def preprocess(text: str) -> str:
    """Normalised text of one post (see the module docstring for every decision)."""
    text = _normalise(text)
    # Each `if` skips a regex scan that cannot match: the text lacks what every match holds. Most posts have
    # no link, tag, reply, chain or topic, and a scan costs more than looking for its literal.
    if "://" in text or "." in text:  # "https?://", "www\." and "t\.cn/" need one of them
        text = _LINK.sub(" ", text)
    if "[" in text:
        text = _EMOTICON.sub(" ", text)
    if "@" in text:
        text = _REPLY.sub(" ", text)
        text = _REPOST_HANDLE.sub(CHAIN_MARK, text)
        text = _MENTION.sub(" ", text)
    if "#" in text:
        text = _TOPIC.sub(r" \1 ", text)
    text = text.strip()
    if "我在" in text:
        text = _LOCATION.sub(" ", text)
    for run in _RUNS:
        if run in text:
            text = _REPEATED.sub(r"\1\1", text)
            break
    text = " ".join(text.split()).lower()  # str.split's whitespace is \s's: _SPACES.sub(" ", text).strip()
    # A post that is nothing but chain markers ("// //") says nothing of its own.
    return "" if not text.replace("/", "").strip() else text


def emoticon_tags(text: str) -> list[str]:
    """The emoticon tags of a raw post, normalised as `preprocess` normalises text ("[怒]", "[good]"). Only the
    tags are normalised, not the whole post: this runs on every post, next to `preprocess`."""
    return [tag for tag in map(_normal_tag, _RAW_EMOTICON.findall(text)) if tag is not None]


@lru_cache(maxsize=4096)  # a few hundred tags are in use; bounded all the same
def _normal_tag(tag: str) -> str | None:
    normal = _normalise(tag).lower()
    return normal if _EMOTICON.fullmatch(normal) else None


def _normalise(text: str) -> str:
    # Full-width punctuation, in most posts, is replaced by its decomposition first: NFKC decomposes
    # character by character, so the result's NFKC is the text's, and the rest is usually normal already,
    # which NFKC's quick check sees at once (a full normalisation costs 8 times as much).
    for form, plain in _COMMON_COMPATIBILITY_FORMS:
        if form in text:
            text = text.replace(form, plain)
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_traditional_to_simplified()) if _has_traditional(text) else text


_COMMON_COMPATIBILITY_FORMS = tuple((form, unicodedata.normalize("NFKD", form)) for form in "，！？…：～＂）；（＞＜")


def _has_traditional(text: str) -> bool:
    """Whether `text` holds a character of the traditional → simplified table (few posts do; looking is
    cheaper than translating). The astral-plane characters would turn the BMP pattern's bitmap into a slow
    list of ranges, so they are looked for only in the posts that have such characters (emoji, mostly)."""
    in_bmp, astral = _traditional_finders()
    if in_bmp.search(text) is not None:
        return True
    return _ASTRAL.search(text) is not None and not astral.isdisjoint(text)


@cache
def _traditional_finders() -> tuple[re.Pattern[str], frozenset[str]]:
    characters = sorted(map(chr, _traditional_to_simplified()))
    in_bmp = "".join(re.escape(character) for character in characters if character <= "\uffff")
    return re.compile(f"[{in_bmp}]"), frozenset(character for character in characters if character > "\uffff")


def strip_emoticons(text: str) -> str:
    """Every tag `emoticon_tags` would find removed (full-width brackets too, and tags that removing another
    one brings together), with the text NFKC-normalised; for corpora whose labels come from those tags."""
    text = unicodedata.normalize("NFKC", text)
    while (stripped := _EMOTICON.sub(" ", text)) != text:
        text = stripped
    return _SPACES.sub(" ", text).strip()


@cache
def _tokenizer() -> jieba.Tokenizer:
    logging.getLogger("jieba").setLevel(logging.WARNING)  # its dictionary-loading chatter is not news
    tokenizer = jieba.Tokenizer()
    brands = resources.files("classifiers") / "resources" / "brands.txt"
    with resources.as_file(brands) as path:
        tokenizer.load_userdict(str(path))
    return tokenizer


def segment(text: str) -> list[str]:
    """jieba words of preprocessed text (brand names kept whole); the HMM pass is off for speed."""
    return [word for word in _tokenizer().lcut(text, HMM=False) if word.strip()]
