"""How every shipped model is trained. One command retrains one model::

    python -m stance.recipes default          # MiniLM, all four tasks -> models/default
    python -m stance.recipes mpnet            # the same mixture on MPNet-base -> models/mpnet

Two stages: (1) all tasks jointly; (2) a shorter run from (1) with a fresh learning-rate schedule, a smaller share
of the tweet data, and class-weighted loss so the rare labels (attitude, DSE) are learned for macro-F1.
``--stage 2 --init DIR`` runs the second stage alone on a saved first stage.

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
    "default": {"backbone": "minilm", "epochs": 3.0, "stage2_epochs": 1.5},
    "mpnet": {"backbone": "mpnet", "epochs": 2.0, "stage2_epochs": 1.0},
}
STAGE1_CAPS = {"stance": 10000, "directed": 6000}
STAGE2_CAPS = {"stance": 3000, "directed": 6000}
STAGE2_LR = 4e-4
STAGE2_CLASS_WEIGHT_POWER = 0.75  # the rare labels of attitude and DSE count for macro-F1


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


def _stage(model, name, stage, train_sets, dev_sets, out: Path, epochs, caps, lr=None,
           class_weight_power: float = 0.0) -> dict:
    args = TrainingArguments(epochs=epochs, log_file=str(out / "train.log"), max_per_task_per_epoch=caps,
                             max_dev_per_task=800, evals_per_epoch=2, patience=3,
                             class_weight_power=class_weight_power)
    if lr:
        args.learning_rate = lr
    logging.getLogger("stance.training").info("recipe %s stage %d", name, stage)
    return train(model, train_sets, dev_sets, args, progress=False)


def run(name: str, out: Path | None = None, data_dir=None, epochs: float | None = None, stage: int = 0,
        init: Path | None = None) -> Path:
    """Train recipe ``name``; ``stage`` 0 runs both stages, 1 or 2 one of them (2 needs ``init``)."""
    spec = RECIPES[name]
    out = Path(out or Path(__file__).resolve().parents[1] / "models" / name)
    out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    train_sets, dev_sets = mixture(data_dir)
    histories = []
    if stage in (0, 1):
        model = StanceModel.from_backbone({t: TASK_LABELS[t] for t in train_sets}, spec["backbone"])
        histories.append(_stage(model, name, 1, train_sets, dev_sets, out, epochs or spec["epochs"], STAGE1_CAPS))
    else:
        if init is None:
            raise SystemExit("--stage 2 needs --init DIR (a saved first stage)")
        model = StanceModel.load(init)
        prev = json.loads((Path(init) / "history.json").read_text())
        histories = prev if isinstance(prev, list) else [prev]
    if stage in (0, 2):
        histories.append(_stage(model, name, 2, train_sets, dev_sets, out, spec["stage2_epochs"], STAGE2_CAPS,
                                STAGE2_LR, STAGE2_CLASS_WEIGHT_POWER))
    last = histories[-1]
    model.info = {"recipe": name, "stages": len(histories), "training": last["args"],
                  "stage_args": [h["args"] for h in histories], "best_dev_mean": last.get("best_dev_mean"),
                  "dev_evals": [e for h in histories for e in h["evals"]], "calibration": last.get("calibration"),
                  "train_seconds": sum(h["train_seconds"] for h in histories),
                  "train_sizes": {t: len(d.items) for t, d in train_sets.items()}}
    model.save(out)
    from .model_card import write_card

    write_card(out)
    (out / "history.json").write_text(json.dumps(histories, indent=2, default=str))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m stance.recipes", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", choices=sorted(RECIPES))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--data-dir")
    ap.add_argument("--epochs", type=float, help="first-stage epochs (default: the recipe's)")
    ap.add_argument("--stage", type=int, choices=[0, 1, 2], default=0, help="0: both stages (default)")
    ap.add_argument("--init", type=Path, help="saved first stage for --stage 2")
    a = ap.parse_args(argv)
    print(run(a.name, a.out, a.data_dir, a.epochs, a.stage, a.init))


if __name__ == "__main__":
    main()
