"""Text from strangers made inert for each output syntax, and the only URLs an alert or a report may link to.

Post text, author names, post ids and URLs are written by whoever posted; they reach pages through alert
notifications and the daily briefing. Every such field goes through one function here before it is written:
`plain_text`, `html_text`, `markdown_text` (DingTalk, WeCom, Feishu) or `slack_text`, and a link is written
only when `LinkPolicy.target` accepts its URL. Each of them, in order:

1. keeps the field on one line and drops control, bidirectional-override and zero-width characters (a newline
   could forge a line of the message; an escape sequence could add a terminal hyperlink);
2. neutralises mass mentions (`disarm`): the `@` of `@所有人`, `@全体成员`, `@all`, `@channel`, `@here`, `@everyone`
   becomes the full-width `＠`, and the `<` of Slack's `<!channel>`/`<@U…>` and Feishu's `<at …>` becomes
   `＜`. Full-width look-alikes rather than zero-width joiners: they stay visible, so a reader sees the text
   was altered, and no client or sanitiser strips them (stripping a zero-width joiner would re-arm the mention);
3. defangs URLs and host names on hosts that may not be linked (`https[:]//phish[.]example/`), since chat
   clients and mail readers turn anything that looks like a URL or a domain into a link by themselves;
4. escapes what the output syntax would read as markup.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from pipeline.config import MastodonSettings

if TYPE_CHECKING:
    from pipeline.config import Settings

WEIBO_HOSTS = ("weibo.com", "weibo.cn", "t.cn")
LINK_SCHEMES = ("http", "https")
# Characters left as they are in a link target: URL delimiters and `%` (so existing escapes are not doubled).
# Everything else outside [A-Za-z0-9_.~-] is percent-encoded, notably ( ) [ ] < > " ' \ ` and spaces, which
# could end a markdown link or an HTML attribute early, `*`, which Slack would read as bold, and `@`, so that
# a path like Mastodon's `/@here/1` cannot read as a mention (a target never has credentials before its host).
_URL_SAFE = "/:?#!$&+,;=%"
_HOST_NAME = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")

# `@allen` is a user name; `@all_` or `@all!` is treated as the mass mention (escaping could separate the two).
_MASS_MENTION = re.compile(r"@(?=所有人|全体成员|(?:all|channel|here|everyone)(?![A-Za-z0-9]))", re.IGNORECASE)
_MENTION_TAG = re.compile(r"<(?=[!@]|\s*at[\s>/])", re.IGNORECASE)  # Slack <!here> <@U1>, Feishu <at ...>
# Dropped as well: bidirectional overrides (they can make text display as something else) and invisible
# characters that could split a mention past the check above and be stripped by the client afterwards.
_DROPPED = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u2060\ufeff")

# An http(s) URL that may stay as it is when the link policy allows its target. It ends before Slack's
# formatting marks too: Slack shows them as look-alikes, after which a client could link what follows on its own
# (`https://weibo.com/x*phish.example`).
# (Spelled case by case, not with IGNORECASE: that would fold `i` into the non-ASCII range and cut every URL.)
# It also ends at brackets, parentheses and braces, which markdown and chat syntax give a meaning of their own.
_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[^\s<>\"'`*_~()\[\]{}|\\^\x80-\U0010ffff]*")
# Everywhere else, what a chat client or mail reader would turn into a link by itself: a scheme separator, a dot
# between a host character and a letter (`phish.example`, `www.evil.comhttps`), the dots of an IPv4 address.
_HOST_DOT = re.compile(r"(?<=[A-Za-z0-9-])\.(?=[A-Za-z])")
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")

# Markdown metacharacters in a stranger's text become full-width look-alikes rather than backslash escapes:
# the chat robots render a subset of markdown and do not all honour backslashes (a visible `\-` in every id
# would be the price), while ［］（）＊ read naturally beside Chinese text and are markup in no renderer.
# `-`, `+` and `.` are left alone: they are markup only at the start of a line (a list item), which cannot
# link, mention or hide anything.
_MARKDOWN = str.maketrans(
    {
        "\\": "\uff3c",
        "`": "\uff40",
        "*": "\uff0a",
        "_": "\uff3f",
        "[": "\uff3b",
        "]": "\uff3d",
        "(": "\uff08",
        ")": "\uff09",
        "#": "\uff03",
        "|": "\uff5c",
        ">": "\uff1e",
        "<": "\uff1c",
        "~": "\uff5e",
        "!": "\uff01",
        "&": "\uff06",
    }
)
# Slack reads only &amp; &lt; &gt; as escapes and has no escape for *bold* _italic_ ~strike~ `code`: those
# marks become look-alike characters (asterisk operator, modifier low macron, tilde operator, grave accent).
_SLACK = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
)


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """Hosts whose http(s) URLs may be written as links. A host covers its subdomains too, since whoever
    controls a domain controls its subdomains."""

    hosts: frozenset[str]

    @classmethod
    def of(cls, hosts: Iterable[str]) -> LinkPolicy:
        return cls(frozenset(host.strip().lower().rstrip(".") for host in hosts if host.strip()))

    @classmethod
    def for_instance(cls, mastodon_instance: str) -> LinkPolicy:
        """Weibo's hosts and the host of the Mastodon instance posts are collected from."""
        return cls.of([*WEIBO_HOSTS, urlsplit(mastodon_instance).hostname or ""])

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkPolicy:
        return cls.for_instance(settings.mastodon.instance)

    def allows_host(self, host: str | None) -> bool:
        if not host:
            return False
        host = host.lower().rstrip(".")
        return any(host == allowed or host.endswith("." + allowed) for allowed in self.hosts)

    def target(self, url: str) -> str | None:
        """`url` ready to be written as a link target, or None when it may not be linked: not http(s), a host
        not allowed, credentials before the host (`https://weibo.com@phish.example/`) or unparseable."""
        try:
            parts = urlsplit(url.strip())
            host, _port = parts.hostname, parts.port  # .port raises ValueError on a malformed port
        except ValueError:
            return None
        if parts.scheme not in LINK_SCHEMES or parts.username is not None or parts.password is not None:
            return None
        if host is None or not _HOST_NAME.fullmatch(host) or not self.allows_host(host):
            return None
        # Rebuilt from the parsed parts, so that characters urlsplit ignored (tabs, leading controls) are gone.
        return quote(parts.geturl(), safe=_URL_SAFE)


# Without settings (a notification rendered by itself), the default Mastodon instance stands in for the
# configured one.
DEFAULT_LINKS = LinkPolicy.for_instance(MastodonSettings().instance)


def neutralise_mentions(text: str) -> str:
    return _MENTION_TAG.sub("\uff1c", _MASS_MENTION.sub("\uff20", text))


def disarm(text: str) -> str:
    """Mass mentions neutralised; control, bidirectional-override and zero-width characters dropped; line
    breaks and tabs kept. Safe to apply to a whole message: the system's own words never contain either."""
    kept = "".join(
        char for char in text if char in "\n\t" or (unicodedata.category(char) != "Cc" and char not in _DROPPED)
    )
    return neutralise_mentions(kept)


def defang(text: str, links: LinkPolicy = DEFAULT_LINKS) -> str:
    """Everything a client could link, except URLs the policy allows, written so that no client links it:
    `https[:]//phish[.]example/refund`, `phish[.]example`, `10[.]0[.]0[.]1`. Deliberately blunt: a dot is
    defanged wherever it joins a word to a letter (`Node[.]js`), so that no way of gluing text to a host
    (`0www.evil.comhttps://…`) leaves one linkable."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        token = match.group()
        # A second URL inside this one (`https://weibo.com/xhttps://phish.example/`) is defanged with it.
        if token.count("://") == 1 and links.target(token) is not None:
            parts += [_defang_all(text[last : match.start()]), token]
            last = match.end()
    parts.append(_defang_all(text[last:]))
    return "".join(parts)


def _defang_all(text: str) -> str:
    text = _HOST_DOT.sub("[.]", text.replace("://", "[:]//"))
    return _IPV4.sub(lambda match: match.group().replace(".", "[.]"), text)


def plain_text(value: str, links: LinkPolicy = DEFAULT_LINKS) -> str:
    """One field from a stranger as one line of inert plain text."""
    return defang(" ".join(disarm(value).split()), links)


def html_text(value: str, links: LinkPolicy = DEFAULT_LINKS) -> str:
    return html.escape(plain_text(value, links), quote=True)


def escape_markdown(text: str) -> str:
    """Every markdown metacharacter (and `<`, which could start an HTML tag) as its full-width look-alike."""
    return text.translate(_MARKDOWN)


def markdown_text(value: str, links: LinkPolicy = DEFAULT_LINKS) -> str:
    """One field from a stranger for DingTalk, WeCom or Feishu markdown."""
    return escape_markdown(plain_text(value, links))


def escape_slack(text: str) -> str:
    """Slack mrkdwn: `&`, `<` and `>` as the entities Slack documents, formatting marks as look-alikes."""
    return text.translate(_SLACK)


def slack_text(value: str, links: LinkPolicy = DEFAULT_LINKS) -> str:
    return escape_slack(plain_text(value, links))


def disarm_document(value: Any, links: LinkPolicy | None = None) -> Any:
    """`disarm` applied to every string of a JSON-like document (dicts, lists, scalars); with `links`, every
    string is defanged as well."""
    if isinstance(value, str):
        return defang(disarm(value), links) if links is not None else disarm(value)
    if isinstance(value, dict):
        return {key: disarm_document(item, links) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [disarm_document(item, links) for item in value]
    return value


def spreadsheet_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: mentions disarmed, and text that starts like a formula (= + - @,
    a tab or a carriage return) gets a leading apostrophe."""
    if not isinstance(value, str):
        return value
    value = disarm(value)
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value
