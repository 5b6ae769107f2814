"""`yuqing es init` (index templates, ILM policies, data stream) and `yuqing dashboards import`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.exceptions import ConfigError

if TYPE_CHECKING:
    from pipeline.config import Settings


def register(commands: Any) -> None:
    es = commands.add_parser("es", help="Elasticsearch set-up")
    es_commands = es.add_subparsers(dest="es_command", metavar="ACTION", required=True)
    init = es_commands.add_parser(
        "init", help="create or update index templates, ILM policies and the snapshot data stream (idempotent)"
    )
    init.set_defaults(handler=run_es_init)

    dashboards = commands.add_parser("dashboards", help="Kibana dashboards kept as code in dashboards/")
    dashboard_commands = dashboards.add_subparsers(dest="dashboards_command", metavar="ACTION", required=True)
    importer = dashboard_commands.add_parser(
        "import", help="import data views and dashboards through the saved objects API (overwrite)"
    )
    importer.add_argument("--kibana-url", required=True, help="e.g. http://localhost:5601")
    importer.add_argument("--api-key-env", metavar="VAR", help="environment variable holding a Kibana API key")
    importer.add_argument("--username", help="Kibana user for basic authentication (e.g. elastic)")
    importer.add_argument("--password-env", metavar="VAR", help="environment variable holding that user's password")
    importer.add_argument("--space", help="Kibana space id (default: the default space)")
    importer.add_argument("--dir", type=Path, help="folder of *.ndjson files (default: dashboards/ in the repository)")
    importer.set_defaults(handler=run_dashboards_import)


def run_es_init(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.store.elasticsearch import ElasticsearchStore

    store = ElasticsearchStore.from_settings(settings)
    try:
        for step in store.init():
            print(f"ok  {step}")
    finally:
        store.close()
    return 0


def run_dashboards_import(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.kibana import DASHBOARDS_DIR, import_saved_objects, saved_object_files

    api_key = _secret(args.api_key_env)
    basic_auth = None
    if args.username:
        basic_auth = (args.username, _secret(args.password_env) or "")
    results = import_saved_objects(
        args.kibana_url,
        saved_object_files(args.dir or DASHBOARDS_DIR),
        api_key=api_key,
        basic_auth=basic_auth,
        space=args.space,
    )
    for result in results:
        print(f"ok  {result.file}: {result.imported} saved objects")
    print(f"dashboards imported into {args.kibana_url}", file=sys.stderr)
    return 0


def _secret(variable: str | None) -> str | None:
    if variable is None:
        return None
    from pipeline.config import read_secret

    value = read_secret(variable)
    if value is None:
        raise ConfigError(f"environment variable {variable} is not set")
    return value
