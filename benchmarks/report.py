"""Write RESULTS.md and the summary plots from results.json (figures copied, never retyped)."""
from __future__ import annotations

import json
from pathlib import Path

from .accuracy import BENCH
from .published import PUBLISHED

METRIC_NAME = {"macro_f1": "macro-F1", "f_avg": "F_avg", "accuracy": "accuracy"}


def _articles_read(row: dict, data_dir=None) -> int | None:
    """How many articles an attitude-articles run read: recorded in the row by runs since 2026-12-02; for an
    older run, counted from the data set only when its split still has exactly the rows the run scored."""
    if "articles" in row:
        return row["articles"]
    try:
        from stance.data import load_dataset

        X = load_dataset("attitude-articles", row["split"], data_dir).to_pandas()
    except Exception:  # the data set cannot be read here: say nothing rather than guess
        return None
    return int(X["text"].nunique()) if len(X) == row.get("n") else None


def _pct(v):
    return f"{100 * v:.1f}"


def _ci(ci) -> str:
    return f" ({_pct(ci[0])}–{_pct(ci[1])})" if ci else ""


def speed_accuracy_plot(rows, out: Path, dataset: str = "newsmtsc-rw") -> Path | None:
    pts = [r for r in rows if r.get("dataset") == dataset and r.get("items_per_second") and "score" in r]
    if not pts:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for r in pts:
        ax.scatter(r["items_per_second"], 100 * r["score"], color="C3" if r["kind"] == "model" else "C0")
        ax.annotate(r["system"], (r["items_per_second"], 100 * r["score"]), fontsize=8, xytext=(4, 2),
                    textcoords="offset points")
    for p in PUBLISHED:
        if p["dataset"] == dataset:
            ax.axhline(100 * p["score"], ls="--", color="gray", lw=1)
            ax.text(ax.get_xlim()[0], 100 * p["score"] + 0.5, p["system"], fontsize=7, color="gray")
    ax.set_xscale("log")
    ax.set_xlabel("items per second on this machine (log)")
    ax.set_ylabel(f"{dataset} test macro-F1 (%)")
    ax.set_title("speed vs accuracy", fontsize=10)
    fig.tight_layout()
    path = out / "plots" / f"speed_accuracy_{dataset}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _ci_range(ci) -> str:
    return f"{_pct(ci[0])}–{_pct(ci[1])}" if ci else "—"


def write_report(results: dict, out: Path, data_dir=None) -> Path:
    rows = results.get("accuracy", [])
    L = ["# Benchmark results", "",
         "Every figure below is copied by `benchmarks/report.py` from `benchmarks/results.json`, which "
         "`python -m benchmarks` writes. Each table names the command that produced it. Rows marked "
         "*published* are figures from the papers, not measured here. Which splits were used for what: "
         "[README.md](README.md).", ""]
    runs = results.get("runs", [])
    if runs:
        r = runs[-1]
        L += [f"Last run: {r['date']}, commit `{r['commit']}`, {r['cpu']} ({r['cores']} cores, torch threads "
              f"{r['torch_threads']}), Python {r['python']}, torch {r['torch']}, transformers {r['transformers']}, "
              f"scikit-learn {r['scikit-learn']}.", ""]
    L += ["## Accuracy", ""]
    for ds, split, (tr, trs) in BENCH:
        drows = [r for r in rows if r.get("dataset") == ds]
        if not drows:
            continue
        skipped = [r for r in drows if "skipped" in r and "system" not in r]
        L.append(f"### {ds} ({split})")
        L.append("")
        res = sorted([r for r in drows if "score" in r], key=lambda r: -r["score"])
        if skipped:
            L += [f"Skipped{' by the latest run' if res else ''}: {skipped[0]['skipped']}", ""]
            if res:
                L += ["The figures below are those of an earlier run.", ""]
        sys_skipped = [r for r in drows if "skipped" in r and "system" in r]
        if sys_skipped:
            L += ["Not scored by the latest run: " + "; ".join(f"{r['system']} ({r['skipped']})"
                                                            for r in sys_skipped) + ".", ""]
        if not res:
            continue
        metric = res[0]["metric"]
        cmds = sorted({r["command"] for r in res})
        L.append(f"Metric: {METRIC_NAME[metric]} (95% bootstrap interval), n = {res[0]['n']}; items/s is prediction throughput on this machine. Baselines learn "
                 f"from {tr}/{trs}" + (" (majority: the evaluated split's own majority class, PerSenT has no train "
                                       "split)" if ds == "persent" else "") + f". Command: `{'`, `'.join(cmds)}`.")
        L.append("")
        extra = metric != "macro_f1"  # show macro-F1 beside F_avg
        L.append(f"| system | kind | {METRIC_NAME[metric]} | 95% CI | accuracy |" + (" macro-F1 |" if extra else "")
                 + " items/s |")
        L.append("|---|---|---|---|---|" + ("---|" if extra else "") + "---|")
        for r in res:
            ips = f"{r['items_per_second']:.0f}" if r.get("items_per_second") else ""
            L.append(f"| {r['system']} | {r['kind']} | **{_pct(r['score'])}** | {_ci_range(r['ci95'])} | "
                     f"{_pct(r['accuracy'])} |" + (f" {_pct(r['macro_f1'])} |" if extra else "") + f" {ips} |")
        for p in PUBLISHED:
            if p["dataset"] == ds:
                L.append(f"| {p['system']} | *published* | {_pct(p['score'])} | | |" + (" |" if extra else "") + " |")
        L.append("")
        for p in PUBLISHED:
            if p["dataset"] == ds:
                L.append(f"Published: {p['source']}.")
        pt = [r for r in drows if r.get("paired_test")]
        if pt:
            t = pt[-1]
            # the observed difference of the two rows above (runs before 2026-12-07 stored the resamples' mean)
            score = {r["system"]: r["score"] for r in res}
            diff = score[t["model"]] - score[t["baseline"]] if {t["model"], t["baseline"]} <= set(score) \
                else t["diff"]
            if t.get("ci95"):
                L.append(f"Paired bootstrap, {t['model']} − {t['baseline']}: {_pct(diff)} points (95% CI "
                         f"{_pct(t['ci95'][0])} to {_pct(t['ci95'][1])}, one-sided p = {t['p_value']:.3f}).")
            else:
                L.append(f"{t['model']} − {t['baseline']}: {_pct(diff)} points (no bootstrap in this run).")
        nit = [r for r in res if r.get("not_in_train")]
        if nit:
            u = nit[0]["not_in_train"]
            L.append(f"{res[0]['n'] - u['n']} of the {res[0]['n']} test rows repeat a sentence of {u['train']} "
                     f"verbatim (the data set as distributed). On the other {u['n']}: " + "; ".join(
                         f"{r['system']} {_pct(r['not_in_train']['score'])}" + _ci(r["not_in_train"]["ci95"])
                         for r in nit) + ".")
            if pt and pt[-1].get("not_in_train", {}).get("ci95"):
                t = pt[-1]["not_in_train"]
                L.append(f"Paired bootstrap on those rows, {pt[-1]['model']} − {pt[-1]['baseline']}: "
                         f"{_pct(t['diff'])} points (95% CI {_pct(t['ci95'][0])} to {_pct(t['ci95'][1])}, one-sided "
                         f"p = {t['p_value']:.3f}).")
        no_overlap = [r for r in res if r.get("unseen_sentences_skipped")]
        if no_overlap:
            L.append(f"Not scored on the rows no attitude training passage holds: "
                     f"{no_overlap[0]['unseen_sentences_skipped']}.")
        sub = [r for r in res if r.get("unseen_sentences")]
        if sub:
            u = sub[0]["unseen_sentences"]
            L.append(f"On the {u['n']} of {res[0]['n']} test rows whose sentence is in no attitude training passage "
                     "(the shipped model's first stages read some of these sentences with attitude labels; "
                     "README.md): " + "; ".join(
                         f"{r['system']} {_pct(r['unseen_sentences']['score'])}" + _ci(r["unseen_sentences"]["ci95"])
                         for r in sub) + ".")
        if ds == "attitude-articles":
            n_art = _articles_read(res[0], data_dir)
            read = (f"the {n_art} {res[0]['split']} articles the run read" if n_art else
                    f"the {res[0]['split']} articles of the run (their number not recorded by it)")
            L.append(f"One row per actor of {read} (PerSenT dev documents, labelled at article level by readers "
                     "against the codebook: stance/resources/attitude/ARTICLES.md, which gives the splits and "
                     "annotation rounds); each system scores the passages `analyze` reads for the actor and the "
                     "codebook's article rule combines them (`stance.analysis.ArticleAttitude`), so the model rows are "
                     "`analyze`'s own labels.")
        if ds in ("dse", "attitude", "attitude-articles"):
            best = res[0]
            counts = ", ".join(f"{k} {v['support']}" for k, v in best["per_class"].items())
            L.append(f"Class counts (test): {counts}.")
        if ds in ("attitude", "attitude-articles"):
            for r in res:
                if r["kind"] == "model" or r["system"] in ("majority", "keyword-rules"):
                    f1s = ", ".join(f"{k} {_pct(v['f1'])}" for k, v in r["per_class"].items())
                    L.append(f"Per-label F1, {r['system']}: {f1s}.")
        cm = [r for r in res if r["kind"] == "model"]
        for r in cm:
            p = out / "plots" / f"cm_{ds}_{r['system']}.png"
            if p.exists():
                L.append(f"Confusion matrix ({r['system']}): [plots/{p.name}](plots/{p.name})")
        L.append("")
    sp = results.get("speed")
    if sp:
        L += ["## Speed", "",
              f"Command: `{sp['command']}` ({sp['date']}); machine: {sp['machine']['cpu']}, {sp['machine']['cores']} "
              f"cores, {sp['machine']['torch_threads']} torch threads. Absolute figures hold for this machine only; "
              "the ratios and shares are the claims.", "",
              f"Pairs: NewsMTSC-rw test ({sp['pairs']} (sentence, target) pairs, {sp['mean_tokens_per_pair']:.1f} "
              f"tokens each on average), model `{sp['model']}`. " + (
                  f"Interleaved in {sp['rounds']} rounds: each round times the naive loop on 1/{sp['rounds']} of the "
                  f"{sp['naive_pairs']} pairs, then one batched pass over all pairs in fp32 and one in bf16, so that "
                  "the ratios compare runs seconds apart (this shared machine's speed drifts over minutes); pairs/s "
                  "are medians over the rounds, each ratio the median of the rounds' own ratios (per round, bf16: "
                  + ", ".join(f"{x:.1f}×" for x in sp["batched_bf16_speedup_per_round"]) + "). One untimed pass "
                  "first compiles the CPU kernels for each batch shape." if sp.get("rounds") else
                  f"The naive loop ran {sp['naive_pairs']} of them once, after a warm-up; each batched figure is "
                  "the median of three timed passes after one untimed pass."), "",
              "| how | pairs/s | × naive | agreement with naive | share of matmul ceiling |", "|---|---|---|---|---|",
              f"| naive: one pair at a time, padded to 128, fp32 | {sp['naive_fp32_pairs_per_s']:.1f} | 1.0 | — | "
              f"{_pct(sp['naive_fp32_share_of_ceiling'])}% |",
              f"| project: length-sorted dynamic padding, batch {sp.get('batch_size', 64)}, fp32 | "
              f"{sp['batched_fp32_pairs_per_s']:.1f} | "
              f"{sp['batched_fp32_speedup']:.1f} | {_pct(sp['batched_fp32_agreement_with_naive'])}% | "
              f"{_pct(sp['batched_fp32_share_of_ceiling'])}% |",
              "| project: the same in bf16 ("
              + ("a bfloat16 copy of the merged weights" if sp.get("rounds") else "autocast")
              + (", its encoder run as a TorchScript trace"
                 if sp.get("bf16_encoder") == "traced" and sp.get("bf16_native") is not False else "")
              + ("; this CPU has no native bfloat16, so it ran in fp32" if sp.get("bf16_native") is False else "")
              + ") | "
              f"{sp['batched_bf16_pairs_per_s']:.1f} | "
              f"{sp['batched_bf16_speedup']:.1f} | {_pct(sp['batched_bf16_agreement_with_naive'])}% | "
              f"{_pct(sp['batched_bf16_share_of_ceiling'])}% of the "
              f"{'fp32' if sp.get('bf16_native') is False else 'bf16'} ceiling |", "",
              f"bf16 vs fp32 batched predictions agree on {_pct(sp['bf16_agreement_with_fp32'])}% of pairs. "
              f"Ceiling: the fastest measured matrix product (square 1024 and 2048, and the model's own layer shapes; "
              f"best of 3), {sp['matmul_fp32_flops'] / 1e9:.1f} GFLOP/s fp32 and "
              f"{sp['matmul_bf16_flops'] / 1e9:.1f} GFLOP/s bf16"
              + (" (not native here: emulated, measured on one 256-square product)"
                 if sp.get("bf16_native") is False else "") + "; the model costs "
              f"{sp['model_flops_per_token'] / 1e6:.1f} MFLOP per token at the mean length.", ""]
        hist = results.get("speed_history", [])
        if len(hist) > 1:
            L += ["The ratio depends on the machine: its bf16 share follows how much faster the CPU multiplies "
                  "bf16 matrices than fp32 ones (the ceilings below, measured in the same run). Every speed run so "
                  "far (results.json, `speed_history`), same command, same pairs (bf16 encoder: `modules`, "
                  "transformers' modules called from Python; `traced`, the same operations as a TorchScript "
                  "trace):", "",
                  "| date | CPU | CPU features | matmul ceiling fp32 / bf16 (GFLOP/s) | naive pairs/s | "
                  "bf16 encoder | bf16 batched pairs/s | × naive (per round) | agreement |",
                  "|---|---|---|---|---|---|---|---|---|"]
            for h in hist:
                m = h.get("machine", {})
                flags = ", ".join(m["cpu_flags"]) if "cpu_flags" in m else "not recorded"
                rounds = ", ".join(f"{x:.1f}" for x in h.get("batched_bf16_speedup_per_round", []))
                ceil = (f"{h['matmul_fp32_flops'] / 1e9:.0f} / {h['matmul_bf16_flops'] / 1e9:.0f}"
                        if "matmul_bf16_flops" in h else "—")
                L.append(f"| {h['date'][:16]} | {m.get('cpu', '?')} | {flags} | {ceil} | "
                         f"{h['naive_fp32_pairs_per_s']:.1f} | "
                         f"{'none: ran fp32' if h.get('bf16_native') is False else h.get('bf16_encoder', 'modules')} | "
                         f"{h['batched_bf16_pairs_per_s']:.1f} | "
                         f"{h['batched_bf16_speedup']:.1f} ({rounds}) | "
                         f"{_pct(h['batched_bf16_agreement_with_naive'])}% |")
            L.append("")
        timed = [("demo_article", lambda d: f"`analyze` on the demo article ({d['words']} words)"),
                 ("article_600", lambda d: f"`analyze` on a {d['words']}-word article ({d['source']}, its first "
                                           f"600 words)"),
                 ("article_600_mpnet_attitude", lambda d: "The same article with `attitude_model=\"mpnet-attitude\"` "
                                                          "(attitudes from MPNet-base, the rest from the default)")]
        for key, what in timed:
            if key in sp:
                L += [f"{what(sp[key])}: median {sp[key]['seconds_median']:.2f} s over 5 runs (models loaded).", ""]
        if "article_600_mpnet_attitude_skipped" in sp and "article_600_mpnet_attitude" not in sp:
            L += [f"With `attitude_model=\"mpnet-attitude\"`: skipped ({sp['article_600_mpnet_attitude_skipped']}).",
                  ""]
        if "persent" in sp:
            p = sp["persent"]
            L += [f"`analyze` on {p['articles']} PerSenT dev articles ({p['mean_words']:.0f} words on average): "
                  f"{p['articles_per_s']:.2f} articles/s, {p['actors_per_article']:.1f} actors per article, peak RSS "
                  f"{p['peak_rss_mib']:.0f} MiB ({p['rss_after_load_mib']:.0f} MiB after loading the models).", ""]
    cb = results.get("corpus")
    if cb:
        from .corpus_bench import report_lines

        L += report_lines(cb)
    plot = speed_accuracy_plot(rows, out)
    if plot:
        L += ["## Speed and accuracy", "", f"![speed vs accuracy](plots/{plot.name})", ""]
    path = out / "RESULTS.md"
    path.write_text("\n".join(L) + "\n")
    return path


def summary_table(results: dict) -> list[str]:
    rows = results.get("accuracy", [])
    others = sorted({r["system"] for r in rows if r.get("kind") == "model" and r.get("system") != "default"})
    L = ["| data set | metric | `default` (95% CI) | " + "".join(f"`{m}` | " for m in others)
         + "best baseline | published |", "|---|---|---|" + "---|" * len(others) + "---|---|"]
    for ds, split, _ in BENCH:
        res = [r for r in rows if r.get("dataset") == ds and "score" in r]
        ours = [r for r in res if r["system"] == "default"]
        base = [r for r in res if r["kind"] == "baseline"]
        if not ours:
            continue
        o = ours[0]
        b = max(base, key=lambda r: r["score"]) if base else None
        pub = [p for p in PUBLISHED if p["dataset"] == ds]
        cells = []
        for m in others:  # the other shipped models, on the data sets their tasks cover
            mr = [r for r in res if r["system"] == m]
            cells.append(f"{_pct(mr[0]['score'])}{_ci(mr[0]['ci95'])}" if mr else "—")
        L.append(f"| {ds} ({split}) | {METRIC_NAME[o['metric']]} | {_pct(o['score'])}{_ci(o['ci95'])} | "
                 + "".join(f"{c} | " for c in cells)
                 + (f"{_pct(b['score'])} ({b['system']})" if b else "") + " | "
                 + (f"{_pct(pub[0]['score'])} ({pub[0]['system'].replace(', published', '')})" if pub else "—")
                 + " |")
    return L


def update_readme(results: dict) -> None:
    """Refresh the figures block of the top-level README from the same results (between RESULTS markers)."""
    readme = Path(__file__).resolve().parents[1] / "README.md"
    if not readme.exists():
        return
    text = readme.read_text()
    start, end = "<!-- RESULTS -->", "<!-- /RESULTS -->"
    if start not in text:
        return
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1] if end in rest else rest
    block = [start, "", "Test figures of the shipped models (written by `python -m benchmarks` from "
             "benchmarks/results.json, where each figure keeps the command and date of its run; intervals are 95% "
             "bootstrap; details in benchmarks/RESULTS.md):", "",
             *summary_table(results)]
    sp = results.get("speed")
    if sp:
        block += ["", f"Speed on the 2-core machine (NewsMTSC-rw test pairs): {sp['batched_bf16_pairs_per_s']:.0f} "
                      f"pairs/s with the project's batching and bf16, {sp['batched_bf16_speedup']:.1f}× a naive "
                      f"one-at-a-time fp32 loop over the same weights ({_pct(sp['batched_bf16_agreement_with_naive'])}% "
                      "identical predictions)."]
        if "demo_article" in sp:
            d = sp["demo_article"]
            block.append(f"`analyze` on the {d['words']}-word demo article: {d['seconds_median']:.2f} s.")
        if "article_600" in sp:
            d = sp["article_600"]
            block.append(f"`analyze` on a {d['words']}-word article ({d['source']}): {d['seconds_median']:.2f} s.")
    block += ["", end]
    readme.write_text(head + "\n".join(block) + tail)
