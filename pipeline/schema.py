"""The post contract as a pydantic schema: which types and ranges a JSON Lines record may hold.

`Post.from_dict` validates every record with `validate_post_record` before it builds the dataclasses of
`pipeline.models`, so the rules live in one declarative place and run in pydantic-core. Problems come back as
`InvalidRecord` whose message starts with the field path ("metrics.likes is not a finite number: inf").
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal, Required, get_args

from pydantic import ConfigDict, Field, PlainValidator, TypeAdapter, ValidationError, with_config
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict  # pydantic refuses typing.TypedDict before Python 3.12

from pipeline.exceptions import InvalidRecord

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

# Counts above 2**53-1 cannot round-trip through JSON consumers that use doubles (Elasticsearch, Kibana,
# JavaScript), and SQLite integers end at 2**63-1: no real repost or follower count comes near either.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 64  # objects and arrays inside each other, the record itself being level 1
MAX_ID_LENGTH = 128  # ids become Elasticsearch _id values, which may not exceed 512 bytes
MAX_TEXT_LENGTH = 1 << 20  # a line is at most 1 MiB, so no string in it can be longer
FIRST_YEAR, LAST_YEAR = 2000, 2099  # times from 2000-01-01 up to, not including, 2100-01-01

SentimentLabel = Literal["negative", "neutral", "positive"]
Category = Literal["quality", "safety", "delivery", "service", "price", "integrity", "privacy", "other", "none"]
CATEGORIES: tuple[str, ...] = get_args(Category)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_time(value: object, what: str = "time") -> datetime:
    """Parse an ISO 8601 timestamp; a naive one is taken as Asia/Shanghai (Weibo's own zone)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidRecord(f"{what} is not an ISO 8601 time: {value!r}") from exc
    else:
        raise InvalidRecord(f"{what} is not an ISO 8601 time: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def _record_time(value: object) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)  # Python 3.11+ reads "Z" and the basic format too
        except ValueError:
            raise PydanticCustomError("iso_time", "is not an ISO 8601 time") from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise PydanticCustomError("iso_time", "is not an ISO 8601 time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    # The calendar year as written, not the instant in UTC: the test is exact at the written offset, cannot
    # overflow (9999-12-31 at UTC-23:00 has no UTC equivalent) and costs a tenth of an aware comparison.
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise PydanticCustomError("time_range", "is outside 2000-01-01 to 2100-01-01")
    return moment


def _count_fallback(value: object, low: int, high: int) -> int:
    """Whatever the fast strict-int branch refused: 12.0 is accepted as 12 (JSON has a single number type),
    everything else gets a precise reason."""
    if type(value) is float:
        if not math.isfinite(value):
            raise PydanticCustomError("not_finite", "is not a finite number")
        if not value.is_integer():
            raise PydanticCustomError("not_whole", "is not a whole number")
        value = int(value)
    if type(value) is not int:  # `type`, not isinstance: true and false are not numbers
        raise PydanticCustomError("not_integer", "is not an integer")
    if value < low:
        raise PydanticCustomError("too_small", "is negative" if low == 0 else f"is below {low}")
    if value > high:
        limit = "2**53-1" if high == MAX_SAFE_INTEGER else str(high)
        raise PydanticCustomError("too_large", f"is above {limit}")
    return value


def _count(value: object) -> int:
    return _count_fallback(value, 0, MAX_SAFE_INTEGER)


def _signed_count(value: object) -> int:
    return _count_fallback(value, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)


def _severity(value: object) -> int:
    return _count_fallback(value, 0, 3)


def _identifier(value: object) -> str:
    """Whatever the fast strict-str branch refused: an integer id becomes its decimal string."""
    identifier = _optional_identifier(value)
    if identifier is None:
        raise PydanticCustomError("id_empty", "is empty")
    return identifier


def _optional_identifier(value: object) -> str | None:
    if value == "":
        return None  # an empty repost_of or author id means none, as it always has
    if type(value) is int:  # `type`, not isinstance: true and false are not ids
        if value < 0:
            raise PydanticCustomError("id_negative", "is negative")
        value = str(value)
    if not isinstance(value, str):
        raise PydanticCustomError("id_type", "is not a string or an integer")
    if len(value) > MAX_ID_LENGTH:
        raise PydanticCustomError("id_too_long", f"is longer than {MAX_ID_LENGTH} characters")
    if _LONE_SURROGATE.search(value):
        raise PydanticCustomError("lone_surrogate", "contains a lone surrogate (not valid Unicode)")
    return value


# Numbers and ids are unions tried left to right: the strict pydantic-core branch takes the common case
# without calling Python, and only what it refuses reaches the Python fallback, which accepts 12.0 or an
# integer id, or says precisely what is wrong.
_FAST_FIRST = Field(union_mode="left_to_right")
_FastId = Annotated[str, Field(strict=True, min_length=1, max_length=MAX_ID_LENGTH)]
Count = Annotated[
    Annotated[int, Field(strict=True, ge=0, le=MAX_SAFE_INTEGER)] | Annotated[int, PlainValidator(_count)],
    _FAST_FIRST,
]
SignedCount = Annotated[
    Annotated[int, Field(strict=True, ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
    | Annotated[int, PlainValidator(_signed_count)],
    _FAST_FIRST,
]
Severity = Annotated[
    Annotated[int, Field(strict=True, ge=0, le=3)] | Annotated[int, PlainValidator(_severity)], _FAST_FIRST
]
Identifier = Annotated[_FastId | Annotated[str, PlainValidator(_identifier)], _FAST_FIRST]
OptionalIdentifier = (
    Annotated[_FastId | Annotated[str | None, PlainValidator(_optional_identifier)], _FAST_FIRST] | None
)
Probability = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
StrictBool = Annotated[bool, Field(strict=True)]
# A length bound makes pydantic-core read the string as UTF-8, which is what refuses lone surrogates.
Text = Annotated[str, Field(strict=True, max_length=MAX_TEXT_LENGTH)]
Time = Annotated[datetime, PlainValidator(_record_time)]

_CONFIG = ConfigDict(extra="ignore")


@with_config(_CONFIG)
class AuthorRecord(TypedDict, total=False):
    id: OptionalIdentifier
    name: Text | None
    followers: Count | None
    verified: StrictBool | None
    verified_type: SignedCount | None


@with_config(_CONFIG)
class MetricsRecord(TypedDict, total=False):
    reposts: Count | None
    comments: Count | None
    likes: Count | None


@with_config(_CONFIG)
class SentimentRecord(TypedDict, total=False):
    label: Required[SentimentLabel]
    score: Probability


@with_config(_CONFIG)
class ComplaintRecord(TypedDict, total=False):
    is_complaint: StrictBool
    probability: Probability
    severity: Severity
    category: Category


@with_config(_CONFIG)
class PostRecord(TypedDict, total=False):
    """The known keys of a post record (unknown ones are `Post.extra`). `id`, `text`, `created_at` are
    required; every other key may be absent or null."""

    id: Required[Identifier]
    text: Required[Annotated[str, Field(strict=True, min_length=1, max_length=MAX_TEXT_LENGTH)]]
    created_at: Required[Time]
    source: Annotated[str, Field(strict=True, max_length=64)] | None
    url: Text | None
    fetched_at: Time | None
    author: AuthorRecord | None
    metrics: MetricsRecord | None
    repost_of: OptionalIdentifier
    brand: Text | None
    sentiment: SentimentRecord | None
    complaint: ComplaintRecord | None


KNOWN_KEYS = frozenset(PostRecord.__annotations__)
_FIELD_NAMES = KNOWN_KEYS | {
    name for part in (AuthorRecord, MetricsRecord, SentimentRecord, ComplaintRecord) for name in part.__annotations__
}
POST_SCHEMA: TypeAdapter[PostRecord] = TypeAdapter(PostRecord)
_POST_VALIDATOR = POST_SCHEMA.validator  # called directly: TypeAdapter's Python wrapper costs ~1 µs a record
AUTHOR_SCHEMA: TypeAdapter[AuthorRecord] = TypeAdapter(AuthorRecord)
METRICS_SCHEMA: TypeAdapter[MetricsRecord] = TypeAdapter(MetricsRecord)
SENTIMENT_SCHEMA: TypeAdapter[SentimentRecord] = TypeAdapter(SentimentRecord)
COMPLAINT_SCHEMA: TypeAdapter[ComplaintRecord] = TypeAdapter(ComplaintRecord)


def validate_post_record(raw: dict[str, Any]) -> PostRecord:
    """The known keys of `raw`, typed and range-checked; raises `InvalidRecord` naming the first bad field."""
    try:
        record: PostRecord = _POST_VALIDATOR.validate_python(raw)
    except ValidationError as exc:
        # Looked for only once validation failed, so that a good record pays nothing for it.
        missing = [key for key in ("id", "text", "created_at") if raw.get(key) in (None, "")]
        if missing:
            raise InvalidRecord(f"missing required field(s): {', '.join(missing)}") from None
        raise InvalidRecord(explain(exc)) from None
    return record


def explain(error: ValidationError, root: str = "") -> str:
    """'metrics.likes is above 2**53-1: 1e+308' from pydantic's errors, plus how many more fields are bad.

    `root` names what was validated when it is a part of a record ("author"). Of a union's errors the last
    one is kept: the Python fallback's, which is the precise one."""
    by_field: dict[str, Any] = {}
    for problem in error.errors(include_url=False):
        path = [root] * bool(root) + [str(part) for part in problem["loc"] if part in _FIELD_NAMES]
        by_field[".".join(path) or "record"] = problem
    where, first = next(iter(by_field.items()))
    reason = f"{where} {_phrase(first)}: {describe(first['input'])}"
    if len(by_field) > 1:
        reason += f" (and {len(by_field) - 1} more bad field{'s' if len(by_field) > 2 else ''})"
    return reason


def _phrase(problem: Any) -> str:
    kind, context = problem["type"], problem.get("ctx") or {}
    if kind == "greater_than_equal":
        return "is negative" if context.get("ge") == 0 else f"is below {context.get('ge')}"
    if kind == "less_than_equal":
        return f"is above {context.get('le')}"
    if kind == "literal_error":
        return f"must be one of {context.get('expected', '')}"
    return _PHRASES.get(kind, str(problem["msg"]))


_PHRASES = {
    "string_type": "is not a string",
    "string_unicode": "contains a lone surrogate (not valid Unicode)",
    "string_too_long": "is too long",
    "int_type": "is not an integer",
    "float_type": "is not a number",
    "finite_number": "is not a finite number",
    "bool_type": "is not true or false",
    "dict_type": "is not an object",
    "missing": "is missing",
}


def describe(value: object) -> str:
    """A short, safe rendering of a rejected value: never a whole huge string or a deep structure."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, int) and value.bit_length() > 64:
        # str() of an integer beyond 4300 digits raises, and no reader wants the digits anyway
        return f"an integer of about {value.bit_length() * 30103 // 100000 + 1} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def json_kind(value: object) -> str:
    """What a decoded JSON value is, in JSON's words: 'an array', 'null', ..."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else "true or false"
    kinds = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def check_extra(extra: dict[str, Any]) -> None:
    """Unknown keys are kept as they are, so they must be JSON a store can hold: finite numbers, strings
    without lone surrogates, nesting within `MAX_DEPTH`."""
    for key, value in extra.items():
        problem = json_problem(key, MAX_DEPTH - 1) or json_problem(value, MAX_DEPTH - 1)
        if problem:
            raise InvalidRecord(f"extra key {describe(key)} {problem}")


def json_problem(value: object, levels_left: int = MAX_DEPTH) -> str | None:
    """Why `value` is not storable JSON, or None. The recursion stops at `levels_left`, so it stays shallow
    however deep the value is."""
    if isinstance(value, str):
        return "contains a lone surrogate (not valid Unicode)" if _LONE_SURROGATE.search(value) else None
    if isinstance(value, dict | list):
        if levels_left <= 0:
            return f"is nested deeper than {MAX_DEPTH} levels"
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if problem := json_problem(child, levels_left - 1):
                return problem
        if isinstance(value, dict):
            for key in value:
                if problem := json_problem(key, levels_left):
                    return problem
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "is not a finite number"
    if value is None or isinstance(value, int):
        return None
    return f"is not a JSON value ({type(value).__name__})"
