"""Compare candidate model folders on the full dev splits (never test) to pick the one to ship.

    python tools/select_on_dev.py models/default /tmp/cands/long /tmp/cands/long2
    python tools/select_on_dev.py mpnet-attitude default+mpnet-attitude   # shipped names and ensembles too

Prints each data set's headline dev metric per candidate and the mean; the test splits are read only by
``python -m benchmarks`` after the choice is made.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEV_SETS = ["newsmtsc-rw", "newsmtsc-mt", "semeval2016-a", "pstance", "dse", "attitude"]


def main(paths: list[str]) -> None:
    from stance import StanceClassifier
    from stance.data import DATASETS
    from stance.registry import load_model
    from stance.evaluation import evaluate_dataset

    for p in paths:
        row = {}
        tasks = load_model(p).labels  # a folder, a shipped name, or an ensemble ("default+mpnet-attitude")
        for name in DEV_SETS:
            if DATASETS[name]["task"] not in tasks:  # a model for some tasks only (mpnet-attitude)
                continue
            clf = StanceClassifier(task=DATASETS[name]["task"], model=p)
            r = evaluate_dataset(clf, name, "dev", n_boot=0)
            row[name] = round(100 * r.score, 2)
        row["mean"] = round(sum(row.values()) / len(row), 2)
        print(p, json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
