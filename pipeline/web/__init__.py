"""The web console (`yuqing serve`): server-rendered pages over the configured store, a JSON API under
`/api/`, and the monitoring cycle in the same process. FastAPI + Jinja2; Apache ECharts is shipped in
`static/` and served from here, so nothing loads from the internet."""
