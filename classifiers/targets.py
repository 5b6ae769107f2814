"""Who a post is aimed at: company, brand and service cues, read from the raw text.

A Weibo complaint needs a target: negativity about the weather or one's mood is not a complaint. These
columns tell the complaint model whether the post names a company, tags an official account, describes the
author's own purchase or talks about a service, and whether it does so in its own words or only in the
repost chain it passes on. They read the raw text because preprocessing drops the @handles, and a handle
such as @中国联通客服 is how Weibo users put a complaint in front of a company.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from classifiers.lexicon import CueCounter
from classifiers.preprocess import CHAIN_MARK, preprocess

_HANDLE = re.compile(r"@([\w\u4e00-\u9fff\-]{1,30})")
_OFFICIAL_HANDLE = re.compile(
    r"客服|官方|官微|服务|热线|售后|小秘书|银行|航空|快递|速递|物流|移动|联通|电信|商城|旗舰店"
)
# "<name>公司", "<name>银行", ...: a company named in passing. Government bodies are not companies.
_COMPANY_WORDS = "|".join((
    "公司", "集团", "银行", "航空", "快递", "速递", "物流", "商城", "超市", "酒店", "医院", "4s店", "专卖店", "旗舰店",
    "客服", "售后", "门店", "店家", "商家", "卖家",
))  # fmt: skip
_COMPANY = re.compile(rf"[\u4e00-\u9fff]{{1,6}}(?:{_COMPANY_WORDS})")
# Every `_COMPANY` match holds one of the words; looking for them alone is 25 times faster, and most posts
# hold none.
_COMPANY_WORD = re.compile(_COMPANY_WORDS)
# The author's own purchase or dealing: "我在京东买的", "我们订的", "我打电话".
_OWN_DEALING = re.compile(
    r"我(?:们)?(?:家)?(?:在|从|的)?[^，。！？,.!?]{0,6}(?:买|订|购|用|办|充|点|叫|寄|收到|下单|打了?电话|投诉|退)"
)
SERVICE_TERMS = (
    "客服", "售后", "退款", "退货", "订单", "快递", "包裹", "发货", "到货", "航班", "延误", "取消", "话费", "流量",
    "套餐", "扣费", "信号", "网速", "宽带", "维修", "保修", "质量", "价格", "收费", "会员", "账号", "密码", "充值",
)  # fmt: skip
FEATURE_NAMES = (
    "official_handle",
    "brand",
    "company",
    "own_dealing",
    "service",
    "target_in_own_words",
    "service_in_own_words",
)


@cache
def brand_names() -> tuple[str, ...]:
    """The brand names of the segmenter's user dictionary (`resources/brands.txt`)."""
    text = (resources.files("classifiers") / "resources" / "brands.txt").read_text(encoding="utf-8")
    return tuple(line.split()[0] for line in text.splitlines() if line.strip())


@cache
def _brand_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(name) for name in sorted(brand_names(), key=len, reverse=True)))


def _names_brand(text: str) -> bool:
    return _brand_pattern().search(text) is not None


def _names_company(text: str) -> bool:
    return _COMPANY_WORD.search(text) is not None and _COMPANY.search(text) is not None


_SERVICE_COUNTER = CueCounter((SERVICE_TERMS,))


def target_features(raw_texts: list[str], prepared: list[str] | None = None) -> NDArray[np.float32]:
    """One row of `FEATURE_NAMES` columns (each 0-1) per raw text; `prepared` are their `preprocess` forms,
    when the caller has them already."""
    prepared = [preprocess(text) for text in raw_texts] if prepared is None else prepared
    own_words = [text.split(CHAIN_MARK)[0] for text in prepared]  # a prefix: what the text lacks, it lacks
    rows = np.zeros((len(raw_texts), len(FEATURE_NAMES)), dtype=np.float32)
    for index, (raw, text, own) in enumerate(zip(raw_texts, prepared, own_words, strict=True)):
        handles = _HANDLE.findall(raw) if "@" in raw else []
        official = sum(bool(_OFFICIAL_HANDLE.search(handle)) or _names_brand(handle) for handle in handles)
        brand, company = _names_brand(text), _names_company(text)
        if own != text and (brand or company):
            brand_or_company_own = _names_brand(own) or _names_company(own)
        else:
            brand_or_company_own = brand or company
        rows[index, :4] = (min(official, 2) / 2.0, brand, company, bool(_OWN_DEALING.search(text)))
        rows[index, 5] = brand_or_company_own
    rows[:, 4] = _SERVICE_COUNTER.counts(prepared)[:, 0] / 3.0
    rows[:, 6] = _SERVICE_COUNTER.counts(own_words)[:, 0] / 3.0
    return rows
