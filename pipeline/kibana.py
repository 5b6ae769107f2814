"""Import the Kibana saved objects of `dashboards/` through the saved objects `_import` API.

Files are sent one by one (data views first, so that the dashboards' references resolve) with
`overwrite=true`, which makes the import idempotent: the objects have stable ids and the files in git
are the source of truth. Kibana answers 200 even when some objects failed; those per-object `errors[]`
are reported as failures, never ignored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from pipeline.config import REPO_ROOT
from pipeline.exceptions import StoreError

logger = logging.getLogger(__name__)

DASHBOARDS_DIR = REPO_ROOT / "dashboards"
FIRST = "data-views.ndjson"  # referenced by every other file


@dataclass(frozen=True, slots=True)
class ImportResult:
    file: str
    imported: int


def saved_object_files(directory: Path = DASHBOARDS_DIR) -> list[Path]:
    """The NDJSON files to import, data views first."""
    files = sorted(directory.glob("*.ndjson"), key=lambda path: (path.name != FIRST, path.name))
    if not files:
        raise StoreError(f"no saved objects (*.ndjson) in {directory}")
    return files


def import_saved_objects(
    kibana_url: str,
    files: list[Path],
    *,
    api_key: str | None = None,
    basic_auth: tuple[str, str] | None = None,
    space: str | None = None,
    session: requests.Session | None = None,
    timeout_s: float = 30.0,
) -> list[ImportResult]:
    """POST each file to `<kibana>/[s/<space>/]api/saved_objects/_import?overwrite=true`."""
    http = session or requests.Session()
    base = kibana_url.rstrip("/") + (f"/s/{space}" if space else "")
    headers = {"kbn-xsrf": "true"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    results = []
    for path in files:
        with path.open("rb") as handle:
            try:
                response = http.post(
                    f"{base}/api/saved_objects/_import",
                    params={"overwrite": "true"},
                    headers=headers,
                    files={"file": (path.name, handle, "application/ndjson")},
                    auth=basic_auth,
                    timeout=timeout_s,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                raise StoreError(f"Kibana at {kibana_url} is not reachable: {exc}") from exc
        results.append(ImportResult(path.name, _check(path.name, response)))
        logger.info("imported %s: %d saved objects", path.name, results[-1].imported)
    return results


def _check(name: str, response: requests.Response) -> int:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        detail = body.get("message") if isinstance(body, dict) else response.text[:300]
        raise StoreError(f"Kibana refused {name}: HTTP {response.status_code}: {detail}")
    errors = body.get("errors") or []
    if errors or not body.get("success", False):
        problems = "; ".join(_describe_error(error) for error in errors) or "success: false"
        raise StoreError(f"Kibana imported {name} with errors: {problems}")
    return int(body.get("successCount", 0))


def _describe_error(error: dict[str, Any]) -> str:
    """`dashboard yuqing-incidents: missing_references (index-pattern yuqing-incidents-dv)`."""
    cause = error.get("error") or {}
    reason = str(cause.get("type", "unknown"))
    missing = cause.get("references")
    if missing:
        reason += " (" + ", ".join(f"{ref.get('type')} {ref.get('id')}" for ref in missing) + ")"
    elif cause.get("message"):
        reason += f": {cause['message']}"
    return f"{error.get('type')} {error.get('id')}: {reason}"


def read_saved_objects(path: Path) -> list[dict[str, Any]]:
    """Parse an NDJSON file of saved objects, naming the line of any that is not a JSON object."""
    objects = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StoreError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise StoreError(f"{path}:{number}: a saved object must be a JSON object")
        objects.append(value)
    return objects
