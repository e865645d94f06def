"""How the stance head reads SemEval-2016 B (Donald Trump) with and without SemEval's placeholder hashtag ``#SemST``
(the organisers' stand-in for the query hashtags; no real text has it): confusion matrices and favor recall.

    python tools/semst_probe.py [MODEL]

A diagnosis read on B's test split (B has no other), not a selection. Since 2026-12-07 the loader removes the tag
(stance.data) and the default's stance head was refitted without it (stage 10); this probe puts each tweet's tag
back from the raw file to show how a model reads the two.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(model: str = "default") -> None:
    from sklearn.metrics import confusion_matrix

    from stance.data import _semeval, data_dir, load_dataset
    from stance.encoding import Item
    from stance.registry import load_model
    from stance.inputs import as_items

    m = load_model(model)
    ds = load_dataset("semeval2016-b", "test")  # read without the tag
    items, gold, labels = as_items(ds), ds[:]["label"], m.labels["stance"]
    raw = {r["id"]: r["text"] for r in _semeval("semeval2016-b", "test", data_dir(), keep_tag=True)}

    def tagged_item(t: str, it: Item) -> Item:  # the same target span where the tag left it in place
        if it.target_start is not None and t[it.target_start:it.target_end] == it.text[it.target_start:it.target_end]:
            return Item(t, it.target_start, it.target_end, it.topic)
        return Item(t, None, None, it.topic or "Donald Trump")

    tagged = [tagged_item(raw[i], it) for i, it in zip(ds[:]["id"], items)]

    for name, its in (("with #SemST", tagged), ("without #SemST", items)):
        pred = [labels[i] for i in m.predict_proba(its, "stance").argmax(1)]
        cm = confusion_matrix(gold, pred, labels=labels)
        print(f"{name}: rows gold, columns predicted {labels}\n{cm}\nfavor recall {100 * cm[0, 0] / cm[0].sum():.1f}%, "
              f"'none' predicted for {cm[:, 2].sum()} of {len(pred)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
