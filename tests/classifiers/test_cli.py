from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from pipeline.enrich.registry import make_scorers
from pipeline.models import Post
from pipeline.store.sqlite import SQLiteStore
from tests.helpers import make_post, write_jsonl


@pytest.fixture
def model_settings(settings: Settings, env: pytest.MonkeyPatch, tiny_model_dir: Path) -> Iterator[Settings]:
    """Settings whose data dir holds the tiny model as the promoted version, scorer "model"."""
    models = settings.data_dir / "models"
    shutil.copytree(tiny_model_dir, models / tiny_model_dir.name)
    (models / "CURRENT").write_text(tiny_model_dir.name, encoding="utf-8")
    env.setenv("YUQING_SCORER", "model")
    make_scorers.cache_clear()  # scorers are cached per process; these must see this data dir
    yield Settings()
    make_scorers.cache_clear()


def test_classify_with_model_scorer_skips_malformed_lines_and_keeps_the_rest(
    model_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    posts = write_jsonl(
        tmp_path / "in.jsonl",
        [
            make_post(id="weibo:1", text="京东客服太差了，退款拖了一个月，我要投诉"),
            "{not json",
            make_post(id="weibo:2", text=None),
            "[1, 2]",
            make_post(id="weibo:3", text="顺丰小哥很快，满意", extra_key="kept"),
        ],
    )
    out = tmp_path / "out.jsonl"
    assert main(["classify", "--in", str(posts), "--out", str(out), "--scorer", "model"]) == 0
    err = capsys.readouterr().err
    assert f"{posts}:2" in err
    assert f"{posts}:3" in err
    assert f"{posts}:4" in err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["weibo:1", "weibo:3"]
    assert records[1]["extra_key"] == "kept"
    assert records[0]["complaint"]["is_complaint"] is True
    assert records[0]["sentiment"]["score"] > records[1]["sentiment"]["score"]


def test_feedback_add_and_list(model_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    store = SQLiteStore(model_settings.sqlite_path)
    store.upsert_posts([Post.from_dict(make_post(id="weibo:7", text="抵制某品牌，大家别买"))])
    store.close()

    assert (
        main(
            [
                "feedback",
                "add",
                "weibo:7",
                "--complaint",
                "1",
                "--severity",
                "3",
                "--category",
                "integrity",
                "--by",
                "李分析",
            ]
        )
        == 0
    )
    assert main(["feedback", "list"]) == 0
    out = capsys.readouterr().out
    assert "weibo:7" in out
    assert "severity=3" in out

    store = SQLiteStore(model_settings.sqlite_path)
    record = store.get_record("feedback", "weibo:7")
    store.close()
    assert record is not None
    assert record["text"] == "抵制某品牌，大家别买"
    assert record["labels"] == {"complaint": 1, "severity": 3, "category": "integrity"}
    assert set(record) == {"post_id", "text", "labels", "created_at", "by"} and record["by"] == "李分析"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["feedback", "add", "weibo:404", "--complaint", "1"], "not in the store"),
        (["feedback", "add", "weibo:7"], "give at least one"),
        (["feedback", "add", "weibo:7", "--complaint", "0", "--severity", "2"], "severity 0"),
    ],
)
def test_feedback_add_rejects_bad_input(
    model_settings: Settings, arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(arguments) == 2
    assert message in capsys.readouterr().err


def test_train_and_evaluate_commands(
    model_settings: Settings, tiny_corpora: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "models" / "vcli"
    assert main(["train", "--data-dir", str(tiny_corpora), "--out", str(out), "--limit", "60"]) == 0
    assert "train: features" in capsys.readouterr().err
    assert (out / "complaint.card.json").is_file()

    code = main(["evaluate", "--data-dir", str(tiny_corpora), "--model-dir", str(out), "--no-snownlp"])
    assert code == 0
    table = capsys.readouterr().out
    assert "| complaints_zh_gold/weibo_brand | complaint F1 |" in table
    assert "| smp2020/neutral | neutral share |" in table


def test_train_names_a_missing_corpora_folder(model_settings: Settings, tmp_path: Path, capsys) -> None:
    assert main(["train", "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "corpora folder not found" in capsys.readouterr().err
