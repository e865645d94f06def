"""Average two saved models of one lineage (same backbone, tasks and adapter rank): ``w * A + (1 - w) * B``.

    python tools/weight_average.py models/default /path/to/earlier-stage 0.5 --out /tmp/avg

The adapters' low-rank updates are kept side by side in an adapter of twice the rank (``[A_a; A_b]`` and
``[w B_a, (1 - w) B_b]``, so the merged weights are exactly the average); heads, markers, layer norms and
temperatures are averaged. Saved in float16. Compare on dev with ``python tools/select_on_dev.py OUT``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def average(a_dir, b_dir, w: float):
    import torch

    from stance.modeling import StanceModel

    a, b = StanceModel.load(a_dir), StanceModel.load(b_dir)
    if a.hp != b.hp or a.labels != b.labels:
        raise SystemExit(f"{a_dir} and {b_dir} differ in settings or tasks; only one lineage can be averaged")
    r = a.hp["lora_r"]
    a.grow_adapters(2 * r)
    with torch.no_grad():
        for la, lb in zip(a.lora_modules(), b.lora_modules()):
            la.lora_a[r:] = lb.lora_a
            la.lora_b[:, :r] *= w
            la.lora_b[:, r:] = (1 - w) * lb.lora_b
        pb = dict(b.named_parameters())
        for name, p in a.named_parameters():
            if p.requires_grad and "lora_" not in name:
                p.mul_(w).add_((1 - w) * pb[name])
        for t in a.temperature:
            a.temperature[t] = w * a.temperature[t] + (1 - w) * b.temperature[t]
    return a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("w", type=float, help="weight of the first model")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    print(average(a.a, a.b, a.w).save(a.out, dtype="float16"))


if __name__ == "__main__":
    main()
