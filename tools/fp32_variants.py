"""Variants of the batched fp32 pass, for CPUs without native bfloat16 (where ``bf16=True`` runs in fp32: most
laptops, AVX2-only servers), against the project's own, on NewsMTSC-rw test pairs.

    python tools/fp32_variants.py [ROUNDS]

Variants: the project's pass (transformers' modules, fused attention kernel); the plain matmul-softmax-matmul
attention; a TorchScript trace of the encoder (as the bf16 copy runs), with either attention; batch 32 and 128;
ONNX Runtime (when ``onnxruntime`` is installed) on an export of the same merged fp32 encoder. Interleaved rounds
(every variant once per round; medians printed) and prediction agreement with the project's pass. Run it on an idle
machine.
"""
from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(rounds: int = 3) -> None:
    from stance.modeling import TracedEncoder
    from tools.speed_variants import compare, setup

    m, enc, pad, run = setup()

    def twin(attn: str, traced: bool):
        t = copy.deepcopy(m)
        t.__dict__.pop("_twin", None)
        t.encoder.set_attn_implementation(attn)
        if traced:
            tr = TracedEncoder.trace(t.encoder)
            if tr is None:
                raise SystemExit(f"the {attn} encoder could not be traced")
            t.encoder = tr
        return t

    variants = {
        "fp32, batch 64 (project)": lambda: run(m),
        "fp32, plain attention": (lambda n=twin("eager", False): lambda: run(n))(),
        "fp32, traced, plain attention": (lambda n=twin("eager", True): lambda: run(n))(),
        "fp32, traced, fused attention": (lambda n=twin("sdpa", True): lambda: run(n))(),
        "fp32, batch 32": lambda: run(m, 32),
        "fp32, batch 128": lambda: run(m, 128),
    }
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
        print("onnxruntime is not installed: its variant is left out")
    if ort is not None:
        variants["fp32, ONNX Runtime"] = ort_variant(m, enc, pad, ort)
    compare(variants, run(m), len(enc), rounds, "the project's pass")


def ort_variant(m, enc, pad, ort):
    """The merged fp32 model (embeddings with target markers, encoder, pooled features, sentiment head) exported to
    ONNX and run by ONNX Runtime with its full graph optimisation."""
    import numpy as np
    import torch

    from stance.encoding import collate, length_sorted_batches

    class Full(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, input_ids, markers, attention_mask, target_pos, holder_pos):
            b = {"input_ids": input_ids, "markers": markers, "attention_mask": attention_mask,
                 "target_pos": target_pos, "holder_pos": holder_pos}
            return self.net.heads["sentiment"](self.net.features(b))

    net = copy.deepcopy(m)
    net.__dict__.pop("_twin", None)
    net.encoder.set_attn_implementation("eager")
    b = collate([enc[i] for i in range(4)], pad)
    names = ["input_ids", "markers", "attention_mask", "target_pos", "holder_pos"]
    path = Path(tempfile.mkdtemp()) / "model.onnx"
    dyn = {"input_ids": {0: "b", 1: "n"}, "markers": {0: "b", 1: "n"}, "attention_mask": {0: "b", 1: "n"},
           "target_pos": {0: "b"}, "holder_pos": {0: "b"}}
    with torch.inference_mode(False), torch.no_grad():
        torch.onnx.export(Full(net).eval(), tuple(b[k] for k in names), str(path), input_names=names,
                          output_names=["logits"], dynamic_axes=dyn, dynamo=False, opset_version=17)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = torch.get_num_threads()
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def run(bs=64):
        out = np.empty(len(enc), dtype=int)
        for bt in length_sorted_batches([len(e.input_ids) for e in enc], bs):
            batch = collate([enc[i] for i in bt], pad)
            feed = {k: batch[k].numpy() for k in names}
            out[bt] = sess.run(None, feed)[0].argmax(-1)
        return out

    return run


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
