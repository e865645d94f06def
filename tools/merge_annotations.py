"""Merge the annotators' label files into stance/resources/attitude/ (annotations + second reading).

    python tools/merge_annotations.py --work /path/to/annotation/workdir

The work folder holds candidates*.jsonl (from attitude_candidates.py), labels/*.jsonl (first reading),
second*/ (the independent second reading of a random 10%) and adjudicated.jsonl (the resolved disagreements).
Only NewsMTSC passages are written as text; DSE and PerSenT rows keep their locator only.
"""
from __future__ import annotations

import argparse
import glob
import sys
import json
from collections import Counter
from pathlib import Path

from attitude_candidates import actor_like

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.attitude_data import held_out_elsewhere  # noqa: E402


def benchmark_held_out_texts(data_dir) -> set:
    """Sentences of the other benchmarks' dev and test splits (DSE repeats some sentences across its own splits,
    so a passage drawn from DSE train can still be a DSE test sentence)."""
    from stance.data import load_dataset

    return {t for name in ("dse", "newsmtsc-rw", "newsmtsc-mt") for split in ("dev", "test")
            for t in load_dataset(name, split, data_dir)[:]["text"]}

OUT = Path(__file__).resolve().parents[1] / "stance" / "resources" / "attitude"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--data", default=None, help="benchmark data folder (default: as stance.load_dataset finds it)")
    a = ap.parse_args()
    held_text = benchmark_held_out_texts(a.data)
    w = a.work
    cands = {}
    for f in sorted(w.glob("candidates*.jsonl")):
        rnd = int(f.stem.split("round")[1]) if "round" in f.stem else 1
        for line in f.open(encoding="utf-8"):
            r = json.loads(line)
            cands.setdefault(r["cid"], {**r, "round": rnd})
    first = {}
    for f in sorted(glob.glob(str(w / "labels" / "*.jsonl"))):
        for line in open(f, encoding="utf-8"):
            r = json.loads(line)
            first[r["cid"]] = r["label"]
    second = {}
    for f in sorted(glob.glob(str(w / "second*" / "*.jsonl"))):
        for line in open(f, encoding="utf-8"):
            r = json.loads(line)
            second[r["cid"]] = r["label"]
    adj = {}
    if (w / "adjudicated.jsonl").exists():
        for line in (w / "adjudicated.jsonl").open(encoding="utf-8"):
            r = json.loads(line)
            adj[r["cid"]] = r
    OUT.mkdir(parents=True, exist_ok=True)
    kept = 0
    with (OUT / "annotations.jsonl").open("w", encoding="utf-8") as f:
        for cid, c in cands.items():
            if cid not in first or c["holder_start"] < 0 or not actor_like(c["holder"]):
                continue
            label = adj[cid]["label"] if cid in adj else first[cid]
            rec = {"id": cid, "source": c["source"], "source_id": c["source_id"], "locator": c["locator"],
                   "split": c["split"], "pool": c["pool"], "round": c["round"],
                   "text": c["passage"] if c["source"] == "newsmtsc" else None,
                   "holder": c["holder"], "holder_start": c["holder_start"], "holder_end": c["holder_end"],
                   "label": label,
                   "held_out_elsewhere": held_out_elsewhere(cid) or c["passage"] in held_text}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            kept += 1
    with (OUT / "second_reading.jsonl").open("w", encoding="utf-8") as f:
        for cid, lab in second.items():
            if cid not in first or cid not in cands or not actor_like(cands[cid]["holder"]):
                continue
            rec = {"id": cid, "round": cands[cid]["round"], "first": first[cid], "second": lab,
                   "final": adj[cid]["label"] if cid in adj else first[cid],
                   "note": adj[cid].get("note") if cid in adj else None}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("kept", kept, Counter(first[c] for c in cands if c in first))


if __name__ == "__main__":
    main()
