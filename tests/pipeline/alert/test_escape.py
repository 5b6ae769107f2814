"""Stranger text made inert: the link policy, mass mentions, defanging and each output syntax (with
properties checked on generated text)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Settings
from pipeline.safe_text import (
    DEFAULT_LINKS,
    LinkPolicy,
    defang,
    disarm,
    escape_markdown,
    html_text,
    markdown_text,
    neutralise_mentions,
    plain_text,
    slack_text,
)

# A mention that would still page: @所有人 and friends, Slack's <!channel> <!here> <@U…>, Feishu's <at …>.
ACTIVE_MENTION = re.compile(
    r"@(?:所有人|全体成员|all|channel|here|everyone)(?![A-Za-z0-9_])|<\s*(?:!|@|at[\s>/])", re.IGNORECASE
)
# What a chat client links to a known host: the URL and everything after it up to a space (paths included).
ALLOWED_URL = re.compile(r"https?://(?:[a-z0-9-]+\.)*(?:weibo\.com|weibo\.cn|t\.cn)(?![a-z0-9.-])[!-~]*", re.I)
MARKDOWN_SYNTAX = set("\\`*_[]()#!|>~&<")
LINK_BREAKERS = set("()[]<> \"'\\*`")

FRAGMENTS = [
    *"[]()<>*_~`\\#+-.!|&\"' ",
    "](",
    "](javascript:alert(1))",
    "[官方退款入口](https://phish.example/refund)",
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<@U0123>",
    '<at user_id="all">所有人</at>',
    "@所有人",
    "@全体成员",
    "@ALL",
    "@all",
    "@channel",
    "@here",
    "@everyone",
    "@allen",
    "@",
    "all",
    "所有人",
    "javascript:",
    "data:text/html,<script>alert(1)</script>",
    "https://phish.example/refund",
    "http://weibo.com.phish.example/",
    "https://weibo.com@phish.example/",
    "https://weibo.com/1/x)**@所有人**(",
    "phish.example",
    "www.evil.com",
    "https://weibo.com/1/x",
    "t.cn/abc",
    "&lt;",
    "&#64;",
    "\n",
    "\r\n",
    "\x1b]8;;http://phish.example/\x07",
    "\u200b",
    "\u202e",
    "蒙牛",
    "：",
]
stranger_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=25).map("".join)
urls = st.one_of(
    stranger_text,
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["https://", "http://", "HTTPS://", "javascript:", "data:", " https://", "\x00https://", ""]),
        st.sampled_from(
            ["weibo.com", "m.weibo.cn", "t.cn", "mastodon.social", "phish.example", "weibo.com.phish.example"]
        ),
        stranger_text,
    ),
)


def _outside_allowed_urls(text: str) -> str:
    return ALLOWED_URL.sub(" ", text).lower()


# -- the link policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://weibo.com/1825856108/nZnVuPYSR",
        "http://m.weibo.cn/detail/5238000000100001",
        "https://t.cn/A6abcdef",
        "https://mastodon.social/@someone/1",
        "HTTPS://WEIBO.COM/x",
    ],
)
def test_posts_on_known_hosts_are_linked(url: str) -> None:
    assert DEFAULT_LINKS.target(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript://weibo.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://phish.example/",
        "https://weibo.com.phish.example/",
        "https://evilweibo.com/",
        "https://weibo.com@phish.example/",
        "https://user:pass@weibo.com/",
        "https://phish.example\\.weibo.com/",
        "ftp://weibo.com/x",
        "//weibo.com/x",
        "https://weibo.com:99999/",
        "",
    ],
)
def test_other_urls_are_not(url: str) -> None:
    assert DEFAULT_LINKS.target(url) is None


def test_a_link_target_cannot_break_out_of_its_link() -> None:
    target = DEFAULT_LINKS.target("https://weibo.com/1/x)**@所有人**(<b>\"' \\[y]")
    assert target == "https://weibo.com/1/x%29%2A%2A%40%E6%89%80%E6%9C%89%E4%BA%BA%2A%2A%28%3Cb%3E%22%27%20%5C%5By%5D"
    assert DEFAULT_LINKS.target("https://weibo.com/a%29b") == "https://weibo.com/a%29b"  # not encoded twice
    assert DEFAULT_LINKS.target("https://mastodon.social/@here/1") == "https://mastodon.social/%40here/1"


def test_policy_from_settings_adds_the_configured_instance(env: pytest.MonkeyPatch) -> None:
    env.setenv("YUQING_MASTODON__INSTANCE", "https://social.example.org")
    links = LinkPolicy.from_settings(Settings())
    assert links.target("https://social.example.org/@a/1") is not None
    assert links.target("https://weibo.com/1/x") is not None
    assert links.target("https://mastodon.social/@a/1") is None
    assert LinkPolicy.of(["Example.COM."]).allows_host("a.example.com")


# -- mentions, defanging, each syntax ------------------------------------------------------------------


def test_mass_mentions_become_full_width() -> None:
    text = '<!channel> <!here> <!everyone> @所有人 @all @Channel @here @everyone <at user_id="all"> @allen'
    assert neutralise_mentions(text) == (
        '＜!channel> ＜!here> ＜!everyone> ＠所有人 ＠all ＠Channel ＠here ＠everyone ＜at user_id="all"> @allen'
    )
    assert disarm("@\u200ball\x1b[31m\n") == "＠all[31m\n"  # a hidden character does not hide the mention


def test_defang_keeps_allowed_urls_and_breaks_the_others() -> None:
    text = "[退款](https://phish.example/refund) phish.example/x https://weibo.com/1/x kefu@phish.example weibo.cn"
    assert defang(text) == (
        "[退款](https[:]//phish[.]example/refund) phish[.]example/x https://weibo.com/1/x "
        "kefu@phish[.]example weibo[.]cn"
    )
    # Text glued to a host or a scheme leaves nothing linkable (found by the properties below).
    assert defang("0www.evil.comhttps://phish.example/refund 10.0.0.1/x") == (
        "0www[.]evil[.]comhttps[:]//phish[.]example/refund 10[.]0[.]0[.]1/x"
    )


def test_the_measured_defects_are_inert_in_each_syntax() -> None:
    reason = "by <!channel> @所有人: [官方退款入口](https://phish.example/refund) **@所有人**"
    assert (
        slack_text(reason)
        == "by ＜!channel&gt; ＠所有人: [官方退款入口](https[:]//phish[.]example/refund) ∗∗＠所有人∗∗"
    )
    assert markdown_text(reason) == (
        "by ＜！channel＞ ＠所有人: ［官方退款入口］（https［:］//phish［.］example/refund） ＊＊＠所有人＊＊"
    )
    assert (
        html_text('<a href="javascript:alert(1)">x</a>') == "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;"
    )
    assert (
        plain_text("line one\nTop posts:\n- https://phish.example/")
        == "line one Top posts: - https[:]//phish[.]example/"
    )


# -- properties ----------------------------------------------------------------------------------------


@settings(max_examples=400)
@given(stranger_text)
def test_markdown_text_leaves_no_syntax(text: str) -> None:
    out = markdown_text(text)
    assert not MARKDOWN_SYNTAX & set(out)  # so no `](`, `**`, `<`, `![` survives as syntax
    assert not ACTIVE_MENTION.search(out)
    assert "\n" not in out and "phish.example" not in _outside_allowed_urls(out)


@settings(max_examples=400)
@given(stranger_text)
def test_slack_text_leaves_no_syntax(text: str) -> None:
    out = slack_text(text)
    assert not set("<>*_~`") & set(out)  # no <!channel>, <url|label>, bold, italic, strike or code
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt);)*", out, re.DOTALL)
    assert not ACTIVE_MENTION.search(out)
    assert "phish.example" not in _outside_allowed_urls(out)


@settings(max_examples=400)
@given(stranger_text)
def test_html_text_leaves_no_markup(text: str) -> None:
    out = html_text(text)
    assert not set("<>\"'") & set(out)
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt|quot|#x27);)*", out, re.DOTALL)
    assert not ACTIVE_MENTION.search(out)


@settings(max_examples=400)
@given(stranger_text)
def test_plain_text_is_one_inert_line(text: str) -> None:
    out = plain_text(text)
    assert not any(char in out for char in "\n\r\x1b\x00\u200b\u202e")
    assert not ACTIVE_MENTION.search(out)
    assert "phish.example" not in _outside_allowed_urls(out) and "evil.com" not in _outside_allowed_urls(out)
    assert plain_text(out) == out  # idempotent: applying it twice (renderer, then channel) changes nothing


@settings(max_examples=400)
@given(urls)
def test_link_targets_are_allowed_and_cannot_break_out(url: str) -> None:
    target = DEFAULT_LINKS.target(url)
    if target is None:
        return
    parts = urlsplit(target)
    assert parts.scheme in ("http", "https") and target.startswith(f"{parts.scheme}://")
    assert DEFAULT_LINKS.allows_host(parts.hostname) and parts.username is None
    assert not LINK_BREAKERS & set(target) and not ACTIVE_MENTION.search(target)
    assert target.isprintable() and target.isascii()
    assert DEFAULT_LINKS.target(target) == target


@given(stranger_text)
def test_escape_markdown_escapes_every_metacharacter(text: str) -> None:
    assert not MARKDOWN_SYNTAX & set(escape_markdown(text))
