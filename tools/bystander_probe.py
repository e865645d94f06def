"""Does a model give an actor the attitude that others hold toward it, or that its neighbours hold? A behavioural
probe on the attitude dev split (never test). Each dev passage whose holder has an attitude is changed in two ways
that ``stance.augment.bystanders`` (training) never uses, with names it never uses:

- possessor: the holder becomes "{X}'s {relation}" ("France's southern neighbour is unsettled ..."): X holds
  nothing (a careful reader says ``neutral``);
- object: the passage gains ", {link} {X}'s {thing}" ("..., in light of France's troop movements"): X is what the
  attitude is about (``neutral``), the holder keeps its gold label.

    python tools/bystander_probe.py default mpnet-attitude [/tmp/exp/candidate]

Prints, per model: pairs, the share of X read as neutral in each frame, and holder accuracy in the object frame
and without it.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NAMES = ["France", "India", "Vietnam", "Nigeria", "Sweden", "Argentina", "Lena Fischer", "Omar Haddad"]
RELATIONS = ["southern neighbour", "arch-rival", "traditional foe", "staunchest critic", "junior coalition partner"]
LINKS = ["in light of", "following", "days after"]
THINGS = ["troop movements", "latest statements", "growing influence", "surprise announcement"]


def frames(item, rng):
    """(possessor item, object item for X, object item for the holder) or None when the passage does not fit."""
    from stance.encoding import Item

    t, s, e = item.text, item.target_start, item.target_end
    h = t[s:e]
    if not h[:1].isupper() or h.lower() in {"he", "she", "it", "they", "his", "her", "their"}:
        return None
    x = rng.choice(NAMES)
    poss = f"{x}'s {rng.choice(RELATIONS)}"
    if s == 0:
        poss = poss[0].upper() + poss[1:]
    pt = t[:s] + poss + t[e:]
    body = t.rstrip()
    end = body[-1] if body[-1] in ".!?" else ""
    body = body[:-1] if end else body
    if not body or body[-1] in "\"”'’":
        return None
    tail = f", {rng.choice(LINKS)} "
    ot = body + tail + x + "'s " + rng.choice(THINGS) + (end or ".")
    xs = len(body) + len(tail)
    return Item(pt, s, s + len(x)), Item(ot, xs, xs + len(x)), Item(ot, s, e)


def probe(model: str, seed: int = 0) -> dict:
    import numpy as np

    from stance.data import load_dataset
    from stance.registry import load_model
    from stance.inputs import as_items, labels_of

    m = load_model(model)
    labels = m.labels["attitude"]
    ni = labels.index("neutral")
    ds = load_dataset("attitude", "dev")
    rng = random.Random(seed)
    poss, objx, objh, plain, gold = [], [], [], [], []
    for it, y in zip(as_items(ds), labels_of(ds, None)):
        if y == "neutral":
            continue
        f = frames(it, rng)
        if f is None:
            continue
        poss.append(f[0]), objx.append(f[1]), objh.append(f[2]), plain.append(it)
        gold.append(labels.index(y))
    gold = np.array(gold)
    P = {k: m.predict_proba(v, "attitude").argmax(1) for k, v in
         (("poss", poss), ("objx", objx), ("objh", objh), ("plain", plain))}
    return {"pairs": len(gold), "possessor_neutral": float((P["poss"] == ni).mean()),
            "object_neutral": float((P["objx"] == ni).mean()), "holder_acc_object": float((P["objh"] == gold).mean()),
            "holder_acc_plain": float((P["plain"] == gold).mean())}


if __name__ == "__main__":
    for name in sys.argv[1:]:
        r = probe(name)
        print(f"{name}: {r['pairs']} dev passages; X neutral as possessor {100 * r['possessor_neutral']:.1f}%, as "
              f"object {100 * r['object_neutral']:.1f}%; holder right with the object clause "
              f"{100 * r['holder_acc_object']:.1f}%, without it {100 * r['holder_acc_plain']:.1f}%")
