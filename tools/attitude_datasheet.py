"""Write the figures of stance/resources/attitude/DATASHEET.md (label counts per split, sources, agreement).

    python tools/attitude_datasheet.py      # rewrites the block between the STATS markers
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

HERE = Path(__file__).resolve().parents[1] / "stance" / "resources" / "attitude"
LABELS = ["supportive", "critical", "uneasy", "dismissive", "conciliatory", "threatening", "neutral"]


def stats() -> str:
    recs = [json.loads(l) for l in (HERE / "annotations.jsonl").open(encoding="utf-8")]
    by = Counter((r["split"], r["label"]) for r in recs)
    splits = ["train", "dev", "test"]
    L = ["| label | " + " | ".join(splits) + " | total |", "|---|" + "---|" * (len(splits) + 1)]
    for lab in LABELS:
        L.append(f"| {lab} | " + " | ".join(str(by[(s, lab)]) for s in splits) + f" | {sum(by[(s, lab)] for s in splits)} |")
    L.append("| **all** | " + " | ".join(str(sum(by[(s, l)] for l in LABELS)) for s in splits) + f" | {len(recs)} |")
    src = Counter(r["source"] for r in recs)
    passages = len({(r["source"], r["source_id"]) for r in recs})
    multi = Counter(Counter((r["source"], r["source_id"]) for r in recs).values())
    L += ["", f"Pairs: {len(recs)} over {passages} passages; passages with 1/2/3 holders: "
              f"{multi[1]}/{multi[2]}/{multi[3]}. Sources: " + ", ".join(f"{k} {v}" for k, v in sorted(src.items()))
          + ". Pairs per pool (the keyword pool or random draw their passage came from): "
          + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r["pool"] for r in recs).items())) + "."]
    sec = [json.loads(l) for l in (HERE / "second_reading.jsonl").open(encoding="utf-8")]
    a, b = [r["first"] for r in sec], [r["second"] for r in sec]
    agree = sum(x == y for x, y in zip(a, b))
    L += ["", f"Second, independent reading: {len(sec)} pairs ({100 * len(sec) / len(recs):.1f}% of all, drawn at "
              f"random); raw agreement {100 * agree / len(sec):.1f}%, Cohen's kappa "
              f"**{cohen_kappa_score(a, b):.3f}**. {len(sec) - agree} disagreements were resolved by a third "
              f"reading (`final` and `note` in second_reading.jsonl)."]
    rounds = sorted({r.get("round", 1) for r in sec})
    if len(rounds) > 1:
        per = []
        for k in rounds:
            s = [r for r in sec if r.get("round", 1) == k]
            per.append(f"round {k}: {len(s)} pairs, kappa {cohen_kappa_score([r['first'] for r in s], [r['second'] for r in s]):.3f}")
        L += ["", "Per annotation round: " + "; ".join(per) + "."]
    return "\n".join(L)


def main():
    path = HERE / "DATASHEET.md"
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- STATS -->", "<!-- /STATS -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(head + start + "\n" + stats() + "\n" + end + tail, encoding="utf-8")
    print(stats())


if __name__ == "__main__":
    main()
