"""Pure parser for s.weibo.com result pages (weibo.md §2.2): cards -> Posts, plus the pager.

Selectors keep the fallbacks the mature scrapers needed after each redesign (`div.from` / `p.from`,
likes in `span.woo-like-count` / `button > span` / `em`). A card that cannot be read is reported in
`SearchPage.errors` and skipped; nothing is ever made up for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString

from pipeline.models import Author, Metrics, Post
from pipeline.sources.weibo_fields import clean_text, parse_count
from pipeline.sources.weibo_ids import bid_to_mid, post_id, post_url
from pipeline.sources.weibo_time import parse_weibo_time

_MID_IN_ACTION_DATA = re.compile(r"(?:^|&)mid=(\d+)")
_USER_HREF = re.compile(r"weibo\.com/(?:u/)?(\d+)")
_POST_HREF = re.compile(r"weibo\.com/(\d+)/([0-9A-Za-z]+)")
_VERIFIED_TYPES = {"vblue": 1, "vyellow": 0, "vorange": 0, "vgold": 0}
_FOLD_WORDS = ("收起全文", "展开全文", "展开")
_PARSE_FAILURES = (ValueError, AttributeError, KeyError, TypeError, IndexError)


@dataclass
class SearchPage:
    """What one result page holds."""

    posts: list[Post] = field(default_factory=list)
    cards: int = 0  # feed_list_item cards found, read or not
    page_count: int = 0  # pages the pager offers (ul.s-scroll > li); 0 when there is no pager
    next_href: str | None = None
    no_results: bool = False
    errors: list[str] = field(default_factory=list)


def parse_search_page(html: str, fetched_at: datetime, keyword: str | None = None) -> SearchPage:
    """Posts on one s.weibo.com page; a repost card yields the repost and, when shown, its original."""
    soup = BeautifulSoup(html, "html.parser")
    page = SearchPage(no_results=_first(soup, "div", "card-no-result") is not None)
    scroll = _first(soup, "ul", "s-scroll")
    if scroll is not None:
        page.page_count = len(scroll.find_all("li"))
    next_link = _first(soup, "a", "next")
    if next_link is not None and next_link.get("href"):
        page.next_href = str(next_link["href"])
    for card in _all(soup, None, None, ("action-type", "feed_list_item")):
        page.cards += 1
        try:
            page.posts.extend(_parse_card(card, fetched_at, keyword))
        except _PARSE_FAILURES as exc:
            page.errors.append(f"card {card.get('mid') or '?'}: {exc}")
    return page


def _parse_card(card: Tag, fetched_at: datetime, keyword: str | None) -> list[Post]:
    mid = _card_mid(card)
    comment = _first(card, "div", "card-comment")
    info = _outside(_all(card, "div", "info"), comment)
    author_link = (_first(info, "a", None, ("nick-name", None)) if info is not None else None) or _outside(
        _all(card, "a", None, ("nick-name", None)), comment
    )
    from_block = _outside(_all(card, ("div", "p"), "from"), comment)
    if from_block is None:
        raise ValueError("no time block (div.from)")
    time_link = from_block.find("a")
    if not isinstance(time_link, Tag):
        raise ValueError("no time link in div.from")
    uid, bid = _uid_bid(str(time_link.get("href") or ""))
    if author_link is not None:
        uid = uid or _uid(str(author_link.get("href") or ""))
    if not uid:
        raise ValueError("no author id")
    text_node = _outside(_all(card, "p", None, ("node-type", "feed_list_content_full")), comment) or _outside(
        _all(card, "p", None, ("node-type", "feed_list_content")), comment
    )
    if text_node is None:
        raise ValueError("no text (p.txt)")
    text, place = _text_and_place(text_node)
    extra: dict[str, Any] = {"bid": bid or None, "surface": "s.weibo.com"}
    extra["text_complete"] = text_node.get("node-type") == "feed_list_content_full" or not _has_unfold(card, comment)
    source_app = _second_link_text(from_block)
    if source_app:
        extra["source_app"] = source_app
    if place:
        extra["location"] = place
    if keyword:
        extra["keyword"] = keyword
    verified_mark = _verified_mark(card, comment)
    name = str(author_link.get("nick-name") or author_link.get_text(strip=True)) if author_link else ""
    author = Author(
        id=uid,
        name=name,
        followers=None,  # search result cards show no follower counts: unknown, not 0
        verified=verified_mark is not None,
        verified_type=_VERIFIED_TYPES.get(verified_mark or "", -1),
    )
    original = _parse_original(comment, fetched_at, keyword) if comment is not None else None
    repost_of: str | None = None
    if comment is not None:
        original_mid = _original_mid(comment)
        repost_of = post_id(original_mid) if original_mid else None
        if original_mid is None:
            extra["original_deleted"] = True
    act = _outside(_all(card, "div", "card-act"), comment)
    post = Post(
        id=post_id(mid),
        source="weibo",
        url=post_url(uid, mid, bid or None),
        text=text,
        created_at=parse_weibo_time(time_link.get_text(strip=True), fetched_at),
        fetched_at=fetched_at,
        author=author,
        metrics=_metrics(act) if act is not None else Metrics(),
        repost_of=repost_of,
        extra=extra,
    )
    return [post, original] if original is not None else [post]


def _card_mid(card: Tag) -> str:
    mid = str(card.get("mid") or "")
    if not mid:
        match = _MID_IN_ACTION_DATA.search(str(card.get("action-data") or "").replace("&amp;", "&"))
        mid = match.group(1) if match else ""
    if not mid.isdigit():
        raise ValueError(f"card without a numeric mid ({mid!r})")
    return mid


def _matcher(
    name: str | tuple[str, ...] | None, css_class: str | None, attrs: tuple[tuple[str, str | None], ...]
) -> Callable[[Tag], bool]:
    """A find_all predicate: tag name(s), one class, attributes (value None = present). Much faster than CSS."""
    names = (name,) if isinstance(name, str) else name

    def matches(tag: Tag) -> bool:
        if names is not None and tag.name not in names:
            return False
        if css_class is not None and css_class not in (tag.get("class") or ()):
            return False
        for key, value in attrs:
            found = tag.get(key)
            if found is None or (value is not None and found != value):
                return False
        return True

    return matches


def _all(
    root: Tag, name: str | tuple[str, ...] | None, css_class: str | None = None, *attrs: tuple[str, str | None]
) -> list[Tag]:
    return list(root.find_all(_matcher(name, css_class, attrs)))


def _first(
    root: Tag, name: str | tuple[str, ...] | None, css_class: str | None = None, *attrs: tuple[str, str | None]
) -> Tag | None:
    found = root.find(_matcher(name, css_class, attrs))
    return found if isinstance(found, Tag) else None


def _outside(candidates: list[Tag], container: Tag | None) -> Tag | None:
    """First candidate that is not inside `container` (the quoted original of a repost)."""
    for candidate in candidates:
        if container is None or container not in candidate.parents:
            return candidate
    return None


def _uid(href: str) -> str:
    match = _USER_HREF.search(href)
    return match.group(1) if match else ""


def _uid_bid(href: str) -> tuple[str, str]:
    match = _POST_HREF.search(href)
    return (match.group(1), match.group(2)) if match else ("", "")


def _text_and_place(node: Tag) -> tuple[str, str | None]:
    """Visible text without the fold links; a location link (<i class="wbicon">2</i>place) becomes a field."""
    parts: list[str] = []
    places: list[str] = []
    _collect_text(node, parts, places)
    text = clean_text("".join(parts))
    for word in _FOLD_WORDS:
        text = text.removesuffix(word).rstrip()
    return text, places[0] if places else None


def _collect_text(node: Tag, parts: list[str], places: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Tag):
            if child.get("action-type") in ("fl_unfold", "fl_fold") or _is_icon(child):
                continue
            if child.name == "a" and any(
                _is_icon(inner) and inner.get_text(strip=True) == "2" for inner in child.find_all("i")
            ):
                place = clean_text("".join(str(text) for text in child.find_all(string=True, recursive=False)))
                if place:
                    places.append(place)
                continue
            _collect_text(child, parts, places)
        elif isinstance(child, NavigableString) and not isinstance(child, Comment):
            parts.append(str(child))


def _is_icon(tag: Tag) -> bool:
    return tag.name == "i" and "wbicon" in (tag.get("class") or [])


def _has_unfold(card: Tag, comment: Tag | None) -> bool:
    return _outside(_all(card, "a", None, ("action-type", "fl_unfold")), comment) is not None


def _second_link_text(from_block: Tag) -> str:
    links = from_block.find_all("a")
    return clean_text(links[1].get_text()) if len(links) > 1 else ""


def _verified_mark(card: Tag, comment: Tag | None) -> str | None:
    avatar = _outside(_all(card, "div", "avator"), comment)
    if avatar is None:
        return None
    for svg in avatar.find_all("svg"):
        mark = str(svg.get("id") or "").removeprefix("woo_svg_")
        if mark in _VERIFIED_TYPES:
            return mark
    return None


def _metrics(act: Tag) -> Metrics:
    def count(action: str) -> int:
        link = _first(act, "a", None, ("action-type", action))
        if link is None:
            return 0
        if action.endswith("like"):
            like = _first(link, "span", "woo-like-count") or _first(link, "em")
            if like is None:
                button = _first(link, "button")
                spans = button.find_all("span") if button is not None else []
                like = spans[-1] if spans else None
            return parse_count(like.get_text(strip=True)) if like is not None else parse_count(link.get_text())
        return parse_count(link.get_text(strip=True))

    return Metrics(
        reposts=count("feed_list_forward"),
        comments=count("feed_list_comment"),
        likes=count("feed_list_like"),
    )


def _original_mid(comment: Tag) -> str | None:
    like = _first(comment, "a", None, ("action-type", "feed_list_like"), ("action-data", None))
    if like is not None:
        match = _MID_IN_ACTION_DATA.search(str(like.get("action-data")).replace("&amp;", "&"))
        if match:
            return match.group(1)
    from_block = _first(comment, ("div", "p"), "from")
    link = from_block.find("a") if from_block is not None else None
    if isinstance(link, Tag):
        _uid_part, bid = _uid_bid(str(link.get("href") or ""))
        if bid:
            return bid_to_mid(bid)
    return None


def _parse_original(comment: Tag, fetched_at: datetime, keyword: str | None) -> Post | None:
    """The quoted original as its own Post, when its author, text and time are on the card."""
    forward = _first(comment, "div", None, ("node-type", "feed_list_forwardContent"))
    author_link = _first(forward, "a", None, ("nick-name", None)) if forward is not None else None
    from_block = _first(comment, ("div", "p"), "from")
    time_link = from_block.find("a") if from_block is not None else None
    mid = _original_mid(comment)
    if author_link is None or not isinstance(time_link, Tag) or mid is None or from_block is None:
        return None
    uid, bid = _uid_bid(str(time_link.get("href") or ""))
    uid = uid or _uid(str(author_link.get("href") or ""))
    text_node = _first(comment, "p", None, ("node-type", "feed_list_content_full")) or _first(comment, "p", "txt")
    if not uid or text_node is None:
        return None
    text, place = _text_and_place(text_node)
    extra: dict[str, Any] = {"bid": bid or None, "surface": "s.weibo.com", "from_repost_card": True}
    if place:
        extra["location"] = place
    if keyword:
        extra["keyword"] = keyword
    source_app = _second_link_text(from_block)
    if source_app:
        extra["source_app"] = source_app
    return Post(
        id=post_id(mid),
        source="weibo",
        url=post_url(uid, mid, bid or None),
        text=text,
        created_at=parse_weibo_time(time_link.get_text(strip=True), fetched_at),
        fetched_at=fetched_at,
        author=Author(
            id=uid, name=str(author_link.get("nick-name") or author_link.get_text(strip=True)), followers=None
        ),
        metrics=_original_metrics(comment),
        extra=extra,
    )


def _original_metrics(comment: Tag) -> Metrics:
    act = _first(comment, "ul", "act")
    items = act.find_all("li") if act is not None else []
    reposts = parse_count(items[0].get_text(strip=True)) if len(items) > 0 else 0
    comments = parse_count(items[1].get_text(strip=True)) if len(items) > 1 else 0
    like_link = _first(comment, "a", None, ("action-type", "feed_list_like"))
    like = _first(comment, "span", "woo-like-count") or (_first(like_link, "em") if like_link else None)
    likes = parse_count(like.get_text(strip=True)) if like is not None else 0
    if like is None and len(items) > 2:
        likes = parse_count(items[2].get_text(strip=True))
    return Metrics(reposts=reposts, comments=comments, likes=likes)
