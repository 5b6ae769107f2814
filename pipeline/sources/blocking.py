"""Classify every response (ok, end, login wall, captcha, rate limit, ...) before parsing, and decode it.

Order follows weibo.md §7: redirect target and HTTP status, then unmistakable block pages, then the
markers of a real page, and only for pages that are not real result pages the block keywords (a post
may well contain "验证码", a block page never carries the search page's markers).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from pipeline.exceptions import (
    AccountBanned,
    Blocked,
    BotShell,
    Captcha,
    LoginRequired,
    RateLimited,
    ServerError,
    SiteBusy,
    SourceError,
    Unparseable,
    VisitorWall,
)
from pipeline.sources.base import PageStatus, RawPage

RATE_LIMIT_HTTP = frozenset({403, 418, 429, 432})
_RATE_TEXTS = ("请求过于频繁", "操作过于频繁", "访问过于频繁")
_BANNED_TEXTS = ("帐号存在异常", "账号存在异常")
_CAPTCHA_TEXTS = ("content_accessdeny", "访问受限", "请输入验证码", "验证码", "安全验证")
_LOGIN_TEXTS = (
    "passport.weibo.com/sso/signin",
    "passport.weibo.cn/signin",
    "login.sina.com.cn",
    "weibo.com/login.php",
    "请先登录",
    "扫码登录",
    "新浪通行证",
    "微博通行证",
)
_SEARCH_PAGE_MARKERS = (
    "<title>微博搜索</title>",
    "$config['product'] = 'search'",
    'class="m-main-nav"',
    'id="pl_feedlist_index"',
    'action-type="feed_list_item"',
)
_NO_RESULT_MARKER = "card-no-result"
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def decode_body(body: bytes, content_type: str = "") -> str:
    """Decode with the declared charset, then GBK/GB18030: Weibo block pages are GBK while claiming utf-8."""
    declared = _CHARSET.search(content_type.encode("ascii", "ignore")) or _CHARSET.search(body[:2048])
    candidates = [declared.group(1).decode("ascii").lower()] if declared else []
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return body.decode(encoding)
        except LookupError:
            continue
        except UnicodeDecodeError as exc:
            # A page cut off mid-character is still in its declared encoding.
            if exc.start >= len(body) - 4:
                return body.decode(encoding, errors="replace")
    return body.decode("utf-8", errors="replace")


def classify_redirect(location: str) -> tuple[PageStatus, str] | None:
    """A 3xx is a signal, not a page: where does it send us?"""
    if not location:
        return None
    parts = urlsplit(location)
    target = f"{parts.netloc}{parts.path}".lower()
    if "visitor" in target:
        return PageStatus.VISITOR_WALL, f"redirect to {parts.netloc}{parts.path}"
    if any(word in target for word in ("passport", "login", "signin", "sso")):
        return PageStatus.LOGIN_REQUIRED, f"redirect to {parts.netloc}{parts.path}"
    return None


def classify_http_status(http_status: int) -> tuple[PageStatus, str] | None:
    if http_status in RATE_LIMIT_HTTP:
        return PageStatus.RATE_LIMITED, f"HTTP {http_status}"
    if http_status == 401:
        return PageStatus.LOGIN_REQUIRED, "HTTP 401"
    if http_status >= 500:
        return PageStatus.SERVER_ERROR, f"HTTP {http_status}"
    return None


def classify_block_text(text: str) -> tuple[PageStatus, str] | None:
    """Block pages recognised by their words (HTML that is not a real result page)."""
    if "wbBotDetector" in text:
        return PageStatus.BOT_SHELL, "wbBotDetector shell"
    if "Sina Visitor System" in text or "passport.weibo.com/visitor" in text:
        return PageStatus.VISITOR_WALL, "Sina Visitor System page"
    for marker in _BANNED_TEXTS:
        if marker in text:
            return PageStatus.ACCOUNT_BANNED, marker
    for marker in _RATE_TEXTS:
        if marker in text:
            return PageStatus.RATE_LIMITED, marker
    if "网络繁忙" in text:
        return PageStatus.BUSY, "网络繁忙"
    for marker in _CAPTCHA_TEXTS:
        if marker in text:
            return PageStatus.CAPTCHA, marker
    head = text[:2048]
    for marker in _LOGIN_TEXTS:
        if marker in head:
            return PageStatus.LOGIN_REQUIRED, marker
    return None


def classify_html(http_status: int, location: str, final_url: str, text: str) -> tuple[PageStatus, str]:
    """Status of an s.weibo.com result page."""
    early = _early_signals(http_status, location, final_url)
    if early:
        return early
    if "wbBotDetector" in text:
        return PageStatus.BOT_SHELL, "wbBotDetector shell"
    if "<title>Sina Visitor System</title>" in text:
        return PageStatus.VISITOR_WALL, "Sina Visitor System page"
    if any(marker in text for marker in _SEARCH_PAGE_MARKERS):
        if _NO_RESULT_MARKER in text and 'action-type="feed_list_item"' not in text:
            return PageStatus.NO_RESULTS, "no-result card"
        return PageStatus.OK, ""
    blocked = classify_block_text(text)
    if blocked:
        return blocked
    if http_status >= 400:
        return PageStatus.UNPARSEABLE, f"HTTP {http_status}"
    return PageStatus.UNPARSEABLE, "not a search result page (no search-page markers)"


def classify_json(http_status: int, location: str, final_url: str, text: str) -> tuple[PageStatus, str]:
    """Status of an m.weibo.cn API response (getIndex, extend, repostTimeline)."""
    early = _early_signals(http_status, location, final_url)
    if early:
        return early
    try:
        payload: Any = json.loads(text)
    except ValueError:
        blocked = classify_block_text(text)
        if blocked:
            return blocked
        return PageStatus.UNPARSEABLE, "response is not valid JSON"
    if not isinstance(payload, dict):
        return PageStatus.UNPARSEABLE, f"JSON {type(payload).__name__}, expected an object"
    return classify_api_payload(payload)


def classify_api_payload(payload: dict[str, Any]) -> tuple[PageStatus, str]:
    ok = payload.get("ok")
    message = str(payload.get("msg") or payload.get("error") or "")
    if any(marker in message for marker in _RATE_TEXTS) or str(payload.get("errno")) == "100005":
        return PageStatus.RATE_LIMITED, message or "errno 100005"
    if ok == -100 or payload.get("error_code") in (21301, "21301"):
        return PageStatus.LOGIN_REQUIRED, message or "ok:-100"
    if ok == 1 and isinstance(payload.get("data"), dict):
        return PageStatus.OK, ""
    if "url" in payload and "data" not in payload:
        return PageStatus.CAPTCHA, "verification URL without data"
    if ok == 1:
        # Every m.weibo.cn API we call answers inside `data`; without it this is not an empty result.
        return PageStatus.UNPARSEABLE, "format change: ok:1 without a data object"
    if ok == 0:
        return PageStatus.END, message or "ok:0"
    return PageStatus.UNPARSEABLE, f"unexpected ok value {ok!r}"


def _early_signals(http_status: int, location: str, final_url: str) -> tuple[PageStatus, str] | None:
    if 300 <= http_status < 400:
        return classify_redirect(location) or (PageStatus.UNPARSEABLE, f"unexpected redirect to {location}")
    by_status = classify_http_status(http_status)
    if by_status:
        return by_status
    return classify_redirect(final_url) if urlsplit(final_url).netloc.startswith("passport") else None


_EXCEPTIONS: dict[PageStatus, type[SourceError]] = {
    PageStatus.LOGIN_REQUIRED: LoginRequired,
    PageStatus.VISITOR_WALL: VisitorWall,
    PageStatus.CAPTCHA: Captcha,
    PageStatus.BOT_SHELL: BotShell,
    PageStatus.ACCOUNT_BANNED: AccountBanned,
    PageStatus.RATE_LIMITED: RateLimited,
    PageStatus.BUSY: SiteBusy,
    PageStatus.SERVER_ERROR: ServerError,
    PageStatus.UNPARSEABLE: Unparseable,
}


def raise_for_page(page: RawPage) -> None:
    """Turn an unusable page into the matching exception; usable pages pass."""
    if page.status.is_usable:
        return
    error = _EXCEPTIONS[page.status]
    detail = f": {page.reason}" if page.reason else ""
    raise error(f"{page.status.value} at {host_path(page.url)}{detail}")


def format_change(page: RawPage, problem: str) -> Unparseable:
    """The error for a page that classified as usable but lacks what its parser needs."""
    return Unparseable(f"{PageStatus.UNPARSEABLE.value} at {host_path(page.url)}: format change: {problem}")


def host_path(url: str) -> str:
    """URL without scheme and query: for logs and errors, since a query can carry keywords or tokens."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def error_kind(exc: SourceError) -> str:
    """The summary key for a source failure ("login_required", "rate_limited", "server_error", ...)."""
    return str(getattr(exc, "kind", "") or type(exc).__name__)


def is_block(exc: SourceError) -> bool:
    """Blocks (and rate limits) stop the source with backoff; other failures are reported as failed."""
    return isinstance(exc, Blocked | RateLimited)
