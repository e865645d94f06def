"""Rule B: stance toward a person the text names, read from the default's sentiment head toward that mention
(positive -> favor, negative -> against, neutral -> none), against the stance head, on the rows that name the
person. Rule written before this ran (2026-12-02 12:33 UTC): adopt iff on both SemEval-2016 A dev (target Hillary
Clinton) and P-Stance dev the candidate beats the stance head on the same rows by >= 2.0 points (F_avg; P-Stance:
macro-F1 over favor/against, its gold having no none); SemEval-2016 B test only after the decision.
Outcome: 76.67 -> 69.33 and 73.72 -> 61.24 on dev, not adopted; SemEval-2016 B test, read after: on the 136 of 707
tweets that name Trump, 47.41 (stance head) against 50.61.

    python tools/stance_from_sentiment.py [--test]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.data import load_dataset  # noqa: E402
from stance.encoding import Item  # noqa: E402
from stance.registry import load_model  # noqa: E402
from stance.evaluation import f_avg, macro_f1  # noqa: E402
from stance.inputs import as_items  # noqa: E402

NAMES = {"Hillary Clinton": ["Hillary Clinton", "Hillary", "Clinton"], "Donald Trump": ["Donald Trump", "Trump"],
         "Joe Biden": ["Joe Biden", "Biden"], "Bernie Sanders": ["Bernie Sanders", "Bernie", "Sanders"]}
AS_STANCE = {"positive": "favor", "negative": "against", "neutral": "none"}


def named_rows(X):
    """(row index, Item marking the first mention of the row's person) for rows that name it."""
    out = []
    for i, (text, group) in enumerate(zip(X["text"], X["group"])):
        for n in NAMES.get(group, []):
            hit = re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", text, re.IGNORECASE)
            if hit:
                out.append((i, Item(text, *hit.span())))
                break
    return out


def compare(m, name, split, groups=None):
    X = load_dataset(name, split).to_pandas()
    if groups:
        X = X[X["group"].isin(groups)].reset_index(drop=True)
    rows = named_rows(X)
    idx = [i for i, _ in rows]
    gold = [X["label"][i] for i in idx]
    sub = X.iloc[idx]
    head = m.logits(as_items(sub), ["stance"])["stance"].argmax(1).numpy()
    head = [m.labels["stance"][k] for k in head]
    sen = m.logits([it for _, it in rows], ["sentiment"])["sentiment"].argmax(1).numpy()
    cand = [AS_STANCE[m.labels["sentiment"][k]] for k in sen]
    if name == "pstance":
        score = lambda y, p: macro_f1(y, p, ["favor", "against"])  # noqa: E731
    else:
        score = lambda y, p: f_avg(y, p)  # noqa: E731
    a, b = score(gold, head), score(gold, cand)
    print(f"{name}/{split}{' ' + ','.join(groups) if groups else ''}: {len(idx)} of {len(X)} rows name the person; "
          f"stance head {100 * a:.2f}, sentiment head {100 * b:.2f} ({100 * (b - a):+.2f})")
    return b - a


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--test", action="store_true", help="also SemEval-2016 B test (after the decision)")
    a = ap.parse_args(argv)
    m = load_model("default")
    d1 = compare(m, "semeval2016-a", "dev", ["Hillary Clinton"])
    d2 = compare(m, "pstance", "dev")
    print(f"rule B met (both >= +2.0): {d1 >= 0.02 and d2 >= 0.02}")
    if a.test:
        compare(m, "semeval2016-b", "test")


if __name__ == "__main__":
    main()
