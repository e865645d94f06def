"""Does a model give the reporter of an attitude the attitude it reports? A behavioural probe on the attitude dev
split (never test): each dev passage whose holder has an attitude is framed in a reporting clause that training's
augmentation (``stance.augment``) never uses, with reporter names it never uses, and the model is asked about
both the reporter (a careful reader says ``neutral``) and the original holder (its gold label).

    python tools/reporter_probe.py models/mpnet-attitude /tmp/exp/att-aug

Prints, per model: pairs, share of reporters read as neutral, holder accuracy in the frame and without it.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPORTERS = ["Karl Mertens", "Nikkei Asia", "Ayesha Siddiqui", "the Brookings Institution", "Gustavo Lima",
             "Der Spiegel", "Mei Ling Chua", "the Rand Corporation"]
FRAMES = ["As {r} put it, {p}", "{r}, who follows the region closely, thinks {p}",
          "In a report published on Monday, {r} concluded {p}", "{r} told a conference that {p}"]


def probe(model_path: str, seed: int = 0) -> dict:
    import numpy as np

    from stance.data import load_dataset
    from stance.encoding import Item
    from stance.registry import load_model
    from stance.inputs import as_items, labels_of

    m = load_model(model_path)
    labels = m.labels["attitude"]
    ds = load_dataset("attitude", "dev")
    rng = random.Random(seed)
    rep, hold, plain, gold = [], [], [], []
    for it, y in zip(as_items(ds), labels_of(ds, None)):
        p = it.text.strip()
        if y == "neutral" or not p[:1].isupper() or '"' in p or "“" in p or len(p) > 300:
            continue
        body = p[:-1] if p[-1] in ".!" else p
        r = rng.choice(REPORTERS)
        pre, post = rng.choice(FRAMES).split("{p}")
        pre = pre.format(r=r)
        first = body.split(" ", 1)[0]
        clause = body[0].lower() + body[1:] if first.lower() in {"the", "a", "an", "this", "it", "they"} else body
        text = pre + clause + post + "."
        lead = len(it.text) - len(it.text.lstrip())
        rs = pre.index(r)
        rep.append(Item(text, rs, rs + len(r)))
        hold.append(Item(text, it.target_start - lead + len(pre), it.target_end - lead + len(pre)))
        plain.append(it)
        gold.append(labels.index(y))
    gold = np.array(gold)
    pr = m.predict_proba(rep, "attitude").argmax(1)
    ph = m.predict_proba(hold, "attitude").argmax(1)
    pp = m.predict_proba(plain, "attitude").argmax(1)
    return {"pairs": len(gold), "reporter_neutral": float((pr == labels.index("neutral")).mean()),
            "holder_acc_framed": float((ph == gold).mean()), "holder_acc_plain": float((pp == gold).mean())}


if __name__ == "__main__":
    for path in sys.argv[1:]:
        r = probe(path)
        print(f"{path}: {r['pairs']} dev passages; reporter read as neutral {100 * r['reporter_neutral']:.1f}%; "
              f"holder right in the frame {100 * r['holder_acc_framed']:.1f}%, without it "
              f"{100 * r['holder_acc_plain']:.1f}%")
