"""Does a model read the codebook's cue phrases as the codebook does? A behavioural probe, no data set read: each
cue of ../shared/CODEBOOK.md's label table (a few per label, written out as a short clause) is put after three
holders (a person by role, a country, a person by name and title) in a one-clause sentence, and the model is asked
about the holder. Not a benchmark: the sentences are invented, short and plain; it finds cues a model has not
learnt, such as one the codebook lists but the training passages rarely show.

    python tools/cue_probe.py [MODEL ...]      # default: default mpnet-attitude

Prints, per model, sentences read as the cue's label, per label, and every sentence read otherwise.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The codebook's cue examples per label, as clauses (the table's column "cue examples").
CUES = {
    "supportive": ["welcomed the plan", "praised the deal", "backed the proposal", "sent aid to the region",
                   "hailed the agreement"],
    "critical": ["condemned the attack", "blamed the government", "accused the company of fraud",
                 "slammed the decision", "opposed the bill"],
    "uneasy": ["voiced concern about the move", "fears the deal could collapse", "is unsettled by the news",
               "warned of risks to the economy"],
    "dismissive": ["said it is not for others to comment", "shrugged off the criticism",
                   "rejected the report as irrelevant", "declined to engage with the critics"],
    "conciliatory": ["called for an end to the war", "urged dialogue between the two sides",
                     "offered talks to the rebels", "called for a ceasefire"],
    "threatening": ["vowed to retaliate", "threatened sanctions", "warned it would respond"],
    "neutral": ["said on Tuesday that the meeting took place", "announced the results", "visited the capital",
                "was elected in May"],
}
# (sentence opening, the holder's span in it)
HOLDERS = [("The minister", (4, 12)), ("China", (0, 5)), ("Chinese President Xi Jinping", (18, 28))]


def probe_items():
    from stance.encoding import Item

    items, gold = [], []
    for label, clauses in CUES.items():
        for clause in clauses:
            for opening, (s, e) in HOLDERS:
                items.append(Item(f"{opening} {clause}.", s, e))
                gold.append(label)
    return items, gold


def main(argv=None):
    from stance.registry import load_model

    models = (argv if argv is not None else sys.argv[1:]) or ["default", "mpnet-attitude"]
    items, gold = probe_items()
    for name in models:
        m = load_model(name)
        labels = m.labels["attitude"]
        pred = [labels[i] for i in m.predict_proba(items, "attitude").argmax(1)]
        right, total = Counter(), Counter(gold)
        for p, g in zip(pred, gold):
            right[g] += p == g
        per = ", ".join(f"{g} {right[g]}/{total[g]}" for g in CUES)
        print(f"{name}: {sum(right.values())} of {len(gold)} read as the cue's label ({per})")
        for it, p, g in zip(items, pred, gold):
            if p != g:
                print(f"    {it.text!r}: {p} (codebook: {g})")


if __name__ == "__main__":
    main()
