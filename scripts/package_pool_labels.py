"""Packs the hand labels of weibo_brand_pool posts into `classifiers/resources/weibo_brand_pool_labels.jsonl`:
ids, text hashes and labels only (no post text), each post in the train or the test split.

Posts that are copies of one another (the same campaign text reposted with another comment in front) stay in
one split: posts are grouped by character 2-3-gram TF-IDF cosine ≥ 0.6 (single linkage), and a group goes to
test when the hash of its first id says so (one in five). A campaign reposted more than `BIG_GROUP` times (one
man's 40-odd copies of one accusation) stays in train, where the loader keeps a few copies of each group: in a
test split it would be most of one category. Each line names its group (`copies_of`: the group's first id).
Agreement is computed on the double-labelled posts.

    .venv/bin/python scripts/package_pool_labels.py --labels /work/labels --pool ../shared/data/weibo_brand_pool
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import cohen_kappa_score

from classifiers.corpora import text_digest

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "classifiers" / "resources" / "weibo_brand_pool_labels.jsonl"
BATCHES = 4
TEST_SHARE = 5  # one group in five goes to test
NEAR_COPY = 0.6
BIG_GROUP = 5


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pool_texts(pool: Path) -> dict[str, str]:
    return {
        str(row["id"]): str(row["text"]).strip() for path in sorted(pool.glob("*.jsonl")) for row in read_jsonl(path)
    }


def copy_groups(texts: list[str]) -> np.ndarray:
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(texts)
    similar = (vectors @ vectors.T) >= NEAR_COPY
    _, groups = connected_components(similar, directed=False)
    return np.asarray(groups)


def agreement(labels: Path) -> dict[str, float]:
    """Cohen's kappa per label on the posts two labellers labelled (overlap-n holds posts of batch n-1)."""
    pairs = []
    for batch in range(1, BATCHES + 1):
        first = {row["id"]: row for row in read_jsonl(labels / f"labels-{batch}.jsonl")}
        second = read_jsonl(labels / f"overlap-labels-{batch % BATCHES + 1}.jsonl")
        pairs += [(first[row["id"]], row) for row in second]
    result: dict[str, float] = {"posts": float(len(pairs))}
    for key in ("complaint", "severity", "category"):
        result[key] = float(cohen_kappa_score([a[key] for a, _ in pairs], [b[key] for _, b in pairs]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--pool", type=Path, required=True)
    args = parser.parse_args()
    texts = pool_texts(args.pool)
    rows = [row for batch in range(1, BATCHES + 1) for row in read_jsonl(args.labels / f"labels-{batch}.jsonl")]
    strata = json.loads((args.labels / "strata.json").read_text(encoding="utf-8"))
    groups = copy_groups([texts[str(row["id"])] for row in rows])
    first_id: dict[int, str] = {}
    for row, group in zip(rows, groups, strict=True):
        first_id.setdefault(int(group), str(row["id"]))
    sizes = Counter(int(group) for group in groups)
    with OUT.open("w", encoding="utf-8") as handle:
        for row, group in zip(rows, groups, strict=True):
            digest = int(hashlib.sha256(first_id[int(group)].encode()).hexdigest(), 16)
            record = {
                "id": row["id"],
                "sha256": text_digest(texts[str(row["id"])]),
                "complaint": row["complaint"],
                "severity": row["severity"],
                "category": row["category"],
                "split": "test" if digest % TEST_SHARE == 0 and sizes[int(group)] <= BIG_GROUP else "train",
                "copies_of": first_id[int(group)],
                "stratum": strata[str(row["id"])],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    written = read_jsonl(OUT)
    print(f"{len(written)} labels, {len(set(groups))} copy groups -> {OUT}")
    print("splits", Counter(str(row["split"]) for row in written))
    for split in ("train", "test"):
        part = [row for row in written if row["split"] == split]
        print(
            split,
            "complaints",
            sum(int(row["complaint"]) for row in part),
            Counter(str(row["category"]) for row in part if row["complaint"]),
        )  # type: ignore[call-overload]
    print("agreement (Cohen's kappa)", agreement(args.labels))


if __name__ == "__main__":
    main()
