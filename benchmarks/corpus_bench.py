"""Corpus scoring benchmark: articles/s and peak memory of ``stance score`` at two corpus sizes (PerSenT dev
articles, repeated for the larger size), against ``analyze`` in a tight loop, and local vs Ray."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_TIGHT = r"""
import json, sys, time
import stance
texts = [json.loads(l)["text"] for l in open(sys.argv[1])]
stance.analyze(texts[0])
t = time.perf_counter()
for x in texts:
    stance.analyze(x)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def make_corpus(path: Path, n: int, words: int) -> None:
    from stance.data import load_dataset

    docs = load_dataset("persent", "dev").to_pandas()["text"].tolist()
    with path.open("w") as f:
        for i in range(n):
            text = " ".join(docs[i % len(docs)].split(" ")[:words]) if words else docs[i % len(docs)]
            f.write(json.dumps({"id": f"doc{i}", "text": text}) + "\n")


def _child(cmd: list[str]) -> tuple[float, float, str]:
    """Run a fresh process; return (seconds, its peak RSS in MiB, stdout)."""
    code = ("import resource, subprocess, sys, json, time; t=time.perf_counter(); "
            "r=subprocess.run(sys.argv[1:], capture_output=True, text=True); dt=time.perf_counter()-t; "
            "print(json.dumps({'rc': r.returncode, 'seconds': dt, "
            "'peak_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024, 'out': r.stdout[-2000:], "
            "'err': r.stderr[-2000:]}))")
    r = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    d = json.loads(r.stdout)
    if d["rc"] != 0:
        raise RuntimeError(f"{cmd}: {d['err']}")
    return d["seconds"], d["peak_mib"], d["out"]


def run_corpus(sizes=(1000, 10000), words: int = 120, ray_size: int = 1000, progress=print) -> dict:
    res = {"words_per_article": words, "source": "PerSenT dev documents, first {} words, repeated".format(words)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in sizes:
            src = tmp / f"corpus_{n}.jsonl"
            make_corpus(src, n, words)
            cmd = [sys.executable, "-m", "stance.cli", "score", str(src), "-o", str(tmp / f"out_{n}"), "--quiet"]
            sec, peak, out = _child(cmd)
            summary = json.loads(out.strip().splitlines()[-1])
            res[f"local_{n}"] = {"articles": n, "seconds": sec, "articles_per_s": n / sec, "peak_rss_mib": peak,
                                 "rows": summary["rows"]}
            progress(f"corpus local {n}: {n / sec:.1f} articles/s, peak {peak:.0f} MiB")
        n = sizes[0]
        src = tmp / f"corpus_{n}.jsonl"
        sec, peak, out = _child([sys.executable, "-c", _TIGHT, str(src)])
        tight = json.loads(out.strip().splitlines()[-1])["seconds"]
        res["tight_loop"] = {"articles": n, "seconds": tight, "articles_per_s": n / tight}
        progress(f"analyze() tight loop {n}: {n / tight:.1f} articles/s")
        try:
            import ray  # noqa: F401

            src = tmp / f"corpus_ray.jsonl"
            make_corpus(src, ray_size, words)
            cmd = [sys.executable, "-m", "stance.cli", "score", str(src), "-o", str(tmp / "out_ray"), "--engine",
                   "ray", "--quiet"]
            sec, peak, out = _child(cmd)
            res["ray"] = {"articles": ray_size, "seconds": sec, "articles_per_s": ray_size / sec}
            progress(f"corpus ray {ray_size}: {ray_size / sec:.1f} articles/s")
        except ImportError:
            res["ray"] = {"skipped": "Ray is not installed (pip install 'stance[ray]')"}
    return res


def report_lines(cb: dict) -> list[str]:
    L = ["## Corpus scoring", "",
         f"Command: `{cb['command']}` ({cb['date']}). Input: {cb['source']}; each figure is a fresh process "
         "(model loading included), peak RSS of that process.", "",
         "| run | articles | articles/s | peak RSS (MiB) |", "|---|---|---|---|"]
    locs = sorted((k for k in cb if k.startswith("local_")), key=lambda k: int(k.split("_")[1]))
    for k in locs:
        v = cb[k]
        L.append(f"| `stance score` local | {v['articles']} | {v['articles_per_s']:.2f} | {v['peak_rss_mib']:.0f} |")
    t = cb.get("tight_loop")
    if t:
        L.append(f"| `analyze()` in a tight loop (no I/O, no chunks) | {t['articles']} | {t['articles_per_s']:.2f} | |")
    r = cb.get("ray", {})
    if "articles_per_s" in r:
        L.append(f"| `stance score --engine ray` (local Ray, all cores) | {r['articles']} | {r['articles_per_s']:.2f} "
                 f"| |")
    L.append("")
    if len(locs) >= 2:
        a, b = cb[locs[0]], cb[locs[-1]]
        L.append(f"Peak memory at {b['articles']} articles is {100 * (b['peak_rss_mib'] / a['peak_rss_mib'] - 1):+.1f}% "
                 f"of that at {a['articles']}.")
    if t and locs:
        a = cb[locs[0]]
        L.append(f"Local scoring runs at {100 * a['articles_per_s'] / t['articles_per_s']:.0f}% of the tight "
                 f"`analyze()` loop on the same {t['articles']} articles (process start and model loading included "
                 "in the scoring figure only).")
    if "skipped" in r:
        L.append(f"Ray: skipped — {r['skipped']}.")
    L.append("")
    return L
