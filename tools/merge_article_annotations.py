"""Merge the article-level readings (tools/article_candidates.py packets) into stance/resources/attitude.

    python tools/merge_article_annotations.py --work /tmp/articles [--settled settled.jsonl] [--round 2]

Checks that every listed actor got exactly one allowed label, finds each actor's first mention again with the
same actor finder (the offsets are what the data set stores; no article text is written), reports Cohen's kappa
on the blind second reading and its disagreements, and writes ``articles.jsonl`` and
``articles_second_reading.jsonl``. ``--settled`` holds third readings ({"doc", "actor", "label", "note"}) that
replace the first reading where the two readers disagreed. Readers' notes quote the articles, whose terms do not
allow redistribution, so only the third readings' notes are kept.

``--round N`` (N > 1) replaces that round's records in both files and keeps the others; its records carry
``"round": N`` (round 1's carry none). Each round's actor lists come from the finder of the commit that drew them
(ARTICLES.md names it), and are found again with the finder in the tree.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.data import data_dir  # noqa: E402
from stance.labels import TASK_LABELS  # noqa: E402

ALLOWED = set(TASK_LABELS["attitude"]) | {"not_actor"}
OUT = Path(__file__).resolve().parents[1] / "stance" / "resources" / "attitude"


def _read(path: Path, listed: dict) -> dict:
    got = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        r = json.loads(line)
        key = (str(r["doc"]), r["actor"])
        if key not in listed:
            raise SystemExit(f"{path}:{n}: actor {r['actor']!r} is not listed for doc {r['doc']}")
        if r["label"] not in ALLOWED:
            raise SystemExit(f"{path}:{n}: label {r['label']!r} not in {sorted(ALLOWED)}")
        if key in got:
            raise SystemExit(f"{path}:{n}: actor {r['actor']!r} of doc {r['doc']} labelled twice")
        got[key] = r
    return got


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/articles")
    ap.add_argument("--data", default=None)
    ap.add_argument("--settled", default=None)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--round", type=int, default=1)
    ap.add_argument("--targeted", default=None,
                    help="the question a targeted round was drawn for (e.g. possessors); its records carry it")
    a = ap.parse_args(argv)
    import stance
    from sklearn.metrics import cohen_kappa_score

    work = Path(a.work)
    arts = [json.loads(x) for x in (work / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    listed = {(c["doc"], x["name"]): (c, x) for c in arts for x in c["actors"]}
    first, second = {}, {}
    for k in range(a.readers):
        for key, r in _read(work / f"labels_{k}.jsonl", listed).items():
            first[key] = dict(r, reader=k)
        if (work / f"second_{k}.jsonl").exists():
            for key, r in _read(work / f"second_{k}.jsonl", listed).items():
                second[key] = dict(r, reader=k)
    missing = [key for key in listed if key not in first]
    if missing:
        raise SystemExit(f"{len(missing)} listed actors have no first reading, e.g. {missing[:3]}")
    both = [key for key in second if key in first]
    y1, y2 = [first[k]["label"] for k in both], [second[k]["label"] for k in both]
    kappa = cohen_kappa_score(y1, y2)
    agree = sum(p == q for p, q in zip(y1, y2))
    print(f"second reading: {len(both)} actors, agreement {agree}/{len(both)}, kappa {kappa:.3f}")
    for k in both:
        if first[k]["label"] != second[k]["label"]:
            print(f"  disagree {k}: {first[k]['label']} ({first[k]['note']}) | {second[k]['label']} "
                  f"({second[k]['note']})")
    settled = {}
    if a.settled:
        for r in map(json.loads, Path(a.settled).read_text(encoding="utf-8").splitlines()):
            settled[(str(r["doc"]), r["actor"])] = r
    root = data_dir(a.data)
    with (root / "persent" / "dev.csv").open(encoding="utf-8", newline="") as f:
        docs = {r["DOCUMENT_INDEX"]: r["DOCUMENT"] for r in csv.DictReader(f)}
    out = []
    for c in arts:
        res = stance.analyze(docs[c["doc"]])
        found = {x.name: x for x in res.actors}
        for x in c["actors"]:
            key = (c["doc"], x["name"])
            act = found.get(x["name"])
            if act is None:
                raise SystemExit(f"doc {c['doc']}: the finder no longer gives actor {x['name']!r}; check out the "
                                 f"stance/actors.py that drew this round's lists (ARTICLES.md names the commit)")
            m = act.mentions[0]
            r = first[key]
            rec = {"doc": c["doc"], "split": c["split"], "actor": x["name"], "type": x["type"], "mention": m.text,
                   "start": m.start, "end": m.end, "label": r["label"], "reader": r["reader"]}
            if key in settled:
                rec.update(label=settled[key]["label"], note=settled[key]["note"], settled=True)
            if a.round > 1:
                rec["round"] = a.round
            if a.targeted:
                rec["targeted"] = a.targeted
            out.append(rec)
    seconds = []
    for key in both:
        rec = {"doc": key[0], "actor": key[1], "first": first[key]["label"], "second": second[key]["label"],
               "second_reader": second[key]["reader"]}
        if key in settled:
            rec["final"] = settled[key]["label"]
        if a.round > 1:
            rec["round"] = a.round
        seconds.append(rec)
    for name, recs in (("articles.jsonl", out), ("articles_second_reading.jsonl", seconds)):
        path = OUT / name
        old = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        lines = [(json.loads(x).get("round", 1), x) for x in old if x.strip()]  # the other rounds, as they are
        lines = [(r, x) for r, x in lines if r != a.round]
        lines += [(a.round, json.dumps(r, ensure_ascii=False)) for r in recs]
        lines.sort(key=lambda t: t[0])  # stable: each round keeps its order
        path.write_text("".join(x + "\n" for _, x in lines), encoding="utf-8")
    out = [json.loads(x) for x in (OUT / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    kept = [r for r in out if r["label"] != "not_actor" and "targeted" not in r]
    for split in ("dev", "test"):
        c = Counter(r["label"] for r in kept if r["split"] == split)
        print(split, sum(c.values()), "actors:", dict(c.most_common()))
    print("not_actor:", sum(r["label"] == "not_actor" for r in out), "of", len(out))


if __name__ == "__main__":
    main()
