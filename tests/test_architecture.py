"""Imports go one way: each package imports only packages of its own layer or below, never above, and the
classifiers know nothing of the pipeline (as scikit-learn's estimators know nothing of their apps).

    foundation (models, config, ...) ← store ← sources, normalise ← enrich ← ingest ← detect ← alert
        ← report, feedback ← tasks, demo ← cli, web ← dags

Data flows sources → normalise → enrich → store → detect → alert; every step reads and writes through the
store's contract, which therefore sits low. Imports inside functions count as much as those at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[set[str]] = [
    {
        "pipeline.exceptions",
        "pipeline.schema",
        "pipeline.models",
        "pipeline.config",
        "pipeline.i18n",
        "pipeline.safe_text",
        "pipeline.simplify",
        "pipeline.segment",
        "pipeline.failpoints",
        "pipeline.http_limits",
        "pipeline.jsonl",
        "pipeline.log_redaction",
        "pipeline.kibana",
        "pipeline.plugins",
    },
    {"pipeline.store", "classifiers"},
    {"pipeline.sources", "pipeline.normalise"},
    {"pipeline.enrich"},
    {"pipeline.ingest"},
    {"pipeline.detect"},
    {"pipeline.alert"},
    {"pipeline.report", "pipeline.feedback"},
    {"pipeline.tasks", "pipeline.demo"},
    {"pipeline.cli", "pipeline.web"},
    {"dags"},
]
LAYER_OF = {unit: number for number, units in enumerate(LAYERS) for unit in units}
LEAVES = {"classifiers"}  # import no project package at all
ONLY_IMPORTS = {"dags": {"pipeline.tasks"}}  # the DAGs call task bodies and nothing else


def _unit(module: str) -> str | None:
    """The package (or top-level module) of the project a dotted module name belongs to."""
    parts = module.split(".")
    if parts[0] in {"classifiers", "dags"}:
        return parts[0]
    if parts[0] == "pipeline" and len(parts) > 1:
        return f"pipeline.{parts[1]}"
    return None


def _imports(root: Path) -> list[tuple[str, str, str]]:
    """(file, importing unit, imported unit) for every import of a project module by another unit."""
    found = []
    for top in ("pipeline", "classifiers", "dags"):
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root)
            importer = _unit(".".join(relative.with_suffix("").parts))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
                for name in names:
                    imported = _unit(name)
                    if importer and imported and imported != importer:
                        found.append((str(relative), importer, imported))
    return found


def _upward(root: Path) -> list[str]:
    return sorted(
        {
            f"{path}: {importer} imports {imported}"
            for path, importer, imported in _imports(root)
            if LAYER_OF[imported] > LAYER_OF[importer]
            or importer in LEAVES
            or imported not in ONLY_IMPORTS.get(importer, {imported})
        }
    )


def test_every_package_has_a_layer() -> None:
    units = {unit for _, importer, imported in _imports(ROOT) for unit in (importer, imported)}
    assert units - set(LAYER_OF) == set()


def test_imports_never_go_up_the_layers() -> None:
    assert _upward(ROOT) == []


def test_the_check_finds_an_import_against_the_flow_even_inside_a_function(tmp_path: Path) -> None:
    (tmp_path / "pipeline" / "detect").mkdir(parents=True)
    (tmp_path / "pipeline" / "detect" / "engine.py").write_text(
        "def run():\n    from pipeline.alert.dispatch import dispatch\n", encoding="utf-8"
    )
    (tmp_path / "classifiers").mkdir()
    (tmp_path / "classifiers" / "train.py").write_text("import pipeline.models\n", encoding="utf-8")
    assert _upward(tmp_path) == [
        "classifiers/train.py: classifiers imports pipeline.models",
        "pipeline/detect/engine.py: pipeline.detect imports pipeline.alert",
    ]
