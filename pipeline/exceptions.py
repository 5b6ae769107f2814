"""The project's exception tree. Third-party errors are converted at the boundary, cause chained.

    YuqingError
    ├── ConfigError                  bad settings or watchlist (names file, key and problem)
    ├── InvalidRecord                one input record is unusable (reported and skipped)
    ├── SourceError                  a source could not deliver
    │   ├── Blocked                  the site refused us; never "no results"
    │   │   ├── LoginRequired
    │   │   ├── VisitorWall
    │   │   ├── Captcha
    │   │   ├── BotShell
    │   │   └── AccountBanned
    │   ├── RateLimited
    │   │   └── SiteBusy             "网络繁忙": the site sheds load
    │   ├── ParseError
    │   │   └── Unparseable          a page none of the parsers can read
    │   ├── ServerError              HTTP 5xx
    │   ├── FetchFailed              no complete answer after the retries
    │   ├── ResponseTooLarge         an answer over the byte cap
    │   └── BudgetExhausted          the run's request cap was reached
    ├── StoreError                   the store failed (SQLite or Elasticsearch)
    │   └── RecordConflict           a conditional record write lost a race (re-read and retry)
    └── AlertDeliveryError           one channel failed to deliver one message

The classifiers raise their own `classifiers.errors.ClassifierError` (the package knows nothing of the
pipeline); the command line reports both alike.

Control flow: `DropPost(reason)` (a post is deliberately not kept) and `NotConfigured` (a component is off).
"""

from __future__ import annotations


class YuqingError(Exception):
    """Base of every error the project raises on purpose."""


class ConfigError(YuqingError):
    pass


class InvalidRecord(YuqingError):
    pass


class SourceError(YuqingError):
    pass


class Blocked(SourceError):
    """The site answered with a block page; `kind` names which one (login_required, captcha, ...)."""

    kind = "blocked"


class LoginRequired(Blocked):
    kind = "login_required"


class VisitorWall(Blocked):
    kind = "visitor_wall"


class Captcha(Blocked):
    kind = "captcha"


class BotShell(Blocked):
    kind = "bot_shell"


class AccountBanned(Blocked):
    kind = "account_banned"


class RateLimited(SourceError):
    kind = "rate_limited"


class ParseError(SourceError):
    pass


class SiteBusy(RateLimited):
    """ "抱歉，网络繁忙 请稍后再试": the site sheds load; treated like a rate limit."""

    kind = "busy"


class ServerError(SourceError):
    kind = "server_error"


class Unparseable(ParseError):
    kind = "unparseable"


class FetchFailed(SourceError):
    """No complete response after the retries (connection refused, timeouts, an answer too slow to finish)."""

    kind = "network_error"


class ResponseTooLarge(SourceError):
    """The answer is over the byte cap (`max_response_bytes`); not retried, the next one would be as big."""

    kind = "response_too_large"


class BudgetExhausted(SourceError):
    """The per-run request cap was reached (WeiboSettings.max_requests_per_run)."""

    kind = "request_budget"


class StoreError(YuqingError):
    pass


class RecordConflict(StoreError):
    """A write conditional on a record's version found another version: someone wrote in between."""


class AlertDeliveryError(YuqingError):
    pass


class DropPost(YuqingError):
    """A post is deliberately not kept; `reason` is counted in the run summary."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotConfigured(YuqingError):
    pass
