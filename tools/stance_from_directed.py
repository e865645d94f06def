"""Rule D: an actor's stance toward a topic its sentence quotes, from the default's ``directed`` head (the actor as
holder, the topic as target) or from its ``stance`` head (the sentence with the topic, as ``analyze`` read it
before), on DSE's (holder, target) pairs mapped to favor/against/none (endorses -> favor, blames -> against, the
rest -> none). Rule written before this ran (2026-12-02 12:10 UTC): adopt iff the directed mapping beats the stance
head by >= 5.0 macro-F1 points on DSE dev; test only after the decision.

    python tools/stance_from_directed.py [--split dev]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.data import load_dataset  # noqa: E402
from stance.encoding import Item  # noqa: E402
from stance.registry import load_model  # noqa: E402
from stance.evaluation import score_predictions  # noqa: E402
from stance.inputs import as_items  # noqa: E402

TO_STANCE = {"endorses": "favor", "blames": "against"}  # every other directed label: none


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    a = ap.parse_args(argv)
    X = load_dataset("dse", a.split).to_pandas()
    gold = [TO_STANCE.get(v, "none") for v in X["label"]]
    m = load_model("default")
    items = as_items(X)
    d = m.logits(items, ["directed"])["directed"].argmax(1).numpy()
    directed = [TO_STANCE.get(m.labels["directed"][i], "none") for i in d]
    topical = [Item(it.text, topic=it.text[it.target_start:it.target_end]) for it in items]
    s = m.logits(topical, ["stance"])["stance"].argmax(1).numpy()
    head = [m.labels["stance"][i] for i in s]
    labels = ["favor", "against", "none"]
    print(f"dse/{a.split}: {len(gold)} pairs; gold " + ", ".join(f"{l} {gold.count(l)}" for l in labels))
    res = {}
    for name, pred in (("directed head", directed), ("stance head", head), ("always none", ["none"] * len(gold))):
        r = score_predictions(gold, pred, labels, "macro_f1", None, 1000)
        res[name] = r.score
        print(f"{name:14s} macro-F1 {100 * r.score:5.2f} [{100 * r.ci95[0]:.1f}, {100 * r.ci95[1]:.1f}]  accuracy "
              f"{100 * r.accuracy:5.2f}  per class " + ", ".join(f"{k} {100 * v['f1']:.1f}"
                                                                for k, v in r.per_class.items()))
    print(f"rule D met (directed >= stance head + 5.0): {res['directed head'] - res['stance head'] >= 0.05}")


if __name__ == "__main__":
    main()
