"""Rule S on the attitude-articles dev split: one holder per attitude per sentence, against the current aggregation
(rule written before this ran, 2026-12-02 11:17 UTC: adopt iff macro-F1 rises by >= 1.0 for both models and
accuracy falls for neither; it fell, 41.01 -> 37.30 and 46.26 -> 43.71, and was not adopted).

    python tools/select_sentence_rule.py [--split dev] [--models default mpnet-attitude]

Every passage of every actor of an article is scored once per model; gold rows map to actors as
stance.analysis.ArticleAttitude maps them, so the "current" figures equal the benchmark's.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.analysis import _aggregate, _prepared, torch_softmax  # noqa: E402
from stance.data import load_dataset  # noqa: E402
from stance.registry import load_model  # noqa: E402
from stance.evaluation import score_predictions  # noqa: E402
from stance.inputs import Item  # noqa: E402
from stance.labels import TASK_LABELS  # noqa: E402


def single_holder(pairs, probs: np.ndarray, labels: list[str]) -> np.ndarray:
    """Which passages keep their attitude when, in one sentence, several actors' passages have the same non-neutral
    argmax: only the actor(s) with the highest probability of that label ("NBC reported that the shift is alarming
    for Russia's adversaries and may create unease in China": one unease, China's). A boolean per pair."""
    shows = np.ones(len(pairs), dtype=bool)
    ni = labels.index("neutral")
    arg = probs.argmax(1)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, q in enumerate(pairs):
        if arg[i] != ni:
            groups.setdefault((q.sentence, int(arg[i])), []).append(i)
    for (_, a), idx in groups.items():
        top = max(probs[i, a] for i in idx)
        for i in idx:
            shows[i] = probs[i, a] >= top
    return shows


def without(P: np.ndarray, shows: np.ndarray, labels: list[str]) -> np.ndarray:
    """The passages that lose their attitude read as neutral (under the codebook rule a passage whose argmax is
    neutral gives no support, so the article label is the rule's)."""
    P = P.copy()
    P[~shows] = np.eye(len(labels))[labels.index("neutral")]
    return P


def predictions(model: str, X) -> dict[str, list[str]]:
    m = load_model(model)
    labels = list(m.labels["attitude"])
    out: dict[str, list[str]] = {"current": [], "single holder": []}
    cache = {}
    for r in X.to_dict("records"):
        text, start, end = r["text"], int(r["target_start"]), int(r["target_end"])
        if text not in cache:
            p = _prepared(text, "")
            P = torch_softmax(m.logits(p.items, ["attitude"])["attitude"]) if p.items else np.zeros((0, len(labels)))
            cache[text] = (p, P, single_holder(p.pairs, P, labels) if p.items else None)
        p, P, shows = cache[text]
        idx = []
        for ai, g in enumerate(p.groups):
            if any(mn.start < end and start < mn.end for mn in g.mentions):
                idx = [i for i, q in enumerate(p.pairs) if q.actor == ai]
                if idx:
                    break
        if idx:
            out["current"].append(_aggregate("attitude", labels, P[idx]).label)
            out["single holder"].append(_aggregate("attitude", labels, without(P[idx], shows[idx], labels)).label)
        else:  # not kept as an actor: its own sentence alone, as ArticleAttitude reads it
            s0, s1 = next((a, b) for a, b in p.sentences if a <= start < b)
            Q = torch_softmax(m.logits([Item(text[s0:s1], start - s0, min(end, s1) - s0)], ["attitude"])["attitude"])
            lab = _aggregate("attitude", labels, Q).label
            out["current"].append(lab)
            out["single holder"].append(lab)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--models", nargs="+", default=["default", "mpnet-attitude"])
    a = ap.parse_args(argv)
    X = load_dataset("attitude-articles", a.split).to_pandas()
    y = X["label"].tolist()
    labels = TASK_LABELS["attitude"]
    print(f"attitude-articles/{a.split}: {len(y)} actors, {X['text'].nunique()} articles")
    table = {}
    for model in a.models:
        for name, pred in predictions(model, X).items():
            res = score_predictions(y, pred, labels, "macro_f1", None, 1000)
            acc = float(np.mean(np.array(pred) == np.array(y)))
            table[(model, name)] = (res.score, acc)
            print(f"{model:16s} {name:14s} macro-F1 {100 * res.score:5.2f} [{100 * res.ci95[0]:.1f}, "
                  f"{100 * res.ci95[1]:.1f}]  accuracy {100 * acc:5.2f}", flush=True)
    ok = all(table[(m, "single holder")][0] - table[(m, "current")][0] >= 0.01
             and table[(m, "single holder")][1] >= table[(m, "current")][1] for m in a.models)
    print(f"rule S met (each model +1.0 macro-F1, no accuracy lost): {ok}")


if __name__ == "__main__":
    main()
