from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import BrandConfig
from pipeline.exceptions import DropPost
from pipeline.models import Post
from pipeline.normalise import BrandMatcher, clean_text, normalise, split_text, text_for_scoring
from pipeline.simplify import to_simplified
from tests.helpers import make_post

MATCHER = BrandMatcher(
    [
        BrandConfig(name="小米", aliases=["Xiaomi", "小米手机"], exclude=["小米粥", "小米椒", "黄小米"]),
        BrandConfig(name="蒙牛", aliases=["蒙牛乳业", "Mengniu", "特侖蘇"]),  # an alias written traditionally
        BrandConfig(name="顺丰", aliases=["顺丰速运"]),
    ]
)


def test_weibo_html_becomes_plain_text_with_emoticons_kept() -> None:
    raw = (
        '\u200b 蒙牛又出事了<span class="url-icon"><img alt=[怒] src="//h5.sinaimg.cn/x.png"/></span>'
        '<a href="https://m.weibo.cn/search?containerid=1"><span class="surl-text">#蒙牛异物#</span></a>'
        "<br />详情 http://t.cn/A6abcdE <a href='/n/蒙牛乳业'>@蒙牛乳业</a> ...展开全文"
    )
    assert clean_text(raw) == "蒙牛又出事了[怒]#蒙牛异物#\n详情 @蒙牛乳业"


def test_entities_and_repost_chain_are_split() -> None:
    parts = split_text("太过分了[怒] #蒙牛异物# //@张三:真的假的 //@李四:蒙牛喝出异物 @蒙牛乳业")
    assert parts.own == "太过分了[怒] #蒙牛异物#"
    assert parts.chain.startswith("//@张三:")
    assert parts.topics == ("蒙牛异物",)
    assert parts.mentions == ("张三", "李四", "蒙牛乳业")
    assert parts.emoticons == ("[怒]",)


def test_a_bare_repost_is_scored_on_the_chain_it_passes_on() -> None:
    assert text_for_scoring("转发微博//@李四:蒙牛喝出异物，气死了") == "蒙牛喝出异物，气死了"
    assert text_for_scoring("支持！//@李四:蒙牛喝出异物") == "支持！"


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("新买的小米手机很好用", "小米"),
        ("早上喝了一碗小米粥", None),
        ("小米粥配小米手机，完美早晨", "小米"),  # one real mention beside an excluded one
        ("XIAOMI service is slow", "小米"),
        ("蒙牛乳业发布公告", "蒙牛"),
        ("伊利和蒙牛哪个好，小米也做牛奶吗", "蒙牛"),  # the first brand mentioned wins
        ("今天天气不错", None),
        ("順豐快遞太慢了", "顺丰"),  # traditional characters
        ("蒙牛乳業發佈公告", "蒙牛"),
        ("特仑苏真好喝", "蒙牛"),
        ("買了一斤黃小米", None),  # the exclusion 黄小米, written traditionally
        ("黃小米和小米手機", "小米"),
    ],
)
def test_brand_matching_with_aliases_and_exclusions(text: str, brand: str | None) -> None:
    assert MATCHER.match(text) == brand


# 京东 and 京东方 (a display maker) are different companies whose names overlap; 米粥 stands for any brand whose
# term lies inside another brand's exclusion.
OVERLAPPING = BrandMatcher(
    [
        BrandConfig(name="京东", aliases=["JD"], exclude=["京东方"]),
        BrandConfig(name="京东方", aliases=["BOE"]),
        BrandConfig(name="小米", aliases=["小米手机"], exclude=["小米粥", "米手"]),
        BrandConfig(name="米粥"),
        BrandConfig(name="美团", aliases=["美团外卖"], exclude=["美团外卖员"]),
    ]
)


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("京东方发布新屏幕", "京东方"),  # 京东 inside the longer name: excluded for 京东, a mention of 京东方
        ("京东方的屏幕，京东买的", "京东方"),  # 京东's own mention comes later
        ("在京东买了京东方的显示器", "京东"),
        ("BOE和JD", "京东方"),
        ("早上喝了小米粥", "米粥"),  # 小米粥 excludes 小米 only: 米粥, starting inside it, still counts
        ("小米手机", "小米"),  # the exclusion 米手 overlaps 小米 and 小米手机 but contains neither
        ("美团外卖员来了", None),  # one exclusion holding two terms
        ("美团外卖员说，美团", "美团"),
        ("美团外卖员送来小米粥", "米粥"),  # exclusions are a brand's own: 米粥 counts inside 小米粥
        ("京东方、美团外卖员和小米", "京东方"),  # several brands, two of them behind exclusions
        ("美团外卖员、京东方和小米", "京东方"),
        ("JD的小米手机", "京东"),  # several brands: the first mention wins
    ],
)
def test_brand_matching_when_terms_and_exclusions_overlap(text: str, brand: str | None) -> None:
    assert OVERLAPPING.match(text) == brand


def test_brands_named_at_the_same_place_go_to_the_one_listed_first() -> None:
    both = [BrandConfig(name="京东"), BrandConfig(name="京东方")]
    assert BrandMatcher(both).match("京东方发布新屏幕") == "京东"
    assert BrandMatcher(both[::-1]).match("京东方发布新屏幕") == "京东方"
    assert BrandMatcher([]).match("京东方发布新屏幕") is None
    # The same when an exclusion elsewhere in the text makes every term count one by one.
    shop = [BrandConfig(name="京东", exclude=["京东方"]), BrandConfig(name="京东商城")]
    assert BrandMatcher(shop).match("京东商城不卖京东方") == "京东"
    assert BrandMatcher(shop[::-1]).match("京东商城不卖京东方") == "京东商城"


def _match_term_by_term(brands: list[BrandConfig], text: str) -> str | None:
    """Brand matching as it was before the patterns were compiled: every term and exclusion scanned apart."""
    comparable = to_simplified(text).lower()
    best: tuple[int, str] | None = None
    for brand in brands:
        terms = [to_simplified(term).lower() for term in brand.terms]
        exclusions = [to_simplified(term).lower() for term in brand.exclude]
        spans = [(m.start(), m.start() + len(x)) for x in exclusions for m in re.finditer(re.escape(x), comparable)]
        first: int | None = None
        for term in terms:
            for m in re.finditer(re.escape(term), comparable):
                inside = any(lo <= m.start() and m.end() <= hi for lo, hi in spans)
                if not inside and (first is None or m.start() < first):
                    first = m.start()
                    break
        if first is not None and (best is None or first < best[0]):
            best = (first, brand.name)
    return best[1] if best else None


_WORDS = st.text(alphabet="小米粥手机京东方aA", min_size=1, max_size=4)


@settings(database=None, max_examples=300)
@given(
    st.lists(
        st.builds(
            lambda name, aliases, exclude: (name, aliases, exclude),
            _WORDS,
            st.lists(_WORDS, max_size=2),
            st.lists(_WORDS, max_size=2),
        ),
        max_size=4,
        unique_by=lambda brand: brand[0],
    ),
    st.text(alphabet="小米粥手机京东方aA，", max_size=16),
)
def test_brand_matching_agrees_with_scanning_term_by_term(
    brands: list[tuple[str, list[str], list[str]]], text: str
) -> None:
    configs = [BrandConfig(name=name, aliases=aliases, exclude=exclude) for name, aliases, exclude in brands]
    assert BrandMatcher(configs).match(text) == _match_term_by_term(configs, text)


def test_normalise_prefixes_ids_and_drops_unwatched_posts() -> None:
    post = normalise(Post.from_dict(make_post(id="4978", source="weibo", repost_of="4970")), MATCHER)
    assert (post.id, post.repost_of, post.brand) == ("weibo:4978", "weibo:4970", "蒙牛")
    with pytest.raises(DropPost, match="no watched brand"):
        normalise(Post.from_dict(make_post(text="今天天气不错")), MATCHER)


def test_a_traditional_post_keeps_its_text_as_written() -> None:
    post = normalise(Post.from_dict(make_post(text="順豐快遞太慢了，三天還沒到")), MATCHER)
    assert (post.brand, post.text) == ("顺丰", "順豐快遞太慢了，三天還沒到")


def test_a_long_run_of_letters_is_cleaned_in_linear_time() -> None:
    started = time.perf_counter()
    assert clean_text("a" * 200_000 + " 蒙牛 weibo.com/1/x").endswith("蒙牛")
    # Linear: well under a second here; the quadratic link pattern it replaces took minutes on this text.
    assert time.perf_counter() - started < 10
