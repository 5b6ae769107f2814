"""Shared test helpers of `tests.classifiers`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from classifiers.train import TrainConfig

BRANDS = ("京东", "中国移动", "肯德基", "顺丰", "星巴克", "招商银行")


NEGATIVE = (
    "{b}的客服太差了，退款拖了一个月，我要投诉",
    "{b}送来的东西坏了，质量垃圾，再也不买了",
    "大家千万别买{b}，黑心商家，已经打12315",
    "{b}乱收费，多扣了我五十块，气死了",
    "{b}快递慢得要死，三天都没送到，失望",
)


POSITIVE = (
    "{b}的服务很好，快递很快，满意",
    "今天在{b}买的东西不错，推荐",
    "谢谢{b}的小哥，态度好，点赞",
    "{b}新品好吃，开心",
)


NEUTRAL_WEIBO = ("今天天气不错，出去走走", "周末和朋友看电影", "明天开会，早点睡", "这首歌挺好听")


SAD_WEIBO = ("下雨了心情很差，不想上班", "考试没考好，好难过", "感冒了，头疼得要死")


CATEGORIES = ("service", "quality", "integrity", "price", "delivery")


def _texts(templates: tuple[str, ...], count: int, rng: random.Random) -> list[str]:
    return [
        rng.choice(templates).format(b=rng.choice(BRANDS)) + "。" * rng.randint(0, 2) + str(i) for i in range(count)
    ]


def _binary_csv(path: Path, rng: random.Random, rows: int, header: tuple[str, ...] = ("label", "review")) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for index, text in enumerate(_texts(NEGATIVE, rows // 2, rng) + _texts(POSITIVE, rows // 2, rng)):
            label = 0 if index < rows // 2 else 1
            writer.writerow(("衣服", label, text) if len(header) == 3 else (label, text))


def write_tiny_corpora(root: Path, rows: int = 120) -> Path:
    """Every corpus file the loaders read, in its real format, with a few hundred synthetic rows."""
    rng = random.Random(7)
    weibo = root / "weibo_senti_100k" / "weibo_senti_100k_recovered.csv"
    weibo.parent.mkdir(parents=True)
    with weibo.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("label", "review"))
        for text in _texts(SAD_WEIBO + NEGATIVE, rows // 2, rng):
            writer.writerow((0, text + "[怒]"))
        for text in _texts(NEUTRAL_WEIBO + POSITIVE, rows // 2, rng):
            writer.writerow((1, text + "[哈哈]"))
    _binary_csv(root / "waimai_10k" / "waimai_10k.csv", rng, rows)
    _binary_csv(root / "online_shopping_10_cats" / "online_shopping_10_cats.csv", rng, rows, ("cat", "label", "review"))
    bench = root / "ChnSentiCorp_bench"
    bench.mkdir()
    for split in ("train", "dev", "test"):
        lines = ["label\ttext_a"]
        lines += [f"0\t{t}" for t in _texts(NEGATIVE, rows // 4, rng)]
        lines += [f"1\t{t}" for t in _texts(POSITIVE, rows // 4, rng)]
        (bench / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    smp = root / "smp2020_ewect_virus"
    smp.mkdir()
    for name in ("virus_train.txt", "virus_eval_labeled.txt"):
        records = [{"id": i, "content": t, "label": "angry"} for i, t in enumerate(_texts(NEGATIVE, rows // 4, rng))]
        records += [
            {"id": 500 + i, "content": t, "label": "happy"} for i, t in enumerate(_texts(POSITIVE, rows // 4, rng))
        ]
        records += [
            {"id": 900 + i, "content": t, "label": "neural"} for i, t in enumerate(_texts(NEUTRAL_WEIBO, 10, rng))
        ]
        records += [{"id": 950 + i, "content": t, "label": "surprise"} for i, t in enumerate(_texts(SAD_WEIBO, 5, rng))]
        (smp / name).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    gold = root / "complaints_zh_gold"
    gold.mkdir()
    for split, count in (("train", rows), ("test", rows // 2)):
        lines = []
        for index, text in enumerate(_texts(NEGATIVE, count // 2, rng)):
            severity = 3 if ("投诉" in text or "12315" in text) else 2 if "再也不" in text else 1
            category = CATEGORIES[index % len(CATEGORIES)]
            lines.append({"id": f"{split}n{index}", "src": "weibo_brand", "text": text, "complaint": 1,
                          "severity": severity, "category": category})  # fmt: skip
        for index, text in enumerate(_texts(POSITIVE + NEUTRAL_WEIBO, count // 2, rng)):
            src = "weibo_brand" if index % 2 else "waimai_10k"
            lines.append({"id": f"{split}p{index}", "src": src, "text": text, "complaint": 0,
                          "severity": 0, "category": "none"})  # fmt: skip
        (gold / f"{split}.jsonl").write_text(
            "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
        )
    return root


TINY_CONFIG = TrainConfig(char_bits=12, word_bits=10, sentiment_c=1.0, complaint_c=1.0)
