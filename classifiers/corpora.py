"""Readers for the labelled corpora in `settings.corpora_dir` and their fixed train/test splits.

Test splits are the ones the corpus READMEs define (80/20 stratified, `random_state=42`, where a corpus
ships none); they are for reporting only. Sentiment labels are 1 = negative, 0 = positive, so that a
model's positive-class probability is the project's `score` (P(negative)).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from sklearn.model_selection import train_test_split

from classifiers.errors import CorpusError
from classifiers.labels import CATEGORIES
from classifiers.preprocess import strip_emoticons

logger = logging.getLogger(__name__)

Split = Literal["train", "test"]
SMP_NEGATIVE = frozenset({"angry", "sad", "fear"})
SMP_POSITIVE = frozenset({"happy"})
GOLD_SOURCES = ("waimai_10k", "online_shopping_10_cats", "weibo_senti_100k", "ChnSentiCorp_htl_all", "weibo_brand")
WEIBO_SOURCES = frozenset({"weibo_senti_100k", "weibo_brand", "smp2020"})


@dataclass(frozen=True, slots=True)
class SentimentExample:
    text: str
    negative: int  # 1 negative, 0 positive; -1 when the corpus says neither (smp2020 neutral/surprise)
    src: str
    emotion: str = ""


@dataclass(frozen=True, slots=True)
class ComplaintExample:
    id: str
    src: str
    text: str
    complaint: int
    severity: int
    category: str


class CorpusMissing(CorpusError):
    """A corpus file is not where the settings say (no corpora on this machine, or the wrong folder)."""


def _require(path: Path) -> Path:
    if not path.exists():
        raise CorpusMissing(f"corpus file not found: {path} (set YUQING_CORPORA_DIR or pass --data-dir)")
    return path


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with _require(path).open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _split_80_20(examples: list[SentimentExample], split: Split) -> list[SentimentExample]:
    """The READMEs' split: stratified 80/20 on the file's row order, random_state=42."""
    train, test = train_test_split(
        examples, test_size=0.2, random_state=42, stratify=[example.negative for example in examples]
    )
    return list(train if split == "train" else test)


def _binary_csv(path: Path, src: str, text_column: str = "review") -> list[SentimentExample]:
    examples = []
    for row in _csv_rows(path):
        text = (row.get(text_column) or "").strip()
        if text and row.get("label") in ("0", "1"):
            examples.append(SentimentExample(text=text, negative=1 - int(row["label"]), src=src))
        # An empty review is kept out before splitting only when both READMEs agree it is noise; they
        # report one empty row each, which also leaves the split itself unchanged in practice.
    return examples


def weibo_senti(data_dir: Path, split: Split) -> list[SentimentExample]:
    """weibo_senti_100k (recovered subset) with emoticon tags stripped from the text; the split is made on
    the original rows, as the README defines it."""
    rows = _binary_csv(data_dir / "weibo_senti_100k" / "weibo_senti_100k_recovered.csv", "weibo_senti_100k")
    chosen = _split_80_20(rows, split)
    stripped = (SentimentExample(strip_emoticons(e.text), e.negative, e.src) for e in chosen)
    return [example for example in stripped if example.text]


def waimai(data_dir: Path, split: Split) -> list[SentimentExample]:
    return _split_80_20(_binary_csv(data_dir / "waimai_10k" / "waimai_10k.csv", "waimai_10k"), split)


def online_shopping(data_dir: Path, split: Split) -> list[SentimentExample]:
    path = data_dir / "online_shopping_10_cats" / "online_shopping_10_cats.csv"
    return _split_80_20(_binary_csv(path, "online_shopping_10_cats"), split)


def chnsenticorp(data_dir: Path, split: Literal["train", "dev", "test"]) -> list[SentimentExample]:
    path = _require(data_dir / "ChnSentiCorp_bench" / f"{split}.tsv")
    examples = []
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            text = (row.get("text_a") or "").strip()
            if text and row.get("label") in ("0", "1"):
                examples.append(SentimentExample(text, 1 - int(row["label"]), "ChnSentiCorp_bench"))
    return examples


def smp2020(data_dir: Path, split: Split) -> list[SentimentExample]:
    """SMP2020-EWECT virus: happy → positive; angry, sad, fear → negative; neutral and surprise → -1."""
    name = "virus_train.txt" if split == "train" else "virus_eval_labeled.txt"
    path = _require(data_dir / "smp2020_ewect_virus" / name)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}: not a JSON array: {exc}") from exc
    examples = []
    for record in records:
        text, emotion = str(record.get("content") or "").strip(), str(record.get("label") or "")
        emotion = "neutral" if emotion == "neural" else emotion
        negative = 1 if emotion in SMP_NEGATIVE else 0 if emotion in SMP_POSITIVE else -1
        if text:
            examples.append(SentimentExample(text, negative, "smp2020", emotion))
    return examples


def complaints_gold(data_dir: Path, split: Split) -> list[ComplaintExample]:
    path = _require(data_dir / "complaints_zh_gold" / f"{split}.jsonl")
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                raw = json.loads(line)
                examples.append(
                    ComplaintExample(
                        id=str(raw["id"]),
                        src=str(raw["src"]),
                        text=str(raw["text"]),
                        complaint=int(raw["complaint"]),
                        severity=int(raw["severity"]),
                        category=str(raw["category"]),
                    )
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                logger.warning("%s:%d: skipped unreadable record: %s", path, number, exc)
    return examples


@dataclass(frozen=True, slots=True)
class ExtraLabel:
    """One line of `resources/weibo_brand_extra.jsonl`: a weibo_senti_100k row, the hash of its text, its labels."""

    row: int
    digest: str
    complaint: int
    severity: int
    category: str


EXTRA_LABELS = Path(str(resources.files("classifiers") / "resources" / "weibo_brand_extra.jsonl"))
EXTRA_SOURCE = "weibo_brand_extra"  # the `src` of these posts


def weibo_brand_extra(data_dir: Path, labels: Path = EXTRA_LABELS) -> list[ComplaintExample]:
    """More brand-mention Weibo posts labelled by the complaints_zh_gold guidelines (`resources/weibo_brand_extra.md`).

    The label file names rows of weibo_senti_100k's train split by number and by a hash of their text, so it
    ships no corpus text; a row whose text does not match its hash (another copy of the corpus) is skipped.
    """
    csv_path = data_dir / "weibo_senti_100k" / "weibo_senti_100k_recovered.csv"
    reviews = [(row.get("review") or "").strip() for row in _csv_rows(csv_path)]
    examples, mismatched = [], 0
    for label in read_extra_labels(labels):
        review = reviews[label.row] if label.row < len(reviews) else ""
        if text_digest(review) != label.digest:
            mismatched += 1
        elif text := strip_emoticons(review):
            example_id = f"weibo_senti_100k/{label.row}"
            examples.append(
                ComplaintExample(example_id, EXTRA_SOURCE, text, label.complaint, label.severity, label.category)
            )
    if mismatched:
        logger.warning(
            "%s: %d labelled rows do not match the text of their row in %s and were skipped: another copy of the "
            "corpus?", labels, mismatched, csv_path,
        )  # fmt: skip
    return examples


POOL_LABELS = Path(str(resources.files("classifiers") / "resources" / "weibo_brand_pool_labels.jsonl"))
POOL_SOURCE = "weibo_brand_pool"  # the `src` of these posts
MAX_COPIES = 3  # of one reposted campaign text in training: one man's 40 copies would outweigh a category


def weibo_brand_pool(
    data_dir: Path, split: Literal["train", "test"], labels: Path = POOL_LABELS
) -> list[ComplaintExample]:
    """Hand-labelled posts of `weibo_brand_pool/` (`resources/weibo_brand_pool_labels.md`), one split. The label
    file names posts by id and a hash of their text, so it ships no text; a post whose text does not match its
    hash is skipped. Training keeps at most `MAX_COPIES` posts of each group of near copies."""
    texts: dict[str, str] = {}
    for path in sorted((data_dir / POOL_SOURCE).glob("*.jsonl")):
        for row in _jsonl_rows(path):
            texts[str(row.get("id", ""))] = str(row.get("text") or "").strip()
    if not texts:
        raise CorpusMissing(f"{data_dir / POOL_SOURCE}: no pool posts")
    examples, mismatched = [], 0
    copies: dict[str, int] = {}
    for raw in _jsonl_rows(labels):
        if raw.get("split") != split:
            continue
        try:
            label = _extra_label({**raw, "row": 0})
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("%s: skipped label %s: %s", labels, raw.get("id"), exc)
            continue
        text = texts.get(str(raw.get("id")), "")
        if text_digest(text) != label.digest:
            mismatched += 1
            continue
        group = str(raw.get("copies_of", raw["id"]))
        copies[group] = copies.get(group, 0) + 1
        if split == "train" and copies[group] > MAX_COPIES:
            continue
        examples.append(
            ComplaintExample(str(raw["id"]), POOL_SOURCE, text, label.complaint, label.severity, label.category)
        )
    if mismatched:
        logger.warning("%s: %d labelled posts do not match their text and were skipped", labels, mismatched)
    return examples


def _jsonl_rows(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield dict(json.loads(line))
            except (json.JSONDecodeError, TypeError, ValueError) as exc:
                logger.warning("%s:%d: skipped unreadable line: %s", path, number, exc)


def read_extra_labels(path: Path) -> list[ExtraLabel]:
    """The label file's lines; an unreadable or inconsistent line is reported with its number and skipped."""
    labels = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                labels.append(_extra_label(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
                logger.warning("%s:%d: skipped unreadable label: %s", path, number, exc)
    return labels


def text_digest(review: str) -> str:
    """How a label names the text of its row: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(review.encode("utf-8")).hexdigest()[:16]


def _extra_label(raw: dict[str, object]) -> ExtraLabel:
    label = ExtraLabel(
        row=int(str(raw["row"])),
        digest=str(raw["sha256"]),
        complaint=int(str(raw["complaint"])),
        severity=int(str(raw["severity"])),
        category=str(raw["category"]),
    )
    complaint_category = label.category in CATEGORIES and label.category != "none"
    complaint = label.complaint == 1 and 1 <= label.severity <= 3 and complaint_category
    not_complaint = label.complaint == 0 and label.severity == 0 and label.category == "none"
    if label.row < 0 or not (complaint or not_complaint):
        raise ValueError(f"inconsistent labels {raw}")
    return label
