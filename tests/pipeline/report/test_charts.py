"""The briefing's charts are drawn once per set of figures, and drawn again when the figures change."""

from __future__ import annotations

from dataclasses import replace

from pipeline.report import build_briefing
from pipeline.report.charts import all_charts
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.report.helpers import DAY


def test_the_same_figures_give_the_same_charts_without_drawing_again(demo_store: SQLiteStore) -> None:
    briefing = build_briefing(demo_store, "蒙牛", DAY)
    first = all_charts(briefing)
    assert all_charts(replace(briefing, generated_at=briefing.generated_at.replace(year=2030))) is first
    changed = replace(briefing, severity={**briefing.severity, "critical": briefing.severity["critical"] + 5})
    redrawn = all_charts(changed)
    assert redrawn is not first
    assert redrawn["breakdown"] != first["breakdown"] and redrawn["volume"] == first["volume"]
