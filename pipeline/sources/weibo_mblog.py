"""m.weibo.cn `mblog` objects -> Posts (weibo.md §3.3-3.4), shared by the search and repost sources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.models import Author, Metrics, Post
from pipeline.sources.weibo_fields import html_to_text, parse_count, parse_follower_count, strip_full_text_link
from pipeline.sources.weibo_ids import mid_to_bid, post_id, post_url
from pipeline.sources.weibo_time import parse_weibo_time


def mblog_mid(mblog: dict[str, Any]) -> str:
    mid = str(mblog.get("mid") or mblog.get("id") or mblog.get("idstr") or "")
    if not mid.isdigit():
        raise ValueError(f"mblog without a numeric id ({mid!r})")
    return mid


def mblog_to_post(
    mblog: dict[str, Any],
    fetched_at: datetime,
    *,
    long_text: str | None = None,
    repost_of: str | None = None,
    keyword: str | None = None,
) -> Post:
    """One mblog as a Post; raises ValueError/TypeError/KeyError when a required field is missing."""
    mid = mblog_mid(mblog)
    user = mblog.get("user")
    if not isinstance(user, dict) or user.get("id") in (None, ""):
        raise ValueError(f"mblog {mid} has no user (deleted or hidden)")
    uid = str(user["id"])
    created = mblog.get("created_at")
    if not isinstance(created, str):
        raise ValueError(f"mblog {mid} has no created_at")
    bid = str(mblog.get("bid") or mblog.get("mblogid") or "") or mid_to_bid(mid)
    raw_text = mblog.get("text_raw") or mblog.get("raw_text")
    truncated = bool(mblog.get("isLongText")) and long_text is None
    if long_text is not None:
        text = html_to_text(long_text)
    elif isinstance(raw_text, str) and raw_text:
        text = raw_text.strip()
    else:
        text = html_to_text(str(mblog.get("text") or ""))
    if truncated:
        text = strip_full_text_link(text)
    extra: dict[str, Any] = {"bid": bid, "surface": "m.weibo.cn", "text_complete": not truncated}
    region = str(mblog.get("region_name") or "").removeprefix("发布于").strip()
    if region:
        extra["region"] = region
    source_app = html_to_text(str(mblog.get("source") or ""))
    if source_app:
        extra["source_app"] = source_app
    if keyword:
        extra["keyword"] = keyword
    retweeted = mblog.get("retweeted_status")
    if repost_of is None and isinstance(retweeted, dict):
        try:
            repost_of = post_id(mblog_mid(retweeted))
        except ValueError:
            extra["original_deleted"] = True
    verified_type = user.get("verified_type", -1)
    return Post(
        id=post_id(mid),
        source="weibo",
        url=post_url(uid, mid, bid),
        text=text,
        created_at=parse_weibo_time(created, fetched_at),
        fetched_at=fetched_at,
        author=Author(
            id=uid,
            name=str(user.get("screen_name") or ""),
            followers=parse_follower_count(user.get("followers_count")),
            verified=bool(user.get("verified", False)),
            verified_type=int(verified_type) if isinstance(verified_type, int | str) else -1,
        ),
        metrics=Metrics(
            reposts=parse_count(mblog.get("reposts_count")),
            comments=parse_count(mblog.get("comments_count")),
            likes=parse_count(mblog.get("attitudes_count")),
        ),
        repost_of=repost_of,
        extra=extra,
    )
