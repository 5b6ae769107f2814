"""Settings from the environment (prefix YUQING_) and the watchlist YAML: the only place either is read.

Environment: `YUQING_STORE`, `YUQING_DATA_DIR`, `YUQING_WATCHLIST`, `YUQING_WEIBO_COOKIE`, nested groups with
`__` (`YUQING_WEIBO__DELAY_S`, `YUQING_ES__URL`, `YUQING_DETECTION__PREDICTED_THRESHOLD`, ...). Secrets are
`SecretStr` and never logged.
The watchlist is validated strictly: an unknown key, a wrong type or an empty brand is a `ConfigError`
naming the file, the key and the problem.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.exceptions import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_WATCHLIST = Path(__file__).resolve().parent / "data" / "watchlist.yaml"
Priority = Literal["P1", "P2", "P3", "P4"]
ChannelType = Literal["console", "file", "email", "webhook", "dingtalk", "wecom", "feishu", "slack"]
# What each channel type cannot deliver without; the endpoint of the chat and webhook types is `url` or `url_env`.
REQUIRED_OPTIONS: dict[str, tuple[str, ...]] = {
    "console": (),
    "file": ("path",),
    "email": ("smtp_host", "sender", "recipients"),
    "webhook": (),
    "dingtalk": (),
    "wecom": (),
    "feishu": (),
    "slack": (),
}
URL_CHANNELS = frozenset({"webhook", "dingtalk", "wecom", "feishu", "slack"})
# The names of the components a watchlist or the environment may choose; each has a table of classes
# (`pipeline.plugins`), and a test checks that the names agree. "jsonl" is the inbox, read rather than searched.
SourceName = Literal["jsonl", "weibo-search", "weibo-mobile", "mastodon"]
StoreName = Literal["sqlite", "elasticsearch"]
ScorerName = Literal["model", "snownlp"]


class WeiboSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cookie: SecretStr | None = None
    delay_s: float = Field(6.0, ge=0)  # polite delay between requests to one host
    jitter_s: float = Field(2.0, ge=0)
    timeout_s: float = Field(10.0, gt=0)  # each socket operation (connect, one read)
    total_timeout_s: float | None = Field(None, gt=0)  # one whole request; default 3 × timeout_s
    max_response_bytes: int = Field(8 * 1024 * 1024, ge=1)  # a bigger answer is a failure, not read on
    max_retries: int = Field(3, ge=0)
    backoff_s: float = Field(60.0, ge=0)  # first wait after a rate limit; doubles, capped below
    max_backoff_s: float = Field(1800.0, ge=0)
    max_requests_per_run: int = Field(300, ge=1)
    # Seconds one spread-tracker run may spend fetching repost timelines; roots left over wait for the next run.
    refresh_budget_s: float = Field(90.0, gt=0)
    overlap_minutes: int = Field(30, ge=0)  # incremental windows re-ask this much of the previous one
    user_agent: str = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36"
    )
    keep_raw: bool = False
    # Other hosts for the two surfaces (mirrors, or a local server in tests).
    search_base_url: str = "https://s.weibo.com"
    mobile_base_url: str = "https://m.weibo.cn"


class MastodonSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance: str = "https://mastodon.social"
    token: SecretStr | None = None
    delay_s: float = Field(1.0, ge=0)
    timeout_s: float = Field(10.0, gt=0)  # each socket operation (connect, one read)
    total_timeout_s: float | None = Field(None, gt=0)  # one whole request; default 3 × timeout_s
    max_response_bytes: int = Field(8 * 1024 * 1024, ge=1)


class ElasticsearchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    api_key: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    ca_certs: Path | None = None
    index_prefix: str = "yuqing"
    request_timeout_s: float = 30.0


class ScheduleSettings(BaseModel):
    """When the DAGs run: cron expressions in `Settings.timezone` (`YUQING_SCHEDULES__COMPLAINT_MONITOR=...`),
    read when the DAG files are parsed. "never" leaves a DAG to manual runs. The spread tracker also runs as
    soon as the complaint monitor has stored new posts, so a crisis does not wait for its next slot."""

    model_config = ConfigDict(extra="forbid")

    complaint_monitor: str = "*/3 * * * *"
    spread_tracker: str = "*/5 * * * *"
    daily_briefing: str = "30 8 * * *"
    retrain_classifiers: str = "0 3 * * 1"

    @field_validator("*")
    @classmethod
    def _cron(cls, value: str) -> str:
        # The shape only; Airflow checks each field when it parses the DAG.
        if value != "never" and not value.startswith("@") and len(value.split()) != 5:
            raise ValueError(f"not a cron expression: {value!r} (five fields, e.g. '*/5 * * * *', or 'never')")
        return value


class WebSettings(BaseModel):
    """`yuqing serve`: who may log in (`YUQING_WEB__USER` and `YUQING_WEB__PASSWORD`, or a `YUQING_WEB__TOKEN`),
    the key that signs session cookies (default: a new random one per start, so sessions end with the process)
    and how often open pages refresh themselves."""

    model_config = ConfigDict(extra="forbid")

    user: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None
    session_key: SecretStr | None = None
    refresh_s: int = Field(60, ge=5)
    session_hours: float = Field(12.0, gt=0)

    @property
    def has_credentials(self) -> bool:
        return bool(self.user and self.password) or self.token is not None


class DetectionSettings(BaseModel):
    """Overrides of the tuned detection defaults (`pipeline.detect.engine.DetectionConfig`, figures in
    docs/benchmarks.md); a field left unset keeps the default. `YUQING_DETECTION__PREDICTED_THRESHOLD=300`."""

    model_config = ConfigDict(extra="forbid")

    predicted_threshold: float | None = Field(None, gt=0)  # A1: confident predicted size that pages (230)
    big_account_predicted_threshold: float | None = Field(None, gt=0)  # the same once a big account joins (100)
    velocity_threshold: int | None = Field(None, ge=1)  # A1: reposts of one root within 60 min that page (100)
    lower_bound_max_age_s: float | None = Field(None, gt=0)  # posts whose reactions the bound counts (3600)
    n_star: float | None = Field(None, gt=0)  # SEISMIC mean out-degree of a reposter (300)
    surge_alpha: float | None = Field(None, gt=0, lt=1)  # A2: tail probability that pages (1e-8)


class ResponseSettings(BaseModel):
    """Does the brand answer (`YUQING_RESPONSES__MIN_SEVERITY=3`): which complaints the monitoring cycle checks
    for official replies, within what time, and when a critical one left unanswered becomes an incident."""

    model_config = ConfigDict(extra="forbid")

    min_severity: int = Field(2, ge=0, le=3)  # complaints at least this severe are checked
    lookback_hours: float = Field(48, gt=0)  # complaints posted this far back are checked (and followed)
    budget_s: float = Field(120, gt=0)  # seconds of requests per brand and cycle
    unanswered_after_minutes: int = Field(60, ge=1)  # a checked complaint with no reply this long is an incident
    unanswered_min_severity: int = Field(3, ge=0, le=3)  # ... when it is at least this severe


class Settings(BaseSettings):
    """Typed settings; build once with `Settings()` and pass down (components take what they need)."""

    model_config = SettingsConfigDict(
        env_prefix="YUQING_", env_nested_delimiter="__", extra="ignore", case_sensitive=False
    )

    data_dir: Path = Path(".yuqing")
    db_path: Path | None = None  # default: <data_dir>/yuqing.db
    inbox_dir: Path | None = None  # JSONL source: *.jsonl files dropped here; default <data_dir>/inbox
    store: StoreName = "sqlite"
    watchlist: Path | None = None  # default: the bundled demo watchlist
    scorer: ScorerName = "model"
    corpora_dir: Path = REPO_ROOT.parent / "shared" / "data"
    weibo_cookie: SecretStr | None = None  # YUQING_WEIBO_COOKIE, the documented name
    weibo: WeiboSettings = WeiboSettings()
    mastodon: MastodonSettings = MastodonSettings()
    es: ElasticsearchSettings = ElasticsearchSettings()
    detection: DetectionSettings = DetectionSettings()
    responses: ResponseSettings = ResponseSettings()
    schedules: ScheduleSettings = ScheduleSettings()
    web: WebSettings = WebSettings()
    language: Literal["zh", "en"] = "zh"  # of alerts, incident reasons and the daily briefing
    # IANA name of the zone whose calendar days and hours the trends, search output and briefings use.
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown name, not a zone file, a folder
            raise ValueError(f"not a time zone name: {value!r} (use an IANA name such as Asia/Shanghai)") from None
        return value

    @property
    def sqlite_path(self) -> Path:
        return self.db_path or self.data_dir / "yuqing.db"

    @property
    def inbox_path(self) -> Path:
        return self.inbox_dir or self.data_dir / "inbox"

    @property
    def weibo_effective(self) -> WeiboSettings:
        """Weibo settings with the top-level cookie folded in (YUQING_WEIBO_COOKIE wins)."""
        if self.weibo_cookie is not None:
            return self.weibo.model_copy(update={"cookie": self.weibo_cookie})
        return self.weibo

    @cached_property
    def watchlist_config(self) -> Watchlist:
        return load_watchlist(self.watchlist or BUNDLED_WATCHLIST)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelConfig(_Strict):
    """One alert destination. Tokens and passwords are named by environment variable, never written here."""

    type: ChannelType
    url: str | None = None  # webhook endpoint when it carries no secret
    url_env: str | None = None  # environment variable holding the endpoint when it does
    secret_env: str | None = None  # signing secret (DingTalk, Feishu) or SMTP password
    path: Path | None = None  # file channel: JSON Lines written here
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_starttls: bool = False
    sender: str | None = None
    recipients: list[str] = []
    timeout_s: float = Field(10.0, gt=0)

    @model_validator(mode="after")
    def _has_what_its_type_needs(self) -> ChannelConfig:
        """A channel that could never deliver is refused when the watchlist loads, not during a P1."""
        missing = [option for option in REQUIRED_OPTIONS[self.type] if not getattr(self, option)]
        if missing:
            raise ValueError(f"channel type {self.type!r} needs {', '.join(missing)}")
        if self.type in URL_CHANNELS and (self.url is None) == (self.url_env is None):
            raise ValueError(f"channel type {self.type!r} needs exactly one of url and url_env")
        if self.url is not None and not self.url.lower().startswith(("http://", "https://")):
            raise ValueError(f"channel url must be http(s), got {self.url[:40]!r}")
        return self

    def resolved_url(self) -> str | None:
        return read_secret(self.url_env) if self.url_env else self.url

    def secret(self) -> str | None:
        return read_secret(self.secret_env) if self.secret_env else None


class RouteConfig(_Strict):
    channels: list[str] = Field(min_length=1)
    escalate_to: str | None = None  # second route when a P1/P2 incident stays unacknowledged
    escalate_after_minutes: int = Field(30, ge=1)


class OfficialAccount(_Strict):
    """A Weibo account that answers for the brand: its 官方微博 ("official") or a 客服 account ("service").
    Replies by these accounts to a complaint count as the brand's response."""

    uid: str  # numeric Weibo uid, as in https://weibo.com/u/<uid>
    name: str  # display name (screen_name)
    role: Literal["official", "service"] = "official"

    @field_validator("uid", mode="before")
    @classmethod
    def _uid_is_numeric(cls, value: object) -> str:
        # YAML reads an unquoted uid as an int: accept it, and keep the uid as its digits.
        text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"Weibo uid must be digits only, got {value!r}")
        return text

    @field_validator("name")
    @classmethod
    def _name_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("account name is empty")
        return value.strip()


class BrandConfig(_Strict):
    name: str
    aliases: list[str] = []
    exclude: list[str] = []  # terms that mean something else (小米粥 is not 小米)
    keywords: list[str] = []  # search keywords; default: name and aliases
    sources: list[SourceName] = ["jsonl"]
    route: str = "default"  # where this brand's incidents go
    urgent_route: str | None = None  # P1/P2 incidents also go here
    briefing_route: str | None = None  # the daily 舆情日报
    service_route: str | None = None  # "unanswered" incidents (the service team); default: `route`
    official_accounts: list[OfficialAccount] = []  # whose replies count as the brand answering a complaint

    @field_validator("name")
    @classmethod
    def _name_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("brand name is empty")
        return value.strip()

    @field_validator("aliases", "exclude", "keywords")
    @classmethod
    def _terms_not_empty(cls, values: list[str]) -> list[str]:
        if any(not value.strip() for value in values):
            raise ValueError("contains an empty term")
        return [value.strip() for value in values]

    @field_validator("official_accounts")
    @classmethod
    def _accounts_listed_once(cls, accounts: list[OfficialAccount]) -> list[OfficialAccount]:
        uids = [account.uid for account in accounts]
        duplicates = sorted({uid for uid in uids if uids.count(uid) > 1})
        if duplicates:
            raise ValueError(f"official account uid listed twice: {', '.join(duplicates)}")
        return accounts

    @property
    def terms(self) -> list[str]:
        """Every spelling that names the brand."""
        return [self.name, *self.aliases]

    @property
    def search_keywords(self) -> list[str]:
        return self.keywords or self.terms


class Watchlist(_Strict):
    brands: list[BrandConfig] = Field(min_length=1)
    routes: dict[str, RouteConfig] = {"default": RouteConfig(channels=["console"])}
    channels: dict[str, ChannelConfig] = {"console": ChannelConfig(type="console")}

    @model_validator(mode="after")
    def _references_resolve(self) -> Watchlist:
        names = [brand.name for brand in self.brands]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError(f"brand listed twice: {', '.join(sorted(duplicates))}")
        for brand in self.brands:
            for used in (brand.route, brand.urgent_route, brand.briefing_route, brand.service_route):
                if used is not None and used not in self.routes:
                    raise ValueError(f"brand {brand.name!r} uses unknown route {used!r}")
        for route_name, route in self.routes.items():
            for channel in route.channels:
                if channel not in self.channels:
                    raise ValueError(f"route {route_name!r} uses unknown channel {channel!r}")
            if route.escalate_to is not None and route.escalate_to not in self.routes:
                raise ValueError(f"route {route_name!r} escalates to unknown route {route.escalate_to!r}")
        return self

    def brand(self, name: str) -> BrandConfig:
        for brand in self.brands:
            if brand.name == name:
                return brand
        raise ConfigError(f"brand {name!r} is not in the watchlist")


def load_watchlist(path: Path) -> Watchlist:
    """Read and strictly validate a watchlist YAML file."""
    import yaml  # here: most commands build the settings without reading the watchlist

    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read watchlist: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the watchlist must be a mapping with a 'brands' list")
    try:
        return Watchlist.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from exc


def armed_failpoints() -> dict[str, str]:
    """Fault points armed for the fault-injection tests (`YUQING_FAILPOINTS=a,b=sleep:2`), name → action
    ("exit" or "sleep:<seconds>"); see `pipeline.failpoints`."""
    armed = {}
    for entry in os.environ.get("YUQING_FAILPOINTS", "").split(","):
        name, _, action = entry.strip().partition("=")
        if name:
            armed[name] = action or "exit"
    return armed


def read_secret(variable: str) -> str | None:
    """A secret named by the watchlist, read from the environment (or an Airflow connection exported as env)."""
    return os.environ.get(variable) or None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        problems.append(f"{key}: {message}")
    return "; ".join(problems)
