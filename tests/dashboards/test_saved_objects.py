"""The Kibana saved objects in dashboards/: well formed, unique, self-contained, and every field a
visualization or saved search uses exists in the index mappings the Elasticsearch store creates."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pipeline.kibana import DASHBOARDS_DIR, read_saved_objects, saved_object_files
from pipeline.store.es_mappings import INCIDENT_PROPERTIES, POST_PROPERTIES, IndexNames

FILES = saved_object_files(DASHBOARDS_DIR)
OBJECTS = [(path.name, obj) for path in FILES for obj in read_saved_objects(path)]
STRINGIFIED = ("visState", "uiStateJSON", "panelsJSON", "optionsJSON", "fieldFormatMap", "fieldAttrs")
KQL_FIELD = re.compile(r"([\w.@]+)\s*:")


def _flatten(properties: dict[str, Any], prefix: str = "") -> set[str]:
    fields = set()
    for name, spec in properties.items():
        fields.add(prefix + name)
        fields.update(prefix + name + "." + sub for sub in spec.get("fields", {}))
        if "properties" in spec:
            fields |= _flatten(spec["properties"], prefix + name + ".")
    return fields


NAMES = IndexNames()
MAPPED_FIELDS = {
    NAMES.posts_alias: _flatten(POST_PROPERTIES),
    NAMES.records("incident"): _flatten(INCIDENT_PROPERTIES),
}


def _by_id() -> dict[tuple[str, str], dict[str, Any]]:
    return {(obj["type"], obj["id"]): obj for _, obj in OBJECTS}


def _search_source(obj: dict[str, Any]) -> dict[str, Any]:
    return json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


def _data_view_of(obj: dict[str, Any]) -> dict[str, Any]:
    ref_name = _search_source(obj)["indexRefName"]
    (ref,) = [ref for ref in obj["references"] if ref["name"] == ref_name]
    return _by_id()[(ref["type"], ref["id"])]


def _fields_used(obj: dict[str, Any]) -> set[str]:
    fields: set[str] = set()
    attributes = obj["attributes"]
    if obj["type"] == "visualization":
        for agg in json.loads(attributes["visState"])["aggs"]:
            if "field" in agg["params"]:
                fields.add(agg["params"]["field"])
    if obj["type"] == "search":
        fields.update(attributes["columns"])
        fields.update(field for field, _ in attributes["sort"])
    fields.update(KQL_FIELD.findall(_search_source(obj)["query"]["query"]))
    return fields


def test_there_are_files_and_objects() -> None:
    assert FILES[0].name == "data-views.ndjson"  # imported first: others refer to it
    assert {obj["type"] for _, obj in OBJECTS} == {"index-pattern", "visualization", "search", "dashboard"}
    titles = {obj["attributes"]["title"] for _, obj in OBJECTS if obj["type"] == "dashboard"}
    assert titles == {"Complaint overview", "Incidents"}


@pytest.mark.parametrize(("file", "obj"), OBJECTS, ids=[f"{f}:{o.get('id')}" for f, o in OBJECTS])
def test_object_shape_and_stringified_attributes(file: str, obj: dict[str, Any]) -> None:
    assert {"type", "id", "attributes", "references"} <= set(obj)
    assert re.fullmatch(r"[a-z0-9-]+", obj["id"]), "ids are stable, human-chosen slugs"
    for key in STRINGIFIED:
        if key in obj["attributes"]:
            json.loads(obj["attributes"][key])
    meta = obj["attributes"].get("kibanaSavedObjectMeta")
    if meta is not None:
        assert isinstance(json.loads(meta["searchSourceJSON"]), dict)


def test_ids_are_unique() -> None:
    keys = [(obj["type"], obj["id"]) for _, obj in OBJECTS]
    assert len(keys) == len(set(keys))
    ids = [obj["id"] for _, obj in OBJECTS]
    assert len(ids) == len(set(ids))


def test_every_reference_resolves() -> None:
    known = _by_id()
    for _, obj in OBJECTS:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in known, f"{obj['id']} refers to missing {ref['type']} {ref['id']}"
        names = [ref["name"] for ref in obj["references"]]
        assert len(names) == len(set(names))
        if obj["type"] == "dashboard":
            panels = json.loads(obj["attributes"]["panelsJSON"])
            assert {panel["panelRefName"] for panel in panels} == set(names)
            assert len({panel["panelIndex"] for panel in panels}) == len(panels)
        elif obj["type"] != "index-pattern":
            _data_view_of(obj)


def test_data_views_point_at_the_store_indices_and_time_fields() -> None:
    for _, obj in OBJECTS:
        if obj["type"] == "index-pattern":
            title = obj["attributes"]["title"]
            assert title in MAPPED_FIELDS
            assert obj["attributes"]["timeFieldName"] in MAPPED_FIELDS[title]


def test_every_field_a_visualization_uses_exists_in_the_mapping() -> None:
    checked = 0
    for _, obj in OBJECTS:
        if obj["type"] in ("visualization", "search"):
            title = _data_view_of(obj)["attributes"]["title"]
            missing = _fields_used(obj) - MAPPED_FIELDS[title]
            assert not missing, f"{obj['id']} uses fields not in the {title} mapping: {sorted(missing)}"
            checked += len(_fields_used(obj))
    assert checked > 20


def test_field_check_catches_a_typo() -> None:
    vis = json.loads(json.dumps(_by_id()[("visualization", "yuqing-severity-breakdown")]))
    state = json.loads(vis["attributes"]["visState"])
    state["aggs"][1]["params"]["field"] = "severity_lable"
    vis["attributes"]["visState"] = json.dumps(state)
    assert "severity_lable" in _fields_used(vis) - MAPPED_FIELDS[NAMES.posts_alias]


def test_files_are_ndjson(tmp_path: Path) -> None:
    assert all(path.suffix == ".ndjson" for path in FILES)
    broken = tmp_path / "broken.ndjson"
    broken.write_text('{"type": "dashboard"}\nnot json\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"broken.ndjson:2: not JSON"):
        read_saved_objects(broken)
