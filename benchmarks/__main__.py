"""``python -m benchmarks``: accuracy on every data set x system, speed, corpus scoring; writes RESULTS.md,
results.json and plots/. ``--datasets``/``--systems`` run a part; other parts keep their last results."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# The CPU features that decide how fast fp32 and bf16 matrix products run (AMX: bf16 tile units).
MATMUL_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16")


def speed_summary(sp: dict) -> dict:
    """What the speed history keeps of one speed run: the machine and the batching ratios."""
    keys = ("date", "machine", "naive_fp32_pairs_per_s", "batched_fp32_pairs_per_s", "batched_bf16_pairs_per_s",
            "batched_fp32_speedup", "batched_bf16_speedup", "batched_bf16_speedup_per_round",
            "batched_bf16_agreement_with_naive", "batched_bf16_share_of_ceiling", "matmul_fp32_flops",
            "matmul_bf16_flops", "bf16_encoder", "bf16_native")
    return {k: sp[k] for k in keys if k in sp}


def record_speed(results: dict, sp: dict) -> None:
    """Make ``sp`` the current speed run; every run is also kept in short in ``speed_history`` (the one it
    replaces included), so that the table shows how the batching ratio moves with the machine.

    >>> res = {"speed": {"date": "d1", "batched_bf16_speedup": 11.0}}
    >>> record_speed(res, {"date": "d2", "batched_bf16_speedup": 8.0})
    >>> [(h["date"], h["batched_bf16_speedup"]) for h in res["speed_history"]]
    [('d1', 11.0), ('d2', 8.0)]
    """
    history = results.get("speed_history", [])
    if results.get("speed") and results["speed"]["date"] not in {h["date"] for h in history}:
        history.append(speed_summary(results["speed"]))
    results["speed_history"] = history + [speed_summary(sp)]
    results["speed"] = sp


def machine() -> dict:
    import sklearn
    import torch
    import transformers

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        # uncommitted changes to the code or the models mean the figures are not those of that commit
        # (the model cards, models/*/README.md, are the runner's own output, not code)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "stance", "models", "benchmarks/*.py",
                                ":(exclude)models/*/README.md"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        if commit and dirty:
            commit += " with uncommitted changes"
    except OSError:
        commit = ""
    cpu, flags = "", []
    try:
        info = open("/proc/cpuinfo").read().splitlines()
        cpu = next(l.split(":", 1)[1].strip() for l in info if l.startswith("model name"))
        # a generic name ("AMD EPYC") hides the generation, which sets the bf16 ratio: add family and model
        fam = [l.split(":", 1)[1].strip() for l in info if l.split(":")[0].strip() in ("cpu family", "model")][:2]
        if len(fam) == 2 and not any(ch.isdigit() for ch in cpu):
            cpu += f" (family {fam[0]}, model {fam[1]})"
        have = set(next(l.split(":", 1)[1].split() for l in info if l.startswith("flags")))
        flags = [f for f in MATMUL_FLAGS if f in have]
    except (OSError, StopIteration):
        pass
    import os

    return {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "commit": commit,
            "python": platform.python_version(), "platform": platform.platform(), "cpu": cpu, "cpu_flags": flags,
            "cores": os.cpu_count(), "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "transformers": transformers.__version__, "scikit-learn": sklearn.__version__}


def load_previous(path: Path) -> dict:
    if path.exists():
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            pass
    return {"accuracy": [], "runs": []}


def merge(old_rows: list, new_rows: list) -> list:
    def key(r):
        return (r.get("dataset"), r.get("system"), r.get("paired_test", False))

    new_keys = {key(r) for r in new_rows}
    # A paired test compares rows of one run: any newly scored row for a data set makes its old test stale, and
    # the note that an earlier run skipped the data set too.
    scored = {r.get("dataset") for r in new_rows if "score" in r}
    kept = [r for r in old_rows if key(r) not in new_keys and not (
        r.get("dataset") in scored and (r.get("paired_test") or ("skipped" in r and "system" not in r)))]
    return kept + new_rows


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--datasets", help="comma-separated subset (default: all)")
    ap.add_argument("--systems", help="comma-separated subset of baselines and shipped models (default: all)")
    ap.add_argument("--data-dir")
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--report-only", action="store_true",
                    help="run nothing: rewrite RESULTS.md, the README block and the model cards from results.json")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-corpus", action="store_true")
    ap.add_argument("--naive-pairs", type=int, default=None, help="pairs for the naive loop (default: all 803)")
    ap.add_argument("--analyze-docs", type=int, default=100)
    ap.add_argument("--out", type=Path, default=HERE)
    a = ap.parse_args(argv)
    from tqdm.auto import tqdm

    def progress(msg):
        tqdm.write(msg)

    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    from .accuracy import check_names

    try:  # a misspelt name would otherwise run nothing, or fail after the rest has run
        check_names(a.datasets.split(",") if a.datasets else None, a.systems.split(",") if a.systems else None)
    except ValueError as e:
        ap.error(str(e))
    out = a.out
    # the README's figures block and the model cards follow the project's own results only; a run written
    # elsewhere (--out) leaves them as they are
    own = out.resolve() == HERE.resolve()
    (out / "plots").mkdir(parents=True, exist_ok=True)
    res_path = out / "results.json"
    results = load_previous(res_path)
    if a.report_only:
        a.skip_accuracy = a.skip_speed = a.skip_corpus = True
    else:
        run = {"command": command.strip(), **machine()}
        results["runs"] = (results.get("runs") or [])[-9:] + [run]
    if not a.skip_accuracy:
        from .accuracy import run_accuracy

        rows, _ = run_accuracy(a.datasets.split(",") if a.datasets else None,
                               a.systems.split(",") if a.systems else None, a.data_dir, a.n_boot, progress,
                               out / "plots")
        for r in rows:
            r["command"] = run["command"]
            r["date"] = run["date"]
        results["accuracy"] = merge(results.get("accuracy", []), rows)
        res_path.write_text(json.dumps(results, indent=1, default=str))  # kept if a later section is stopped
    if not a.skip_speed:
        from .speed import run_analyze, run_pairs

        sp = run_pairs(n_naive=a.naive_pairs, progress=progress)
        sp.update(run_analyze(a.analyze_docs, str(ROOT.parent / "shared" / "examples" / "north-korea-troops.txt")))
        sp["command"], sp["date"] = run["command"], run["date"]
        sp["machine"] = {k: run[k] for k in ("cpu", "cpu_flags", "cores", "torch_threads")}
        record_speed(results, sp)
        res_path.write_text(json.dumps(results, indent=1, default=str))
    if not a.skip_corpus:
        try:
            from .corpus_bench import run_corpus
        except ImportError:
            run_corpus = None
        if run_corpus:
            cb = run_corpus(progress=progress)
            cb["command"], cb["date"] = run["command"], run["date"]
            results["corpus"] = cb
    res_path.write_text(json.dumps(results, indent=1, default=str))
    from .report import update_readme, write_report

    write_report(results, out, a.data_dir)
    if not own:
        progress(f"wrote {out / 'RESULTS.md'} and {res_path} (README.md and the model cards left as they are)")
        return
    update_readme(results)  # the figures block of the top-level README
    from stance.registry import models_dir
    from stance.model_card import write_card

    for d in sorted(models_dir().glob("*")):
        if (d / "config.json").exists():
            write_card(d, results)
    progress(f"wrote {out / 'RESULTS.md'} and {res_path}")


if __name__ == "__main__":
    main()
