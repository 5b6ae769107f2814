"""Saving and loading model versions: skops files plus a JSON model card per model, no pickle.

A version directory holds `sentiment.skops`, `complaint.skops`, `sentiment.card.json` and
`complaint.card.json`. Bundled versions live in `classifiers/artifacts/<version>/`; retrained ones under
`<data_dir>/models/<version>/`, with `<data_dir>/models/CURRENT` naming the promoted one. The complaint model
reads P(negative) from the sentiment model's polarity head, which is saved once, in `sentiment.skops`
(`save_models`, `load_models`).
"""

from __future__ import annotations

import json
import logging
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from classifiers.errors import ModelError

logger = logging.getLogger(__name__)

BUNDLED_VERSION = "v5"
MODEL_NAMES = ("sentiment", "complaint")
CURRENT_POINTER = "CURRENT"
# Types skops must be allowed to rebuild beyond its defaults: ours, and the few numpy/sklearn ones it
# does not trust by itself. Anything else in a file is refused.
TRUSTED_PREFIXES = ("classifiers.", "sklearn.", "numpy.", "scipy.", "builtins.")
# What a saved complaint model holds in place of a sentiment head that is the sentiment model's polarity head.
SHARED_POLARITY_HEAD = "polarity head of sentiment.skops"


def bundled_dir(version: str = BUNDLED_VERSION) -> Path:
    return Path(str(resources.files("classifiers") / "artifacts" / version))


def model_dir_for(data_dir: Path | None) -> Path:
    """The promoted retrained version under `<data_dir>/models` if there is one, else the bundled one."""
    if data_dir is not None:
        pointer = data_dir / "models" / CURRENT_POINTER
        if pointer.is_file():
            candidate = data_dir / "models" / pointer.read_text(encoding="utf-8").strip()
            if (candidate / "sentiment.skops").is_file():
                return candidate
            logger.warning("%s names %s, which holds no model; using the bundled one", pointer, candidate)
    return bundled_dir()


@contextmanager
def _quiet_skops() -> Iterator[None]:
    """skops finds a type's module by asking every loaded module for it (on import, on dump and on load); inside
    Airflow each ask of a deprecated Airflow attribute warns: about a thousand log lines per task."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"skops\.io\._utils")
        yield


def save_model(model: Any, card: dict[str, Any], directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.skops"
    with _quiet_skops():
        import skops.io

        skops.io.dump(model, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    _write_card({**card, "file": path.name, "size_bytes": path.stat().st_size}, directory, name)
    return path


def _write_card(card: dict[str, Any], directory: Path, name: str) -> None:
    (directory / f"{name}.card.json").write_text(
        json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def record_metrics(directory: Path, metrics: dict[str, dict[str, float]]) -> None:
    """Write a version's evaluation figures into both of its model cards; the model files stay as they are."""
    for name in MODEL_NAMES:
        _write_card({**load_card(directory, name), "metrics": metrics}, directory, name)


def load_model(directory: Path, name: str) -> Any:
    """Rebuild one model from its skops file, refusing any type outside `TRUSTED_PREFIXES`."""
    path = directory / f"{name}.skops"
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    try:
        with _quiet_skops():
            import skops.io

            untrusted = skops.io.get_untrusted_types(file=path)
            refused = [name for name in untrusted if not name.startswith(TRUSTED_PREFIXES)]
            if refused:
                raise ModelError(f"{path}: refusing to load untrusted types {', '.join(refused)}")
            return skops.io.load(path, trusted=untrusted)
    except ModelError:
        raise
    except Exception as exc:  # skops raises many types (zip, json, attribute errors) for a bad file
        raise ModelError(f"{path}: cannot load model: {exc}") from exc


def save_models(directory: Path, sentiment: Any, complaint: Any, cards: dict[str, dict[str, Any]]) -> None:
    """Save a version's two pipelines with their cards. The polarity head the complaint model shares with the
    sentiment model is left out of `complaint.skops`: it was a third of that file."""
    save_model(sentiment, cards["sentiment"], directory, "sentiment")
    classifier = complaint.named_steps["classifier"]
    own_head = classifier.sentiment_head
    if own_head is not None and own_head is getattr(sentiment.named_steps["classifier"], "polarity_", None):
        classifier.sentiment_head = SHARED_POLARITY_HEAD
    try:
        save_model(complaint, cards["complaint"], directory, "complaint")
    finally:
        classifier.sentiment_head = own_head  # the caller's pipeline keeps working as it was


def load_models(directory: Path) -> tuple[Any, Any]:
    """The sentiment and complaint pipelines of a version, the shared polarity head put back in its place."""
    sentiment, complaint = load_model(directory, "sentiment"), load_model(directory, "complaint")
    try:
        classifier = complaint.named_steps["classifier"]
        if classifier.sentiment_head == SHARED_POLARITY_HEAD:
            classifier.sentiment_head = sentiment.named_steps["classifier"].polarity_
    except (AttributeError, KeyError) as exc:
        raise ModelError(f"{directory}: models are not the expected pipelines") from exc
    return sentiment, complaint


def load_card(directory: Path, name: str) -> dict[str, Any]:
    path = directory / f"{name}.card.json"
    try:
        card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: cannot read model card: {exc}") from exc
    return card
