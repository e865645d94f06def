"""DSE read from both sides: each (holder, target) pair of the DSE *dev* split scored as it is and with the two
entities' roles exchanged, the second reading mirrored back (endorses <-> endorsed_by, blames <-> blamed_by,
``stance.augment.MIRRORED``), and the two averaged: does test-time averaging over the roles help? (Rule N,
2026-12-07: it did not, so inference reads each pair once.)

    python tools/dse_swap_probe.py [MODEL]

Prints the macro-F1 of the plain reading, of the mirrored swapped reading alone and of their average.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(model: str = "default") -> None:
    import numpy as np
    from sklearn.metrics import f1_score

    from stance.augment import MIRRORED, swapped_roles
    from stance.data import load_dataset
    from stance.inputs import as_items, labels_of
    from stance.registry import load_model
    from stance.training import TaskData

    m = load_model(model)
    labels = m.labels["directed"]
    ds = load_dataset("dse", "dev")
    items, gold = as_items(ds), labels_of(ds, None)
    swapped = swapped_roles(TaskData(items, [labels.index(g) for g in gold]), labels).items
    assert len(swapped) == len(items)  # every DSE pair has a holder and a target
    plain = m.predict_proba(items, "directed")
    mirrored = m.predict_proba(swapped, "directed")[:, [labels.index(MIRRORED[lab]) for lab in labels]]
    for name, p in [("plain", plain), ("swapped, mirrored", mirrored), ("average", (plain + mirrored) / 2)]:
        pred = [labels[i] for i in p.argmax(1)]
        print(f"{model} {name}: macro-F1 {100 * f1_score(gold, pred, average='macro'):.2f} on DSE dev "
              f"(n = {len(gold)})")


if __name__ == "__main__":
    main(*sys.argv[1:])
