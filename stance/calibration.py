"""Temperature scaling (Guo et al., 2017) and expected calibration error."""
from __future__ import annotations

import numpy as np
import torch


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor, steps: int = 200) -> float:
    """The temperature T > 0 that minimises the NLL of ``softmax(logits / T)`` on held-out data."""
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=steps)
    logits, labels = logits.detach().float().clone(), labels.long().clone()  # may come from inference_mode

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    opt.step(closure)
    t = float(log_t.detach().exp())
    return t if np.isfinite(t) and 0.05 < t < 20 else 1.0


def expected_calibration_error(proba: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE: mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    conf = proba.max(1)
    correct = (proba.argmax(1) == labels).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)
