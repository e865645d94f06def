"""Variants of the batched bf16 pass that might be faster, against the project's own, on NewsMTSC-rw test pairs:
the encoder's modules run without the TorchScript trace, fused attention, padding, batch sizes, int8, oneDNN prepacked linears, two 1-thread streams, torch.compile (when
a C compiler is found; its compile time shows as the first pass).

    python tools/speed_variants.py [ROUNDS]

Interleaved rounds (every variant once per round; medians printed), prediction agreement with the fp32 pass, and
where the bf16 pass spends its CPU time (torch profiler). Run it on an idle machine.
"""
from __future__ import annotations

import copy
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def setup():
    """The default model (merged adapters, eval mode), the NewsMTSC-rw test pairs encoded, and ``run(net, bs=64,
    multiple_of=1)``: StanceModel.logits' loop with the batch and padding as parameters, giving argmax labels."""
    import numpy as np
    import torch

    from stance.data import load_dataset
    from stance.encoding import collate, encode, length_sorted_batches
    from stance.registry import load_model
    from stance.inputs import as_items

    m = load_model("default")
    m = m.branches.get("sentiment", m)  # the model that answers sentiment: the default's sentiment branch
    enc = encode(m.tokenizer, as_items(load_dataset("newsmtsc-rw", "test")), m.hp["max_length"])
    m.eval()
    m.merge_adapters(True)
    pad = m.tokenizer.pad_token_id or 0

    def run(net, bs=64, multiple_of=1):
        out = np.empty(len(enc), dtype=int)
        with torch.inference_mode():
            for b in length_sorted_batches([len(e.input_ids) for e in enc], bs):
                batch = collate([enc[i] for i in b], pad, multiple_of=multiple_of)
                out[b] = net.heads["sentiment"](net.features(batch)).float().argmax(-1).numpy()
        return out

    return m, enc, pad, run


def compare(variants: dict, ref, n: int, rounds: int, ref_name: str) -> None:
    """Each variant once untimed (its agreement with ``ref``, the first pass's time: torch.compile compiles here),
    then ``rounds`` interleaved timed rounds; prints medians."""
    import numpy as np
    import torch

    agree, warm = {}, {}
    for k, f in variants.items():
        t = time.perf_counter()
        agree[k] = float((f() == ref).mean())
        warm[k] = time.perf_counter() - t
    rates = {k: [] for k in variants}
    for _ in range(rounds):
        for k, f in variants.items():
            t = time.perf_counter()
            f()
            rates[k].append(n / (time.perf_counter() - t))
    print(f"{n} pairs, {rounds} interleaved rounds, {torch.get_num_threads()} threads")
    for k in variants:
        print(f"{k:32s} {np.median(rates[k]):7.1f} pairs/s (rounds: "
              f"{', '.join(f'{x:.0f}' for x in rates[k])})  agreement with {ref_name} {100 * agree[k]:.1f}%, first "
              f"pass {warm[k]:.1f} s")


def main(rounds: int = 4) -> None:
    import numpy as np
    import torch

    from stance.encoding import collate, length_sorted_batches

    m, enc, pad, run = setup()
    twin = m.bf16_twin()

    # the project's bf16 copy runs its encoder as a TorchScript trace of the plain (eager) attention; these run the
    # transformers modules themselves: as traced, and with the fused attention kernel
    untraced = copy.copy(twin)
    untraced._modules = dict(twin._modules, encoder=twin.encoder.eager)
    fused = copy.deepcopy(untraced)
    fused.encoder.set_attn_implementation("sdpa")
    int8 = copy.deepcopy(m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        int8.encoder = torch.ao.quantization.quantize_dynamic(int8.encoder, {torch.nn.Linear}, dtype=torch.qint8)
    from torch.utils import mkldnn

    packed = copy.deepcopy(untraced)  # every Linear as oneDNN's prepacked bf16 linear
    packed.encoder = mkldnn.to_mkldnn(packed.encoder, torch.bfloat16)

    def two_streams():  # the batches split between two Python threads, one torch thread each
        import threading

        n = torch.get_num_threads()
        batches = length_sorted_batches([len(e.input_ids) for e in enc], 64)
        out = np.empty(len(enc), dtype=int)

        def part(bs):
            with torch.inference_mode():
                for b in bs:
                    batch = collate([enc[i] for i in b], pad)
                    out[b] = twin.heads["sentiment"](twin.features(batch)).float().argmax(-1).numpy()

        torch.set_num_threads(1)
        try:
            ts = [threading.Thread(target=part, args=(batches[k::2],)) for k in range(2)]
            [t.start() for t in ts]
            [t.join() for t in ts]
        finally:
            torch.set_num_threads(n)
        return out

    class Compiled:  # the untraced encoder pass through torch.compile (inductor; needs a C compiler)
        heads = untraced.heads
        features = staticmethod(torch.compile(untraced.features, dynamic=True))

    variants = {
        "fp32, batch 64 (project)": lambda: run(m),
        "bf16, batch 64 (project)": lambda: run(twin),
        "bf16, not traced": lambda: run(untraced),
        "bf16, fused attention kernel": lambda: run(fused),
        "bf16, padded to multiples of 8": lambda: run(twin, 64, 8),
        "bf16, fused, multiples of 8": lambda: run(fused, 64, 8),
        "bf16, batch 32": lambda: run(twin, 32),
        "bf16, batch 128": lambda: run(twin, 128),
        "int8 dynamic quantisation": lambda: run(int8),
        "bf16, oneDNN prepacked linears": lambda: run(packed),
        "bf16, two 1-thread streams": two_streams,
    }
    import shutil

    if shutil.which("cc") or shutil.which("gcc"):
        variants["bf16, torch.compile (inductor)"] = lambda: run(Compiled)
    compare(variants, run(m), len(enc), rounds, "fp32")
    from torch.profiler import ProfilerActivity, profile

    for name, net in (("bf16 pass (project)", twin), ("bf16 pass, fused attention", fused)):
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            run(net)
        ev = prof.key_averages()
        total = sum(e.self_cpu_time_total for e in ev)
        share = {"linear layers": ("aten::addmm",), "attention products": ("aten::bmm", "aten::matmul"),
                 "softmax": ("aten::_softmax",), "fused attention kernel": ("scaled_dot_product",)}
        parts = {k: sum(e.self_cpu_time_total for e in ev if any(p in e.key for p in v)) for k, v in share.items()}
        print(f"{name}, share of CPU time: " + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in parts.items() if v))


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
