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
from functools import cache
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
    text = _LINK.sub(" ", text)
    text = _EMOTICON.sub(" ", text)
    text = _REPLY.sub(" ", text)
    text = _REPOST_HANDLE.sub(CHAIN_MARK, text)
    text = _MENTION.sub(" ", text)
    text = _TOPIC.sub(r" \1 ", text)
    text = _LOCATION.sub(" ", text.strip())
    text = _REPEATED.sub(r"\1\1", text)
    text = _SPACES.sub(" ", text).strip().lower()
    # A post that is nothing but chain markers ("// //") says nothing of its own.
    return "" if not text.replace("/", "").strip() else text


def emoticon_tags(text: str) -> list[str]:
    """The emoticon tags of a raw post, normalised as `preprocess` normalises text ("[怒]", "[good]"). Only the
    tags are normalised, not the whole post: this runs on every post, next to `preprocess`."""
    tags = (_normalise(tag).lower() for tag in _RAW_EMOTICON.findall(text))
    return [tag for tag in tags if _EMOTICON.fullmatch(tag)]


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_traditional_to_simplified())


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
