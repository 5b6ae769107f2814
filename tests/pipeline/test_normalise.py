from __future__ import annotations

import time

import pytest

from pipeline.config import BrandConfig
from pipeline.exceptions import DropPost
from pipeline.models import Post
from pipeline.normalise import BrandMatcher, clean_text, normalise, split_text, text_for_scoring
from tests.conftest import make_post

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
