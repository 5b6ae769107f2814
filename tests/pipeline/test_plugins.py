"""Every kind of component has one table of classes, with exactly the names the settings accept."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, get_args

import pytest
import requests

from pipeline.alert.registry import ALERTERS, make_alerter
from pipeline.config import (
    REQUIRED_OPTIONS,
    ChannelConfig,
    ChannelType,
    ScorerName,
    Settings,
    SourceName,
    StoreName,
)
from pipeline.enrich.registry import SCORERS, make_scorers
from pipeline.exceptions import ConfigError
from pipeline.plugins import load_class
from pipeline.sources.collect import SOURCES, make_source
from pipeline.store import STORES, open_store
from pipeline.store.sqlite import SQLiteStore


def test_the_tables_have_exactly_the_names_the_settings_accept() -> None:
    assert set(get_args(ChannelType)) == set(ALERTERS) == set(REQUIRED_OPTIONS)
    assert set(get_args(SourceName)) == {*SOURCES, "jsonl"}
    assert set(get_args(StoreName)) == set(STORES)
    assert set(get_args(ScorerName)) == set(SCORERS)


def _paths() -> list[str]:
    scorers = [path for pair in SCORERS.values() for path in pair]
    return [*ALERTERS.values(), *SOURCES.values(), *STORES.values(), *scorers]


@pytest.mark.parametrize("path", _paths())
def test_every_entry_is_a_class_built_by_from_settings(path: str) -> None:
    cls = load_class(path)
    assert inspect.ismethod(cls.from_settings), f"{path} has no from_settings classmethod"


def test_load_class_refuses_what_is_not_a_class() -> None:
    with pytest.raises(TypeError, match="not a class"):
        load_class("pipeline.plugins:load_class")
    with pytest.raises(ModuleNotFoundError):
        load_class("pipeline.no_such_module:Thing")


def test_each_factory_builds_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with open_store(settings) as store:
        assert isinstance(store, SQLiteStore)
        assert store.path == str(settings.sqlite_path)
    http = requests.Session()
    source: Any = make_source("weibo-mobile", http, settings, base_url="http://127.0.0.1:9")
    assert source.name == "weibo-mobile"
    alerter = make_alerter("out", ChannelConfig(type="file", path=str(tmp_path / "alerts.jsonl")), http=http)
    assert (alerter.name, alerter.kind, alerter.http) == ("out", "file", http)
    sentiment, complaint = make_scorers("snownlp")
    assert (sentiment.name, complaint.name) == ("snownlp", "rules")


def test_unknown_names_are_configuration_errors(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(ConfigError, match="unknown store 'mysql'"):
        open_store(settings, "mysql")
    with pytest.raises(ConfigError, match="unknown source 'twitter'"):
        make_source("twitter", requests.Session(), settings)
    with pytest.raises(ConfigError, match="unknown scorer 'bert'"):
        make_scorers("bert")
