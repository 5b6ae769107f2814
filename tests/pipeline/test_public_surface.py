"""The names `pipeline` offers as a library, and that offering them costs an import nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pipeline
from tests.helpers import make_post


@pytest.mark.parametrize("name", pipeline.__all__)
def test_every_public_name_resolves_to_its_module_s_object(name: str) -> None:
    value = getattr(pipeline, name)
    assert getattr(value, "__name__", name) == name
    assert name in dir(pipeline)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'cycle'"):
        pipeline.cycle  # noqa: B018


def test_importing_the_package_loads_nothing_else() -> None:
    code = (
        "import sys, pipeline\n"
        "print(sorted(m for m in sys.modules if m.startswith('pipeline.') or m in ('sklearn', 'pydantic')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_a_library_user_can_ingest_through_the_surface(tmp_path: Path) -> None:
    from pipeline import Post, Settings, load_watchlist, make_enricher, open_store
    from pipeline.config import BUNDLED_WATCHLIST
    from pipeline.ingest import ingest
    from pipeline.normalise import BrandMatcher

    settings = Settings(data_dir=tmp_path, scorer="snownlp")
    matcher = BrandMatcher.from_watchlist(load_watchlist(BUNDLED_WATCHLIST))
    with open_store(settings) as store:
        summary = ingest([Post.from_dict(make_post())], matcher=matcher, enricher=make_enricher("snownlp"), store=store)
        assert summary.stored.inserted == 1
        stored = store.get_posts(["weibo:4978123456789012"])["weibo:4978123456789012"]
        assert stored.brand == "蒙牛" and stored.complaint is not None
