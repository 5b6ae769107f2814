"""yuqing (舆情): watch microblog posts that mention a brand, score them, store them, page when complaints spread.

The public surface, for code that uses yuqing as a library (everything else is internal and may move):

    Settings, Watchlist, load_watchlist      settings and the watchlist      (pipeline.config)
    Post, Author, Sentiment, Complaint       the post contract               (pipeline.models)
    Store, open_store                        the stores                      (pipeline.store)
    make_enricher                            sentiment and complaint scoring (pipeline.enrich.registry)
    run_backtest                             replay posts through detection  (pipeline.detect.backtest)
    YuqingError                              the root of every error         (pipeline.exceptions)

The names are imported on first use (PEP 562): `import pipeline.models` costs no more than before, and
`from pipeline import open_store` loads only the stores. Ingesting is `pipeline.ingest.ingest` (the name
`pipeline.ingest` is its module).
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "Settings": "pipeline.config",
    "Watchlist": "pipeline.config",
    "load_watchlist": "pipeline.config",
    "Post": "pipeline.models",
    "Author": "pipeline.models",
    "Sentiment": "pipeline.models",
    "Complaint": "pipeline.models",
    "Store": "pipeline.store",
    "open_store": "pipeline.store",
    "make_enricher": "pipeline.enrich.registry",
    "run_backtest": "pipeline.detect.backtest",
    "YuqingError": "pipeline.exceptions",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)


def __dir__() -> list[str]:
    return [*globals(), *__all__]
