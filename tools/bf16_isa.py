"""How fast bf16 and fp32 inference run when the CPU lacks native bfloat16, simulated on this one by capping
oneDNN's instruction set (ONEDNN_MAX_CPU_ISA) and ATen's vector width (ATEN_CPU_CAPABILITY).

    python tools/bf16_isa.py [PAIRS]

For each setting (the machine as it is; AVX512 without the BF16 extension; AVX2 only, as on most laptops) a fresh
process scores the first PAIRS NewsMTSC-rw test pairs with the default model in fp32 and in bf16 (forced with
STANCE_BF16=1, so that the emulated path is what is timed), two interleaved rounds after a warm-up, and prints
pairs/s. This is why ``bf16=True`` uses bfloat16 only where ``stance.modeling.bf16_native`` finds it in hardware.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import sys, time
import torch
from stance.data import load_dataset
from stance.registry import load_model
from stance.inputs import as_items
m = load_model("default")
items = as_items(load_dataset("newsmtsc-rw", "test"))[:int(sys.argv[1])]
for bf in (False, True):
    m.logits(items, ["sentiment"], bf16=bf)
rates = {False: [], True: []}
for _ in range(2):
    for bf in (False, True):
        t = time.perf_counter()
        m.logits(items, ["sentiment"], bf16=bf)
        rates[bf].append(len(items) / (time.perf_counter() - t))
print(f"fp32 {max(rates[False]):.1f} pairs/s, bf16 {max(rates[True]):.1f} pairs/s "
      f"(bf16 / fp32 = {max(rates[True]) / max(rates[False]):.2f}); oneDNN bf16 support reported: "
      f"{torch.ops.mkldnn._is_mkldnn_bf16_supported()}")
"""

SETTINGS = [("this machine as it is", {}),
            ("AVX512 without BF16", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "ATEN_CPU_CAPABILITY": "avx512"}),
            ("AVX2 only", {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"})]


def main(pairs: int = 400) -> None:
    for name, env in SETTINGS:
        out = subprocess.run([sys.executable, "-c", CHILD, str(pairs)], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, **env, "STANCE_BF16": "1"})
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip()[-300:]
        print(f"{name:24s} {line}")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
