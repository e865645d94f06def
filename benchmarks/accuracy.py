"""Accuracy table: every data set x every system through stance.evaluation."""
from __future__ import annotations

import time
from pathlib import Path

from stance.backbone import ModelError
from stance.baselines import KeywordAttitude, VaderBaseline, ZeroShotSimilarity, majority, tfidf_logreg
from stance.data import DATASETS, DataError, load_dataset
from stance.estimator import StanceClassifier
from stance.registry import models_dir
from stance.evaluation import at_dataset_level, paired_bootstrap, predict_labels, score_predictions
from stance.labels import TASK_LABELS

# data set, split, where the baselines learn from (train split of the same family; PerSenT has no train split)
BENCH = [
    ("newsmtsc-rw", "test", ("newsmtsc-rw", "train")),
    ("newsmtsc-mt", "test", ("newsmtsc-rw", "train")),
    ("dse", "test", ("dse", "train")),
    ("semeval2016-a", "test", ("semeval2016-a", "train")),
    ("semeval2016-b", "test", ("semeval2016-a", "train")),
    ("pstance", "test", ("pstance", "train")),
    ("persent", "dev", ("newsmtsc-rw", "train")),
    ("attitude", "test", ("attitude", "train")),
    ("attitude-articles", "test", ("attitude", "train")),
]
BASELINES = ["majority", "tfidf-logreg", "vader", "zero-shot-minilm", "keyword-rules"]
# Shipped models averaged (stance.ensemble), scored on the data sets of the tasks all their members have.
ENSEMBLES = ["default+mpnet-attitude"]
# Test sets whose sentences our attitude annotations also use: each system is scored a second time on the rows
# whose sentence is in no attitude training passage, so a model that read some of those sentences in training
# (the shipped default's early stages did) can be judged on text it never saw.
OVERLAP_CHECKED = ("newsmtsc-rw", "newsmtsc-mt", "dse")
# Test sets that repeat sentences of their own training split verbatim (DSE as distributed: 401 of its 1,623 test
# sentences, 400 of them with the same pair and label): each system is also scored on the test rows whose
# sentence is not in that split, and the paired test between the best model and the best baseline is run there too.
TRAIN_OVERLAP_CHECKED = ("dse",)


# Baselines that learn nothing from a training split (their fit reads no rows: a lexicon, label descriptions).
NO_TRAINING = ("vader", "zero-shot-minilm", "keyword-rules")


def check_names(datasets, systems) -> None:
    """Refuse data set or system names the runner does not know, naming the ones it does."""
    known_ds = [b[0] for b in BENCH]
    bad = [d for d in datasets or [] if d not in known_ds]
    if bad:
        raise ValueError(f"unknown data set(s) {bad}; choose from {', '.join(known_ds)}")
    known_sys = BASELINES + shipped_models() + ENSEMBLES
    # an ensemble of shipped models may be named too ("default+mpnet-sentiment")
    bad = [x for x in systems or [] if x not in known_sys
           and not ("+" in x and all(p in shipped_models() for p in x.split("+")))]
    if bad:
        raise ValueError(f"unknown system(s) {bad}; choose from {', '.join(known_sys)}")


def _attitude_train_texts(data_dir) -> tuple[set, str | None]:
    """The attitude training passages' texts, or (empty, why not) when they cannot be read here."""
    try:
        return set(load_dataset("attitude", "train", data_dir)[:]["text"]), None
    except DataError as e:
        return set(), str(e)


def shipped_models() -> list[str]:
    return sorted(d.name for d in models_dir().glob("*") if (d / "config.json").exists())


def make_system(name: str, task: str):
    if name == "majority":
        return majority()
    if name == "tfidf-logreg":
        return tfidf_logreg()
    if name == "vader":
        return VaderBaseline(task=task)
    if name == "zero-shot-minilm":
        return ZeroShotSimilarity(task=task)
    if name == "keyword-rules":
        return KeywordAttitude() if task == "attitude" else None
    import json

    for part in name.split("+"):
        cfg = models_dir() / part / "config.json"
        if not cfg.exists() and "+" in name:
            return None  # an ensemble member that is not shipped here
        if cfg.exists() and task not in json.loads(cfg.read_text()).get("tasks", {}):
            return None  # a shipped model without this task's head (mpnet-attitude on sentiment data)
    return StanceClassifier(task=task, model=name)


def run_accuracy(datasets=None, systems=None, data_dir=None, n_boot=1000, progress=print, plots_dir=None):
    """Evaluate; return (rows, predictions) where rows are result dicts and predictions are kept for tests."""
    rows, preds = [], {}
    fitted: dict = {}
    models = shipped_models() + ENSEMBLES
    attitude_train_texts = None  # read once, for the data sets in OVERLAP_CHECKED
    all_systems = BASELINES + models
    systems = systems or all_systems
    for ds_name, split, (tr_name, tr_split) in BENCH:
        if datasets and ds_name not in datasets:
            continue
        spec = DATASETS[ds_name]
        task = spec["task"]
        labels = spec.get("labels") or TASK_LABELS[task]
        try:
            X = load_dataset(ds_name, split, data_dir).to_pandas()
        except DataError as e:
            rows.append({"dataset": ds_name, "split": split, "skipped": str(e)})
            progress(f"skip {ds_name}: {e}")
            continue
        y = X["label"].tolist()
        groups = X["group"].tolist()
        unseen_train = None
        if ds_name in TRAIN_OVERLAP_CHECKED:
            try:
                own = set(load_dataset(tr_name, tr_split, data_dir)[:]["text"])
                unseen_train = [i for i, t in enumerate(X["text"]) if t not in own]
            except DataError:
                unseen_train = None
        unseen, unseen_skipped = None, None
        if ds_name in OVERLAP_CHECKED:
            if attitude_train_texts is None:
                attitude_train_texts, overlap_error = _attitude_train_texts(data_dir)
            seen = attitude_train_texts
            unseen = [i for i, t in enumerate(X["text"]) if t not in seen] if seen else None
            if not seen:  # said in the row and the report, not left out silently
                unseen_skipped = f"the attitude training passages could not be read ({overlap_error})"
        for sysname in systems:
            est = make_system(sysname, task)
            if est is None:
                continue
            t0 = time.perf_counter()
            try:
                if sysname in BASELINES:
                    key = (sysname, task, tr_name, tr_split)
                    if sysname == "majority" and ds_name == "persent":
                        key = (sysname, "persent")  # no PerSenT train split: the evaluated split's own majority
                        est.fit(X, y)
                    elif key not in fitted:
                        if sysname in NO_TRAINING:  # its fit reads no rows: no training split needed
                            est.fit()
                        else:
                            T = load_dataset(tr_name, tr_split, data_dir).to_pandas()
                            est.fit(T, T["label"].tolist())
                        fitted[key] = est
                    est = fitted.get(key, est)
                fit_s = time.perf_counter() - t0
                runner = at_dataset_level(ds_name, est)  # PerSenT per document, attitude-articles per actor
                t1 = time.perf_counter()
                pred = predict_labels(runner, X, labels)
                pred_s = time.perf_counter() - t1
            except (DataError, ModelError) as e:  # its data or its model cannot be read here: the others go on
                rows.append({"dataset": ds_name, "split": split, "system": sysname, "skipped": str(e)})
                progress(f"skip {ds_name}/{sysname}: {e}")
                continue
            res = score_predictions(y, pred, labels, spec["metric"], groups, n_boot)
            row = {"dataset": ds_name, "split": split, "system": sysname,
                   "kind": "model" if sysname in models else "baseline", **res.to_dict(),
                   "predict_seconds": pred_s, "items_per_second": len(y) / pred_s if pred_s else None,
                   "fit_seconds": fit_s}
            if ds_name == "attitude-articles":  # what this run read, for the report (the data set grows by rounds)
                row["articles"] = int(X["text"].nunique())
            if unseen is not None and len(unseen) < len(y):
                sub = score_predictions([y[i] for i in unseen], [pred[i] for i in unseen], labels, spec["metric"],
                                        [groups[i] for i in unseen], n_boot)
                row["unseen_sentences"] = {"score": sub.score, "ci95": sub.ci95, "n": sub.n}
            elif unseen_skipped:
                row["unseen_sentences_skipped"] = unseen_skipped
            if unseen_train is not None and len(unseen_train) < len(y):
                sub = score_predictions([y[i] for i in unseen_train], [pred[i] for i in unseen_train], labels,
                                        spec["metric"], [groups[i] for i in unseen_train], n_boot)
                row["not_in_train"] = {"score": sub.score, "ci95": sub.ci95, "n": sub.n,
                                       "train": f"{tr_name}/{tr_split}"}
            rows.append(row)
            preds[(ds_name, sysname)] = (y, pred, labels, spec["metric"])
            if plots_dir and sysname in models:
                res.save_confusion_png(Path(plots_dir) / f"cm_{ds_name}_{sysname}.png",
                                       title=f"{sysname} on {ds_name}/{split}: {res.metric} {res.score:.3f}")
            ci = f" [{res.ci95[0]:.3f}, {res.ci95[1]:.3f}]" if res.ci95 else ""
            progress(f"{ds_name:14s} {sysname:18s} {res.metric}={res.score:.4f}{ci} n={res.n} ({pred_s:.1f}s)")
        # paired bootstrap: best shipped model vs best baseline on this data set
        ours = [r for r in rows if r.get("dataset") == ds_name and r.get("kind") == "model"]
        base = [r for r in rows if r.get("dataset") == ds_name and r.get("kind") == "baseline"]
        if ours and base:
            bo = max(ours, key=lambda r: r["score"])
            bb = max(base, key=lambda r: r["score"])
            yt, pa, lab, metric = preds[(ds_name, bo["system"])]
            pb = preds[(ds_name, bb["system"])][1]
            test = paired_bootstrap(yt, pa, pb, lab, metric, n_boot)
            if unseen_train is not None and len(unseen_train) < len(yt):
                k = unseen_train
                test["not_in_train"] = {"n": len(k), **paired_bootstrap([yt[i] for i in k], [pa[i] for i in k],
                                                                        [pb[i] for i in k], lab, metric, n_boot)}
            rows.append({"dataset": ds_name, "split": split, "paired_test": True, "model": bo["system"],
                         "baseline": bb["system"], **test})
    return rows, preds
