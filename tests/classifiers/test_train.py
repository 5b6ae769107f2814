from __future__ import annotations

import dataclasses
from pathlib import Path

from classifiers import corpora
from classifiers.category_cues import CATEGORY_CUES
from classifiers.inference import ModelBundle
from classifiers.preprocess import preprocess
from classifiers.train import (
    TrainConfig,
    feedback_examples,
    gold_as_sentiment,
    load_training_data,
    reporting_texts,
    train_complaint,
)


def test_loaders_follow_the_readme_splits(tiny_corpora: Path) -> None:
    train, test = corpora.waimai(tiny_corpora, "train"), corpora.waimai(tiny_corpora, "test")
    assert len(test) == round(0.2 * (len(train) + len(test)))
    assert not {e.text for e in train} & {e.text for e in test}
    assert all("[" not in e.text for e in corpora.weibo_senti(tiny_corpora, "train"))


def test_smp_emotions_map_to_polarity_with_neutral_and_surprise_apart(tiny_corpora: Path) -> None:
    examples = corpora.smp2020(tiny_corpora, "test")
    by_emotion = {e.emotion: e.negative for e in examples}
    assert by_emotion == {"angry": 1, "happy": 0, "neutral": -1, "surprise": -1}


def test_training_data_never_contains_a_reporting_test_text(tiny_corpora: Path) -> None:
    held_out = reporting_texts(tiny_corpora)
    data = load_training_data(tiny_corpora, TrainConfig())
    assert held_out
    assert not {preprocess(e.text) for e in data.sentiment} & held_out
    assert not {preprocess(e.text) for e in data.complaints} & reporting_texts(tiny_corpora, complaints_only=True)
    assert data.counts["sentiment/weibo_senti_100k"] > 0


def test_gold_implies_sentiment_only_where_it_can() -> None:
    gold = [
        corpora.ComplaintExample("1", "weibo_brand", "客服太差", 1, 2, "service"),
        corpora.ComplaintExample("2", "waimai_10k", "好吃", 0, 0, "none"),
        corpora.ComplaintExample("3", "weibo_brand", "今天下雨", 0, 0, "none"),
    ]
    implied = gold_as_sentiment(gold)
    assert [(e.text, e.negative) for e in implied] == [("客服太差", 1), ("好吃", 0)]


def test_feedback_records_become_training_examples() -> None:
    records = [
        {
            "post_id": "weibo:1",
            "text": "抵制某品牌",
            "labels": {"sentiment": "negative", "complaint": 1, "severity": 3},
        },
        {"post_id": "weibo:2", "text": "只是路过", "labels": {"complaint": 0}},
        {"post_id": "weibo:3", "text": "", "labels": {"complaint": 1}},
    ]
    sentiment, complaints = feedback_examples(records)
    assert [(e.text, e.negative) for e in sentiment] == [("抵制某品牌", 1)]
    assert [(e.text, e.complaint, e.severity, e.category) for e in complaints] == [
        ("抵制某品牌", 1, 3, "other"),
        ("只是路过", 0, 0, "none"),
    ]


def test_feedback_is_used_in_training(tiny_corpora: Path) -> None:
    records = [{"post_id": "weibo:9", "text": "某某品牌的瓶盖里有虫子", "labels": {"complaint": 1, "severity": 3}}]
    data = load_training_data(tiny_corpora, TrainConfig(), feedback=records)
    assert data.counts["complaint/feedback"] == 1


def test_emoticon_labelled_weibo_tags_teach_the_model_nothing(tiny_model_dir: Path) -> None:
    # The tiny weibo_senti_100k rows carry [怒] when negative and [哈哈] when positive, as the real corpus's
    # labels do; no other tiny corpus has tags. Had those tags reached training, they would move P(negative).
    bundle = ModelBundle(tiny_model_dir)
    plain, angry, laughing = bundle.negative_probability(["顺丰今天到了", "顺丰今天到了[怒]", "顺丰今天到了[哈哈]"])
    assert bundle.featurizer.emoticon_bits > 0
    assert angry == plain == laughing


def test_the_sentiment_head_never_reads_the_category_cue_columns(tiny_model_dir: Path) -> None:
    bundle = ModelBundle(tiny_model_dir)
    assert bundle.featurizer.category_weight > 0
    sentiment = bundle.sentiment_pipeline
    texts = ["外卖吃出异物，骑手还送错了", "顺丰今天到了"]
    # The bundle scores the complaint features; the sentiment pipeline alone makes features without the block.
    assert bundle.negative_probability(texts).tolist() == sentiment.predict_proba(texts)[:, 1].tolist()
    sentiment_width = sentiment.named_steps["features"].transform(texts).shape[1]
    assert bundle.features(texts).shape[1] == sentiment_width + len(CATEGORY_CUES)


def test_extra_weibo_posts_teach_the_complaint_heads_but_not_the_category_head() -> None:
    def examples(src: str, texts: tuple[str, ...], category: str) -> list[corpora.ComplaintExample]:
        return [corpora.ComplaintExample(f"{src}{i}", src, f"{t}{i}", 1, 2, category) for i, t in enumerate(texts * 4)]

    gold = examples("weibo_brand", ("京东的耳机坏了", "充电器质量太差"), "quality")
    gold += examples("weibo_brand", ("客服不理人", "售后一直推脱"), "service")
    gold += [corpora.ComplaintExample(f"n{i}", "weibo_brand", f"今天天气不错{i}", 0, 0, "none") for i in range(8)]
    extra = examples("weibo_brand_extra", ("泄露了我的个人信息", "天天收到骚扰短信"), "privacy")
    config = TrainConfig(char_bits=14)
    for categories_on in (False, True):
        setting = dataclasses.replace(config, weibo_brand_extra_categories=categories_on)
        head = train_complaint(None, None, gold + extra, setting).named_steps["classifier"]
        assert ("privacy" in head.category_.classes_) is categories_on
