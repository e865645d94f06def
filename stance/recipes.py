"""How every shipped model is trained. One command retrains one model::

    python -m stance.recipes default          # MiniLM, all five tasks -> models/default
    python -m stance.recipes mpnet            # the same mixture on MPNet-base -> models/mpnet

Training data: NewsMTSC train (sentiment), SemEval-2016 A train (85%, the rest is dev) and P-Stance train
(stance), DSE train (directed), the project's attitude train split (attitude). Early stopping and temperature
calibration use only the dev splits; no test split is read here.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .data import load_dataset
from .labels import TASK_LABELS
from .modeling import StanceModel
from .training import TaskData, TrainingArguments, task_data, train

RECIPES = {
    "default": {"backbone": "minilm", "epochs": 3.0},
    "mpnet": {"backbone": "mpnet", "epochs": 2.0},
}


def _concat(*parts: TaskData) -> TaskData:
    return TaskData([i for p in parts for i in p.items], [y for p in parts for y in p.labels])


def mixture(data_dir=None) -> tuple[dict[str, TaskData], dict[str, TaskData]]:
    L = TASK_LABELS
    sem_tr = task_data(load_dataset("semeval2016-a", "train", data_dir), L["stance"])
    train_sets = {
        "sentiment": task_data(load_dataset("newsmtsc-rw", "train", data_dir), L["sentiment"]),
        # SemEval is small: three copies, so each epoch's capped stance sample sees it as much as P-Stance.
        "stance": _concat(sem_tr, sem_tr, sem_tr,
                          task_data(load_dataset("pstance", "train", data_dir), L["stance"])),
        "directed": task_data(load_dataset("dse", "train", data_dir), L["directed"]),
        "attitude": _concat(*[task_data(load_dataset("attitude", "train", data_dir), L["attitude"])] * 2),
    }
    dev_sets = {
        "sentiment": _concat(task_data(load_dataset("newsmtsc-rw", "dev", data_dir), L["sentiment"]),
                             task_data(load_dataset("newsmtsc-mt", "dev", data_dir), L["sentiment"])),
        "stance": _concat(task_data(load_dataset("semeval2016-a", "dev", data_dir), L["stance"]),
                          task_data(load_dataset("pstance", "dev", data_dir), L["stance"])),
        "directed": task_data(load_dataset("dse", "dev", data_dir), L["directed"]),
        "attitude": task_data(load_dataset("attitude", "dev", data_dir), L["attitude"]),
    }
    return train_sets, dev_sets


def run(name: str, out: Path | None = None, data_dir=None, epochs: float | None = None) -> Path:
    spec = RECIPES[name]
    out = Path(out or Path(__file__).resolve().parents[1] / "models" / name)
    out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    train_sets, dev_sets = mixture(data_dir)
    model = StanceModel.from_backbone({t: TASK_LABELS[t] for t in train_sets}, spec["backbone"])
    args = TrainingArguments(epochs=epochs or spec["epochs"], log_file=str(out / "train.log"),
                             max_per_task_per_epoch={"stance": 10000, "directed": 6000},
                             max_dev_per_task=800, evals_per_epoch=2, patience=3)
    history = train(model, train_sets, dev_sets, args, progress=False)
    model.info = {"recipe": name, "training": history["args"], "best_dev_mean": history.get("best_dev_mean"),
                  "dev_evals": history["evals"], "calibration": history.get("calibration"),
                  "train_seconds": history["train_seconds"],
                  "train_sizes": {t: len(d.items) for t, d in train_sets.items()}}
    model.save(out)
    from .model_card import write_card

    write_card(out)
    (out / "history.json").write_text(json.dumps(history, indent=2, default=str))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m stance.recipes", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", choices=sorted(RECIPES))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--data-dir")
    ap.add_argument("--epochs", type=float)
    a = ap.parse_args(argv)
    print(run(a.name, a.out, a.data_dir, a.epochs))


if __name__ == "__main__":
    main()
