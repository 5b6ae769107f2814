"""Weibo created-time formats (weibo.md §5.3), resolved against the fetch time in Asia/Shanghai.

Card times: 刚刚, N秒前, N分钟前, N小时前, 今天 HH:MM, 昨天 HH:MM, MM月DD日 HH:MM, YYYY年MM月DD日 HH:MM;
older m.weibo.cn forms MM-DD and YYYY-MM-DD (HH:MM); the API form "Sat Nov 22 10:00:00 +0800 2025".
A year-less date later than the fetch time belongs to the previous year (fetched on 1 January,
"12月31日 23:50" is last year's).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pipeline.models import SHANGHAI

_RELATIVE = re.compile(r"^(\d+)\s*(秒|分钟|小时)前$")
_TODAY = re.compile(r"^今天\s*(\d{1,2}):(\d{2})$")
_YESTERDAY = re.compile(r"^昨天\s*(\d{1,2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2}):(\d{2}))?$")
_FULL_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2}):(\d{2}))?$")
_DASH_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")
_DASH_FULL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_API_FORMAT = "%a %b %d %H:%M:%S %z %Y"
_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours"}


def parse_weibo_time(shown: str, fetched_at: datetime) -> datetime:
    """Resolve a displayed or API time; raises `ValueError` naming the text when it is no known format."""
    text = re.sub(r"\s+", " ", shown.replace("\u200b", "")).strip()
    fetched = fetched_at.astimezone(SHANGHAI)
    if text == "刚刚":
        return fetched.replace(microsecond=0)
    if match := _RELATIVE.match(text):
        delta = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return (fetched - delta).replace(microsecond=0)
    if match := _TODAY.match(text):
        return _at(fetched.year, fetched.month, fetched.day, match.group(1), match.group(2))
    if match := _YESTERDAY.match(text):
        yesterday = fetched - timedelta(days=1)
        return _at(yesterday.year, yesterday.month, yesterday.day, match.group(1), match.group(2))
    if match := _FULL_DATE.match(text):
        year, month, day, hour, minute = match.groups()
        return _at(int(year), int(month), int(day), hour, minute)
    if match := _DASH_FULL.match(text):
        year, month, day, hour, minute, second = match.groups()
        return _at(int(year), int(month), int(day), hour, minute, second)
    if match := _MONTH_DAY.match(text) or _DASH_MONTH_DAY.match(text):
        month, day, hour, minute = match.groups()
        resolved = _at(fetched.year, int(month), int(day), hour, minute)
        # A year-less date cannot be in the future: across New Year it is last year's.
        if resolved > fetched + timedelta(days=1):
            resolved = _at(fetched.year - 1, int(month), int(day), hour, minute)
        return resolved
    try:
        return datetime.strptime(text, _API_FORMAT).astimezone(SHANGHAI)
    except ValueError:
        pass
    raise ValueError(f"unknown Weibo time format: {shown!r}")


def _at(year: int, month: int, day: int, hour: str | None, minute: str | None, second: str | None = None) -> datetime:
    return datetime(year, month, day, int(hour or 0), int(minute or 0), int(second or 0), tzinfo=SHANGHAI)
