"""Draw (passage, holder) candidates for the attitude annotation from ../shared/data.

Keyword lists only decide which passages are *read*; every label is given by a
reader against CODEBOOK.md. Output: candidates.jsonl (one pair a line, with the
source locator needed to rebuild the passage from the data folder).

    python tools/attitude_candidates.py --data ../shared/data --out /tmp/annot
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.data import clean_dse_sentence  # noqa: E402

POOLS = {
    "dismissive": r"\b(dismiss\w*|brush\w* (off|aside)|shrug\w*|not up to|no business|downplay\w*|scoff\w*|"
                  r"refus\w* to (comment|discuss|engage)|rejected|denied|deny|denies|ridicul\w*|irrelevant|nonsense|"
                  r"declined to)\b",
    "conciliatory": r"\b(call\w* for (an end|peace|talks|calm|unity|dialogue|restraint)|urg\w*|reach\w* out|restraint|dialogue|negotiat\w*|compromise|"
                    r"ceasefire|cease-fire|peace|reconcil\w*|bipartisan|common ground|work together|cooperat\w*|"
                    r"de-?escalat\w*|olive branch)\b",
    "threatening": r"\b(threat\w*|vow\w*|retaliat\w*|ultimatum|or else|defi\w*|consequences|punish\w*|"
                   r"sanction\w*|warn\w* (that|it|he|she|they) would|will respond|veto|fight back|crack down|"
                   r"will not (tolerate|allow|back down)|won't (tolerate|back down))\b",
    "uneasy": r"\b(concern\w*|worr\w*|fear\w*|anxi\w*|alarm\w*|uneas\w*|unsettl\w*|nervous|troubl\w*|"
              r"warned of|apprehens\w*)\b",
    "supportive": r"\b(prais\w*|welcom\w*|back\w*|endors\w*|hail\w*|defend\w*|applaud\w*|champion\w*)\b",
    "critical": r"\b(criticiz\w*|criticis\w*|blam\w*|accus\w*|condemn\w*|slam\w*|denounc\w*|attack\w*|lambast\w*)\b",
}
PASSAGES_PER_POOL = {"dismissive": 190, "conciliatory": 190, "threatening": 190, "uneasy": 140,
                     "supportive": 90, "critical": 90, "random": 220}
MAX_HOLDERS = 3
# Round 2: the first round gave fewer than 80 conciliatory, threatening and uneasy labels.
ROUND2 = {"conciliatory": 230, "threatening": 190, "uneasy": 160}
# Round 3 reads training passages only (dev and test stay as they were) for the labels the model confuses most.
ROUND3 = {"uneasy": 170, "conciliatory": 80, "threatening": 70, "dismissive": 70, "supportive": 40}
_STOP = {"that", "this", "the", "to", "he", "she", "they", "it", "we", "i", "his", "her", "their", "notably"}


def actor_like(span: str) -> bool:
    """DSE brackets some non-entities ("that", ","); such spans are no holder and are not drawn."""
    s = span.strip()
    return len(s) >= 2 and any(c.isupper() for c in s) and any(c.isalpha() for c in s) and s.lower() not in _STOP


def newsmtsc(root: Path):
    files = {"train": root / "newsmtsc/train.jsonl", "devtest_mt": root / "newsmtsc/devtest_mt.jsonl",
             "devtest_rw": root / "newsmtsc/devtest_rw.jsonl"}
    for fname, path in files.items():
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            text = row["sentence_normalized"]
            holders = [(t["from"], t["to"]) for t in row["targets"]]
            yield {"source": "newsmtsc", "source_id": f"{fname}:{row['primary_gid']}", "text": text,
                   "locator": {"file": fname, "primary_gid": row["primary_gid"]}, "holders": holders}


def dse(root: Path):
    groups = {}
    for split in ("train", "valid", "test"):
        for i, line in enumerate((root / f"dse/{split}.txt").open(encoding="utf-8"), 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            text, spans = clean_dse_sentence(parts[0])
            g = groups.setdefault(text, {"source": "dse", "source_id": f"{split}:{i}", "text": text,
                                         "locator": {"split": split, "line": i}, "holders": []})
            for s in spans:
                if s not in g["holders"]:
                    g["holders"].append(s)
    yield from groups.values()


_SENT = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’]?|\n|$)")


def persent(root: Path):
    with (root / "persent/dev.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            doc, ent = row["DOCUMENT"], row["TARGET_ENTITY"]
            names = {ent, ent.split()[-1]}
            for m in _SENT.finditer(doc):
                raw = m.group(0)
                s = m.start() + (len(raw) - len(raw.lstrip()))
                e = m.start() + len(raw.rstrip())
                sent = doc[s:e]
                if len(sent) < 40:
                    continue
                holders = []
                for n in sorted(names, key=len, reverse=True):
                    for hm in re.finditer(re.escape(n), sent):
                        if not any(a <= hm.start() < b for a, b in holders):
                            holders.append((hm.start(), hm.end()))
                if holders:
                    yield {"source": "persent", "source_id": f"dev:{row['DOCUMENT_INDEX']}:{s}", "text": sent,
                           "locator": {"document_index": row["DOCUMENT_INDEX"], "start": s, "end": e},
                           "holders": holders[:1]}


def split_of(text: str) -> str:
    h = int(hashlib.sha1(text.encode()).hexdigest(), 16) % 100
    return "train" if h < 70 else ("dev" if h < 85 else "test")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--round", type=int, default=1, help="2 draws more passages for the rarest labels")
    ap.add_argument("--exclude", nargs="*", default=[],
                    help="earlier candidates*.jsonl files whose passages are not drawn again")
    a = ap.parse_args()
    pools = {1: PASSAGES_PER_POOL, 2: ROUND2, 3: ROUND3}[a.round]
    root, out = Path(a.data), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(a.seed)
    passages = list(newsmtsc(root)) + list(dse(root)) + list(persent(root))
    seen_text, uniq = set(), []
    for p in passages:
        if p["text"] not in seen_text and 30 <= len(p["text"]) <= 400:
            seen_text.add(p["text"])
            uniq.append(p)
    rng.shuffle(uniq)
    chosen, used = [], set()
    for ex in a.exclude:
        used |= {json.loads(l)["source_id"] for l in open(ex, encoding="utf-8")}
    uniq = [p for p in uniq if p["source_id"] not in used]
    if a.round >= 3:
        uniq = [p for p in uniq if split_of(p["text"]) == "train"]
    for pool, n in pools.items():
        pat = re.compile(POOLS[pool], re.I) if pool != "random" else None
        # favour sources with several holders (DSE, NewsMTSC mt) but keep all three sources in
        k = 0
        for p in uniq:
            if k >= n:
                break
            if p["source_id"] in used or (pat and not pat.search(p["text"])):
                continue
            used.add(p["source_id"])
            chosen.append((pool, p))
            k += 1
    rows, seen_cid = [], set()
    for pool, p in chosen:
        holders = [(s, e) for s, e in p["holders"] if 0 <= s < e and actor_like(p["text"][s:e])]
        for s, e in holders[:MAX_HOLDERS]:
            cid = f"{p['source']}|{p['source_id']}|{s}-{e}"
            if cid in seen_cid:
                continue
            seen_cid.add(cid)
            rows.append({"cid": cid, "source": p["source"],
                         "source_id": p["source_id"], "locator": p["locator"], "split": split_of(p["text"]),
                         "pool": pool, "passage": p["text"], "holder": p["text"][s:e],
                         "holder_start": s, "holder_end": e})
    with (out / ("candidates.jsonl" if a.round == 1 else f"candidates_round{a.round}.jsonl")).open(
            "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    from collections import Counter
    print(len(chosen), "passages", len(rows), "pairs", Counter(r["source"] for r in rows),
          Counter(r["split"] for r in rows))


if __name__ == "__main__":
    main()
