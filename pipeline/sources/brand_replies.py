"""Does the brand answer? Official replies under complaint posts, kept as one `response` record per complaint.

A reply is a comment or inline reply by one of the brand's official accounts, a repost of the complaint by one
with words of its own (a bare "转发微博" is not an answer), or a post by one that @-mentions the complaint's
author. `collect_responses` reads the comments (and reposts) of the complaints worth it, most severe and least
recently checked first, within a time budget, and merges what it finds into the stored record: earlier
replies are kept and the first reply time never moves later. A block stops the run (what was stored stays);
a format change skips that complaint. The record's shape is in docs/data-contracts.md ("Response records").
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Final, Literal

from pipeline.config import BrandConfig, OfficialAccount
from pipeline.exceptions import BudgetExhausted, ParseError, SourceError
from pipeline.models import Post, format_time
from pipeline.normalise import split_text
from pipeline.sources.blocking import error_kind, is_block
from pipeline.sources.weibo_comments import Comment, CommentThread
from pipeline.sources.weibo_ids import mid_of
from pipeline.store.records import RecordStore, update_record

logger = logging.getLogger(__name__)

ReplyKind = Literal["comment", "inline_reply", "repost", "mention"]
FetchComments = Callable[[str, float], CommentThread]  # (post id, seconds left) -> thread
FetchReposts = Callable[[str], Iterable[Post]]  # post id -> its reposts
RESPONSE_KIND: Final = "response"
MAX_REPLIES = 10  # kept per record, earliest first: the first answer is what the measures need
MAX_REPLY_TEXT = 500
_BARE_REPOST = ("", "转发微博", "Repost")


@dataclass(frozen=True, slots=True)
class OfficialReply:
    """One answer by one of the brand's accounts."""

    account_uid: str
    account_name: str
    kind: ReplyKind
    at: datetime
    text: str
    url: str

    def to_doc(self) -> dict[str, Any]:
        return {
            "account_uid": self.account_uid,
            "account_name": self.account_name,
            "kind": self.kind,
            "at": format_time(self.at),
            "text": self.text[:MAX_REPLY_TEXT],
            "url": self.url,
        }


def find_official_replies(
    comments: Iterable[Comment],
    reposts: Iterable[Post],
    accounts: Iterable[OfficialAccount],
    *,
    author_name: str = "",
    post_url: str = "",
) -> list[OfficialReply]:
    """The replies by `accounts` among a complaint's comments and reposts, oldest first.

    `author_name` is the complaint author's screen name (for @-mentions); `post_url` the complaint's link,
    which is where a comment can be seen. A comment by an account counts as a comment whatever it says;
    a post by one counts as a repost when it adds words of its own, else as a mention when its own words
    @ the author."""
    by_uid = {account.uid: account for account in accounts}
    replies: list[OfficialReply] = []
    for comment in comments:
        account = by_uid.get(comment.author_uid)
        if account is not None:
            kind: ReplyKind = "inline_reply" if comment.reply_to_uid is not None else "comment"
            replies.append(OfficialReply(account.uid, account.name, kind, comment.created_at, comment.text, post_url))
    for post in reposts:
        account = by_uid.get(post.author.id) if post.author is not None else None
        if account is None:
            continue
        own = split_text(post.text).own
        kind_of_post = _kind_of_post(post, own, author_name)
        if kind_of_post is not None:
            replies.append(OfficialReply(account.uid, account.name, kind_of_post, post.created_at, own, post.url))
    return sorted(replies, key=lambda reply: reply.at)


def _kind_of_post(post: Post, own: str, author_name: str) -> ReplyKind | None:
    mentions = split_text(own).mentions
    words = own
    for name in mentions:
        words = words.replace(f"@{name}", "")
    if post.repost_of is not None and words.strip() not in _BARE_REPOST:
        return "repost"
    if author_name and author_name in mentions:
        return "mention"
    return None


@dataclass
class ResponseSummary:
    """What one collection run did; `blocked` names the block that stopped it (empty: none)."""

    checked: int = 0  # complaints whose comments were read and whose record was written
    answered: int = 0  # of those, with at least one official reply on record
    partial: int = 0  # of those, with a comment list cut by a budget or a block
    left: int = 0  # worth checking but not reached: time budget spent, or stopped by a block
    skipped: Counter[str] = field(default_factory=Counter)  # not worth checking, by reason
    failed: Counter[str] = field(default_factory=Counter)  # complaints skipped after an error, by kind
    blocked: str = ""

    def __str__(self) -> str:
        parts = [f"checked={self.checked}", f"answered={self.answered}", f"partial={self.partial}"]
        parts.append(f"left={self.left}")
        if self.skipped:
            parts.append("skipped: " + ", ".join(f"{k}={v}" for k, v in sorted(self.skipped.items())))
        if self.failed:
            parts.append("failed: " + ", ".join(f"{k}={v}" for k, v in sorted(self.failed.items())))
        parts.append(f"blocked: {self.blocked or 'none'}")
        return " ".join(parts)


def collect_responses(
    complaints: list[Post],
    brand: BrandConfig,
    fetch_comments: FetchComments,
    fetch_reposts: FetchReposts | None,
    records: RecordStore,
    now: datetime,
    budget_s: float,
    *,
    min_severity: int = 0,
    monotonic: Callable[[], float] = time.monotonic,
) -> ResponseSummary:
    """Check the brand's complaints for official replies and store one `response` record per complaint.

    Worth checking: Weibo complaints about `brand` of at least `min_severity`, not written by the brand's own
    accounts, and not already answered by a complete check. `fetch_comments` is typically
    `WeiboCommentSource.fetch`, `fetch_reposts` `WeiboRepostTimelineSource.fetch` (None: comments only).
    `now` is the check time written to the records; `budget_s` bounds the whole run."""
    summary = ResponseSummary()
    if not brand.official_accounts:
        summary.skipped["no_official_accounts"] += len(complaints)
        logger.info("responses of %s: disabled: no official accounts in the watchlist", brand.name)
        return summary
    start = monotonic()
    queue = _worth_checking(complaints, brand, records, min_severity, summary)
    for position, post in enumerate(queue):
        remaining = budget_s - (monotonic() - start)
        if remaining <= 0:
            summary.left = len(queue) - position
            break
        try:
            thread = fetch_comments(post.id, remaining)
            stop = thread.stopped_by
            reposts: list[Post] = []
            if stop is None and fetch_reposts is not None:
                stop = _read_reposts(fetch_reposts, post.id, reposts)
        except ParseError as exc:
            logger.warning("responses: %s skipped: %s", post.id, exc)
            summary.failed["format_change"] += 1
            continue
        except SourceError as exc:
            if not _stops_the_run(exc):
                logger.warning("responses: %s skipped: %s", post.id, exc)
                summary.failed[error_kind(exc)] += 1
                continue
            thread, stop, reposts = CommentThread(post_id=post.id, complete=False, stopped_by=exc), exc, []
        complete = thread.complete and stop is None
        # A thread read to its end with nothing in it is a check too: no one, the brand included, has answered.
        if thread.pages or reposts or complete:
            doc = _check_doc(post, brand, thread, reposts, complete, now)
            stored = update_record(records, RESPONSE_KIND, post.id, partial(merge_response, new=doc))
            summary.checked += 1
            summary.partial += not complete
            summary.answered += bool(stored is not None and stored.doc["replies"])
        if stop is not None:
            summary.blocked = f"{error_kind(stop)}: {stop}"
            summary.left = len(queue) - position - 1
            logger.warning("responses of %s stopped after %s: %s", brand.name, post.id, stop)
            break
    logger.info("responses of %s: %s", brand.name, summary)
    return summary


def _worth_checking(
    complaints: list[Post], brand: BrandConfig, records: RecordStore, min_severity: int, summary: ResponseSummary
) -> list[Post]:
    """The complaints to check, most severe first, then never checked, then least recently checked."""
    own_uids = {account.uid for account in brand.official_accounts}
    last_checked: dict[str, datetime] = {}
    queue: list[Post] = []
    for post in complaints:
        reason = _not_worth_it(post, brand.name, own_uids, min_severity)
        if reason:
            summary.skipped[reason] += 1
            continue
        stored = records.get_record(RESPONSE_KIND, post.id)
        if stored is not None and stored.get("complete") and stored.get("replies"):
            summary.skipped["answered"] += 1
            continue
        if stored is not None and isinstance(stored.get("checked_at"), str):
            last_checked[post.id] = datetime.fromisoformat(stored["checked_at"])
        queue.append(post)

    def priority(post: Post) -> tuple[int, bool, float]:
        checked = last_checked.get(post.id)
        return (-_severity(post), checked is not None, checked.timestamp() if checked else 0.0)

    return sorted(queue, key=priority)


def _not_worth_it(post: Post, brand_name: str, own_uids: set[str], min_severity: int) -> str:
    if post.brand != brand_name:
        return "other_brand"
    if post.complaint is None or not post.complaint.is_complaint:
        return "not_a_complaint"
    if post.complaint.severity < min_severity:
        return "below_severity"
    if post.source != "weibo" or not post.id.startswith("weibo:"):
        return "not_weibo"
    if post.author is not None and post.author.id in own_uids:
        return "own_account"
    return ""


def _severity(post: Post) -> int:
    return post.complaint.severity if post.complaint is not None else 0


def _read_reposts(fetch_reposts: FetchReposts, post_id: str, into: list[Post]) -> SourceError | None:
    """Read the reposts into `into`; a block keeps those read and is returned, other errors raise."""
    try:
        for post in fetch_reposts(post_id):
            into.append(post)
    except SourceError as exc:
        if not _stops_the_run(exc):
            raise
        return exc
    return None


def _stops_the_run(exc: SourceError) -> bool:
    return is_block(exc) or isinstance(exc, BudgetExhausted)


def _check_doc(
    post: Post, brand: BrandConfig, thread: CommentThread, reposts: list[Post], complete: bool, now: datetime
) -> dict[str, Any]:
    """The record of this check alone (before merging with what is stored)."""
    url = post.url or f"https://m.weibo.cn/detail/{mid_of(post.id)}"
    author_name = post.author.name if post.author is not None else ""
    replies = find_official_replies(
        thread.comments, reposts, brand.official_accounts, author_name=author_name, post_url=url
    )
    return {
        "post_id": post.id,
        "brand": brand.name,
        "complaint_at": format_time(post.created_at),
        "severity": _severity(post),
        "category": post.complaint.category if post.complaint is not None else "none",
        "checked_at": format_time(now),
        "complete": complete,
        "comments_read": len(thread.comments),
        "first_reply_at": format_time(replies[0].at) if replies else None,
        "replies": [reply.to_doc() for reply in replies[:MAX_REPLIES]],
    }


def merge_response(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The stored record after a new check: the check's own fields from `new`, the replies of both (the
    earliest `MAX_REPLIES`), and the earliest first reply either has seen."""
    if old is None:
        return new
    replies: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for reply in [*old.get("replies", []), *new["replies"]]:
        replies.setdefault((reply["account_uid"], reply["kind"], reply["at"], reply["text"]), reply)
    ordered = sorted(replies.values(), key=lambda reply: datetime.fromisoformat(reply["at"]))
    firsts = [at for at in (old.get("first_reply_at"), new["first_reply_at"]) if at]
    first = min(firsts, key=datetime.fromisoformat) if firsts else None
    return {**new, "first_reply_at": first, "replies": ordered[:MAX_REPLIES]}
