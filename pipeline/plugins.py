"""Named components: sources, scorers, stores and alert channels are each listed in one table of name →
"module:Class", and every such class builds itself with a `from_settings` classmethod (scrapy's `from_crawler`).

The names a watchlist or the environment may use are the `Literal` types of `pipeline.config`; a test checks
that every table has exactly those names. A module is imported only when one of its components is built, so a
command pays for the components it uses and nothing else. docs/extending.md adds a channel as a worked example.
"""

from __future__ import annotations

import importlib
from typing import Any


def load_class(path: str) -> type[Any]:
    """The class at `path` ("package.module:Class")."""
    module, _, name = path.partition(":")
    found = getattr(importlib.import_module(module), name)
    if not isinstance(found, type):
        raise TypeError(f"{path} is not a class")
    return found
