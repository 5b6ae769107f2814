from __future__ import annotations

import numpy as np
import pytest

from classifiers.features import WeiboFeaturizer
from classifiers.sentiment_model import SentimentClassifier, label_for

NEGATIVE = ["客服太差了，气死了", "质量垃圾，失望", "又坏了，烦死了", "太难吃了，差评"]
POSITIVE = ["很好吃，满意", "小哥很快，点赞", "质量不错，喜欢", "服务很好，开心"]
NEUTRAL = ["明天上午十点开会", "本周六发布新品", "门店营业时间调整为九点", "请问几点开门"]


@pytest.fixture(scope="module")
def fitted() -> tuple[SentimentClassifier, WeiboFeaturizer]:
    featurizer = WeiboFeaturizer(char_bits=10, word_bits=8).fit([])
    texts = (NEGATIVE + POSITIVE + NEUTRAL) * 3
    negative = ([1] * 4 + [0] * 4 + [-1] * 4) * 3
    neutral = ([0] * 8 + [1] * 4) * 3
    model = SentimentClassifier(c=10, c_neutral=10).fit(featurizer.transform(texts), negative, neutral=neutral)
    return model, featurizer


def test_polarity_head_ignores_rows_without_polarity(fitted) -> None:
    model, featurizer = fitted
    p_negative = model.predict_proba(featurizer.transform(NEGATIVE + POSITIVE))[:, 1]
    assert np.all(p_negative[:4] > 0.5) and np.all(p_negative[4:] < 0.5)
    assert model.polarity_.coef_.dtype == np.float32


def test_three_way_labels(fitted) -> None:
    model, featurizer = fitted
    labels = model.labels(featurizer.transform([NEGATIVE[0], POSITIVE[0], NEUTRAL[0]]))
    assert labels == ["negative", "positive", "neutral"]


def test_without_neutral_labels_nothing_is_neutral() -> None:
    featurizer = WeiboFeaturizer(char_bits=10, word_bits=8).fit([])
    model = SentimentClassifier().fit(featurizer.transform(NEGATIVE + POSITIVE), [1] * 4 + [0] * 4)
    features = featurizer.transform(NEUTRAL)
    assert model.neutral_probability(features).tolist() == [0.0] * 4
    assert "neutral" not in model.labels(features)


@pytest.mark.parametrize(
    ("p_negative", "p_neutral", "expected"),
    [(0.9, 0.39, "negative"), (0.9, 0.4, "neutral"), (0.49, 0.1, "positive"), (0.5, 0.0, "negative")],
)
def test_label_for(p_negative: float, p_neutral: float, expected: str) -> None:
    assert label_for(p_negative, p_neutral, 0.4) == expected
