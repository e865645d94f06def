"""Train one task alone, to see what sharing the adapter with the other tasks costs it (dev splits only).

    python tools/single_task_probe.py sentiment --epochs 2 --out /tmp/probe-sentiment
    python tools/single_task_probe.py attitude --epochs 4 --init /path/to/saved/stage-2 --lr 4e-4 --out /tmp/p

Same data as the recipes (``stance.recipes.mixture``), same architecture; the log's dev evaluations are the
figures to compare with the multi-task model's (models/*/train.log).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    from stance import recipes

    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["sentiment", "stance", "directed", "attitude"])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--backbone", default="minilm")
    ap.add_argument("--init", type=Path, help="start from this saved model instead of the bare backbone")
    ap.add_argument("--lr", type=float)
    ap.add_argument("--class-weight-power", type=float, default=0.0)
    a = ap.parse_args()
    tr, dv = recipes.mixture()
    stage = {"epochs": a.epochs, "class_weight_power": a.class_weight_power, **({"lr": a.lr} if a.lr else {})}
    stages = [{}, stage] if a.init else [stage]
    spec = {"backbone": a.backbone, "seed": 42, "stages": stages}
    recipes.run(f"{a.task}-only", a.out, spec=spec, stage=2 if a.init else 0, init=a.init,
                sets=({a.task: tr[a.task]}, {a.task: dv[a.task]}))


if __name__ == "__main__":
    main()
