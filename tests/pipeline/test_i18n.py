"""The message catalogue: both languages for every key, rendering rules, reasons as data, the setting."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from pydantic import ValidationError

from pipeline.config import Settings
from pipeline.i18n import (
    LANGUAGES,
    MESSAGES,
    TERMS,
    clause,
    message,
    number,
    placeholders,
    reason_of,
    render_reason,
    term,
)

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _fields(template: str) -> dict[str, str]:
    """Placeholder → format spec."""
    return {name: spec or "" for _, name, spec, _ in string.Formatter().parse(template) if name is not None}


def _sample(spec: str) -> Any:
    """An argument of the kind a placeholder with this format takes."""
    if spec in TERMS:
        return next(key.split(".", 1)[1] for key in MESSAGES if key.startswith(f"{spec}."))
    return 0.0123 if spec else 1520


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    templates = MESSAGES[key]
    assert set(templates) == set(LANGUAGES)
    assert _fields(templates["zh"]) == _fields(templates["en"])
    assert placeholders(templates["zh"]) == set(_fields(templates["zh"]))
    args = {name: _sample(spec) for name, spec in _fields(templates["en"]).items()}
    for language in LANGUAGES:
        message(key, language, **args)  # every format spec works on its kind of argument


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_chinese_templates_are_chinese_and_english_ones_english(key: str) -> None:
    def words(template: str) -> str:
        return re.sub(r"\{[^}]*\}", " ", template)

    # SEISMIC (the model's name), P1-style priorities and 大V are what Chinese on-call staff write as well.
    chinese = set(re.findall(r"[A-Za-z]+", words(MESSAGES[key]["zh"]))) - {"SEISMIC", "V"}
    assert not chinese, chinese
    assert not CJK.search(words(MESSAGES[key]["en"]))


def test_numbers_minutes_and_terms_in_each_language() -> None:
    assert number(1520) == "1,520" and number(1520.4) == "1,520" and number(3_000_000) == "3,000,000"
    assert message("cascade.cause.velocity", "zh", threshold=1520, window=47) == "47 分钟内转发 ≥ 1,520 次"
    assert message("cascade.cause.velocity", "en", threshold=1520, window=47) == "≥ 1,520 reposts within 47 min"
    assert message("incident.size_grew", "en", before=200.0, after=1520.0) == "Size grew from 200 to 1,520."
    assert term("category", "safety", "zh") == "安全问题" and term("severity", "critical", "en") == "critical"
    assert term("category", "<!channel>", "zh") is None and term("category", "x.y", "zh") is None
    assert term("status", None, "zh") is None


def test_clauses_lists_and_terms_inside_a_message() -> None:
    accounts = [clause("cascade.account", name=name, followers=n) for name, n in (("大V", 3_000_000), ("b", 1_200_000))]
    assert (
        message("cascade.big_accounts", "zh", accounts=accounts)
        == "参与转发的大V：大V（3,000,000 粉丝）、b（1,200,000 粉丝）。"
    )
    assert message("cascade.big_accounts", "en", accounts=accounts) == (
        "Big accounts reposting: 大V (3,000,000 followers), b (1,200,000 followers)."
    )
    volume = clause(
        "surge.volume_category",
        count=6,
        brand="蒙牛",
        authors=6,
        minutes=15,
        expected=0.2,
        ratio=30.0,
        category="other-thing",  # a category the catalogue has no word for is written as it is
        test="poisson",
        p_value=2.1e-9,
    )
    assert "「other-thing」负面投诉" in render_reason([volume], "zh") and "泊松检验" in render_reason([volume], "zh")
    assert "'other-thing' complaints" in render_reason([volume], "en") and "a Poisson test" in render_reason(
        [volume], "en"
    )


def test_a_reason_renders_as_sentences_of_the_language() -> None:
    reason = [clause("incident.escalated", priority="P1", minutes=31), clause("cascade.predicted", predicted=419)]
    assert (
        render_reason(reason, "zh")
        == "已升级：P1 事件 31 分钟内无人确认。传播模型（SEISMIC）预计 24 小时内共转发 419 次。"
    )
    assert render_reason(reason, "en") == (
        "Escalated: P1 incident not acknowledged after 31 min. "
        "The self-exciting (SEISMIC) estimate expects 419 reposts within 24 h."
    )
    assert render_reason([], "zh") == ""


def test_a_clause_must_match_its_template() -> None:
    with pytest.raises(ValueError, match=r"no message 'cascade\.nope'"):
        clause("cascade.nope")
    with pytest.raises(ValueError, match=r"takes \['after', 'before'\], got \['before'\]"):
        clause("incident.size_grew", before=1)


@pytest.mark.parametrize(
    "data",
    [
        "Resolved by hand.",
        [{"key": "cascade.gone", "args": {}}],
        [{"key": "incident.size_grew", "args": {"before": 1}}],
        [{"key": "incident.size_grew", "args": ["before", "after"]}],
        [{"args": {}}],
        [clause("cascade.fired", causes=[{"key": "cascade.gone"}])],
    ],
)
def test_stored_data_that_is_not_a_reason_is_refused_and_readers_fall_back_to_the_text(data: Any) -> None:
    with pytest.raises(ValueError):
        render_reason(data, "zh")
    assert reason_of({"reason": "stored text", "reason_data": data}, "en") == "stored text"


def test_reason_of_prefers_the_data() -> None:
    data = [clause("incident.resolved_by_hand", person="王值班")]
    assert reason_of({"reason": "已由 王值班 手动解除。", "reason_data": data}, "en") == "Resolved by hand by 王值班."
    assert reason_of({"reason": "old text"}, "en") == "old text"
    assert reason_of({}, "zh") == ""


def test_the_language_setting(env: pytest.MonkeyPatch) -> None:
    assert Settings().language == "zh"
    env.setenv("YUQING_LANGUAGE", "en")
    assert Settings().language == "en"
    env.setenv("YUQING_LANGUAGE", "fr")
    with pytest.raises(ValidationError, match="language"):
        Settings()
