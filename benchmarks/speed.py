"""Speed table: project batching vs a naive loop over the same weights, the machine's matmul ceiling, and
``analyze`` on whole articles. Absolute numbers belong to this machine; ratios and shares are the claims."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from stance.data import load_dataset
from stance.encoding import collate, encode
from stance.registry import load_model
from stance.inputs import as_items
from stance.modeling import TracedEncoder, bf16_native


def naive_loop(model, items, task: str):
    """One pair at a time, padded to max_length, fp32: how a plain transformers loop runs."""
    model = model.branches.get(task, model)  # the task's own adapters, where the model has a branch for it
    model.eval()
    model.merge_adapters(True)
    L = model.hp["max_length"]
    pad = model.tokenizer.pad_token_id or 0
    out = []
    with torch.inference_mode():
        for it in items:
            e = encode(model.tokenizer, [it], L)[0]
            n = len(e.input_ids)
            e.input_ids = e.input_ids + [pad] * (L - n)
            e.markers = e.markers + [0] * (L - n)
            b = collate([e], pad)
            b["attention_mask"][0, n:] = 0
            out.append(model(b, task)[0].argmax().item())
    return np.array(out)


# Square products and the shapes of the model's own layers (tokens x hidden @ hidden x intermediate, and back).
CEILING_SHAPES = [(1024, 1024, 1024), (2048, 2048, 2048), (2304, 384, 1536), (2304, 1536, 384), (2304, 384, 384)]


# A CPU without native bfloat16 multiplies bf16 matrices hundreds of times slower than fp32 ones (a 2048-square
# product takes tens of seconds on an AVX2-only EPYC): one small product shows that, and inference runs fp32 there.
EMULATED_SHAPES = [(256, 256, 256)]


def matmul_ceiling(dtype, reps: int = 10, rounds: int = 3, shapes=None) -> float:
    """The machine's best measured matmul FLOP/s for ``dtype``: the fastest of several shapes, best of ``rounds``."""
    best = 0.0
    for m, k, n in shapes or CEILING_SHAPES:
        a = torch.randn(m, k).to(dtype)
        b = torch.randn(k, n).to(dtype)
        for _ in range(3):
            a @ b
        for _ in range(rounds):
            t = time.perf_counter()
            for _ in range(reps):
                a @ b
            best = max(best, 2 * m * k * n * reps / (time.perf_counter() - t))
    return best


def flops_per_token(model, seq_len: float) -> float:
    c = model.encoder.config
    d, i, layers = c.hidden_size, c.intermediate_size, c.num_hidden_layers
    return layers * (2 * (4 * d * d + 2 * d * i) + 4 * seq_len * d)


def run_pairs(model_name="default", n_naive: int | None = None, progress=print, rounds: int = 3,
              batch_size: int = 64) -> dict:
    """Pairs/s of the naive loop and of the project's batching (fp32 and bf16), interleaved: each round times the
    naive loop on its share of the pairs, then one batched pass over all pairs in each precision, so that the
    ratios compare runs seconds apart (this shared machine's speed drifts over minutes). Figures are medians over
    the rounds; each ratio is the median of the rounds' own ratios."""
    torch.set_num_threads(torch.get_num_threads())
    model = load_model(model_name)
    ds = load_dataset("newsmtsc-rw", "test")
    items = as_items(ds)
    naive_items = items[:n_naive] if n_naive else items
    res = {"model": model_name, "pairs": len(items), "threads": torch.get_num_threads(), "rounds": rounds,
           "batch_size": batch_size}
    res["bf16_native"] = native = bf16_native(model.device)  # without it, bf16=True runs fp32 (emulation is slower)
    # untimed warm-up: the CPU kernels for every batch shape, the bf16 copy of the weights, the naive shape
    model.logits(items, ["sentiment"], batch_size=batch_size, bf16=False)
    model.logits(items, ["sentiment"], batch_size=batch_size, bf16=True)

    def bf16_ceiling():
        return (matmul_ceiling(torch.bfloat16) if native else
                matmul_ceiling(torch.bfloat16, reps=1, rounds=1, shapes=EMULATED_SHAPES))

    answers = model.branches.get("sentiment", model)  # the model that answers sentiment (a branch, where it has one)
    # (no bf16 copy is built where bf16 is not native: tracing it there would be emulated, and slow)
    res["bf16_encoder"] = ("traced" if isinstance(answers.bf16_twin().encoder, TracedEncoder) else "modules") \
        if native else "none: ran fp32"
    naive_loop(model, naive_items[:8], "sentiment")
    # the ceiling is measured before and after the timed rounds, the higher kept: this shared machine's speed
    # drifts, and a ceiling measured in a slow minute would flatter every share
    ceiling = {torch.float32: matmul_ceiling(torch.float32), torch.bfloat16: bf16_ceiling()}
    chunks = [naive_items[k::rounds] for k in range(rounds)]
    rate = {"naive_fp32": [], "batched_fp32": [], "batched_bf16": []}
    naive_pred, pred_of = {}, {}
    for r, chunk in enumerate(chunks):
        t = time.perf_counter()
        pr = naive_loop(model, chunk, "sentiment")
        rate["naive_fp32"].append(len(chunk) / (time.perf_counter() - t))
        naive_pred.update({k * rounds + r: p for k, p in enumerate(pr)})
        for name, bf16 in (("batched_fp32", False), ("batched_bf16", True)):
            t = time.perf_counter()
            lg = model.logits(items, ["sentiment"], batch_size=batch_size, bf16=bf16)["sentiment"]
            rate[name].append(len(items) / (time.perf_counter() - t))
            pred_of[name] = lg.argmax(-1).numpy()
        progress(f"round {r + 1}/{rounds}: naive {rate['naive_fp32'][-1]:.1f}, batched fp32 "
                 f"{rate['batched_fp32'][-1]:.1f}, bf16 {rate['batched_bf16'][-1]:.1f} pairs/s")
    naive_pred = np.array([naive_pred[k] for k in range(len(naive_items))])
    res["naive_pairs"] = len(naive_items)
    res["rates_per_round"] = rate
    res["naive_fp32_pairs_per_s"] = float(np.median(rate["naive_fp32"]))
    for name in ("batched_fp32", "batched_bf16"):
        pred = pred_of[name]
        res[f"{name}_pairs_per_s"] = float(np.median(rate[name]))
        res[f"{name}_agreement_with_naive"] = float((pred[:len(naive_pred)] == naive_pred).mean())
        res[f"{name}_speedup"] = float(np.median(np.array(rate[name]) / np.array(rate["naive_fp32"])))
        res[f"{name}_speedup_per_round"] = [float(x) for x in np.array(rate[name]) / np.array(rate["naive_fp32"])]
        if name == "batched_fp32":
            fp32_pred = pred
        else:
            res["bf16_agreement_with_fp32"] = float((pred == fp32_pred).mean())
        progress(f"{name}: {res[f'{name}_pairs_per_s']:.1f} pairs/s ({res[f'{name}_speedup']:.1f}x naive)")
    enc = encode(model.tokenizer, items, model.hp["max_length"])
    real_tokens = sum(len(e.input_ids) for e in enc)
    mean_len = real_tokens / len(enc)
    res["mean_tokens_per_pair"] = mean_len
    res["model_flops_per_token"] = flops_per_token(model, mean_len)
    res["matmul_fp32_flops"] = max(ceiling[torch.float32], matmul_ceiling(torch.float32))
    res["matmul_bf16_flops"] = max(ceiling[torch.bfloat16], bf16_ceiling())
    # without native bf16 the "bf16" pass ran in fp32, so its share is of the fp32 ceiling
    for name, peak in (("batched_fp32", "matmul_fp32_flops"),
                       ("batched_bf16", "matmul_bf16_flops" if native else "matmul_fp32_flops")):
        achieved = res[f"{name}_pairs_per_s"] * mean_len * res["model_flops_per_token"]
        res[f"{name}_achieved_flops"] = achieved
        res[f"{name}_share_of_ceiling"] = achieved / res[peak]
    naive_flops = res["naive_fp32_pairs_per_s"] * model.hp["max_length"] * flops_per_token(model, 128)
    res["naive_fp32_share_of_ceiling"] = naive_flops / res["matmul_fp32_flops"]
    return res


_ANALYZE = r"""
import json, resource, sys, time
import stance
from stance.data import load_dataset


def peak_kib():
    # this process's own high-water mark (VmHWM): ru_maxrss would also count the benchmark process this one was
    # forked from, which Linux carries across exec
    try:
        return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


docs = load_dataset("persent", "dev").to_pandas()["text"].tolist()[:int(sys.argv[1])]
stance.analyze(docs[0])  # load models
rss0 = peak_kib()
t = time.perf_counter(); n_actors = 0; words = 0
for d in docs:
    n_actors += len(stance.analyze(d).actors); words += len(d.split())
dt = time.perf_counter() - t
print(json.dumps({"articles": len(docs), "seconds": dt, "articles_per_s": len(docs) / dt,
                  "mean_words": words / len(docs), "actors_per_article": n_actors / len(docs),
                  "peak_rss_mib": peak_kib() / 1024,
                  "rss_after_load_mib": rss0 / 1024}))
"""

_DEMO = r"""
import json, sys, time
import stance
text = open(sys.argv[1], encoding="utf-8").read()
am = sys.argv[2] if len(sys.argv) > 2 else None
stance.analyze(text, attitude_model=am)
ts = []
for _ in range(5):
    t = time.perf_counter(); stance.analyze(text, attitude_model=am); ts.append(time.perf_counter() - t)
print(json.dumps({"words": len(text.split()), "seconds_median": sorted(ts)[2], "seconds_min": min(ts)}))
"""


def run_analyze(n_docs: int = 100, demo: str | None = None) -> dict:
    out = {}
    r = subprocess.run([sys.executable, "-c", _ANALYZE, str(n_docs)], capture_output=True, text=True)
    if r.returncode != 0:
        out["persent_skipped"] = r.stderr.strip().splitlines()[-1] if r.stderr else "failed"
    else:
        out["persent"] = json.loads(r.stdout.strip().splitlines()[-1])
    if demo:
        r = subprocess.run([sys.executable, "-c", _DEMO, demo], capture_output=True, text=True)
        if r.returncode == 0:
            out["demo_article"] = json.loads(r.stdout.strip().splitlines()[-1])
    try:  # the size: a 600-word news article (the first PerSenT dev document that long, its first 600 words)
        import tempfile

        from stance.data import load_dataset

        docs = load_dataset("persent", "dev").to_pandas()["text"].tolist()
        k, doc = next((k, d) for k, d in enumerate(docs) if len(d.split()) >= 600)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            f.write(" ".join(doc.split()[:600]))
        r = subprocess.run([sys.executable, "-c", _DEMO, f.name], capture_output=True, text=True)
        if r.returncode == 0:
            out["article_600"] = {**json.loads(r.stdout.strip().splitlines()[-1]), "source": f"PerSenT dev document {k}"}
        # the same article with the attitudes from models/mpnet-attitude (needs the MPNet backbone wheels)
        r = subprocess.run([sys.executable, "-c", _DEMO, f.name, "mpnet-attitude"], capture_output=True, text=True)
        if r.returncode == 0:
            out["article_600_mpnet_attitude"] = {**json.loads(r.stdout.strip().splitlines()[-1]),
                                                 "source": f"PerSenT dev document {k}"}
        else:
            out["article_600_mpnet_attitude_skipped"] = (r.stderr.strip().splitlines() or ["failed"])[-1]
        Path(f.name).unlink()
    except Exception as e:  # noqa: BLE001 - the data folder may be missing; the table says so
        out["article_600_skipped"] = str(e)
    return out
