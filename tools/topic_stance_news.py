"""Stance toward a topic in news sentences: how `analyze` reads it, on a small set read by annotators
(stance/resources/topic_stance/news.jsonl; NewsMTSC test sentences, MIT, each with one actor, a topic the sentence
quotes and a paraphrase of it that it does not, and the actor's stance toward it: favor, against, none).

    python tools/topic_stance_news.py [--split test] [--model M]  # figures, with bootstrap intervals
    python tools/topic_stance_news.py --merge DIR        # rebuild the data file from the annotators' files in DIR

Systems: `analyze`'s reading (stance.analysis.topic_stances: the directed head where the sentence quotes the topic,
the stance head elsewhere), the stance head alone (how `analyze` read every topic before 2026-12-02), and always
`none`; each on the quoted topic and on its paraphrase.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DATA = Path(__file__).resolve().parents[1] / "stance" / "resources" / "topic_stance" / "news.jsonl"
LABELS = ["favor", "against", "none"]


def merge(folder: Path) -> None:
    """batchK.jsonl (candidates) + outK.jsonl (first reading: topic, paraphrase, stance) + second_out*.jsonl (an
    independent second reading of the stance of a random half, given the topic) + settled.jsonl (their
    disagreements settled) -> DATA; split dev/test by a hash of the sentence."""
    recs = []
    second = {r["cid"]: r["stance"] for f in sorted(folder.glob("second_out*.jsonl"))
              for r in map(json.loads, f.read_text(encoding="utf-8").splitlines()) if r}
    settled_file = folder / "settled.jsonl"  # the disagreements of the two readings, settled by a third reader
    settled = {r["cid"]: r["stance"] for r in map(json.loads, settled_file.read_text(encoding="utf-8").splitlines())
               if r} if settled_file.exists() else {}
    for batch in sorted(folder.glob("batch*.jsonl")):
        k = batch.stem[len("batch"):]
        cands = [json.loads(x) for x in batch.read_text(encoding="utf-8").splitlines() if x.strip()]
        outs = {r["cid"]: r for r in map(json.loads, (folder / f"out{k}.jsonl").read_text(encoding="utf-8")
                                               .splitlines()) if r}
        for c in cands:
            o = outs[c["cid"]]
            if not o.get("topic"):
                continue
            text, topic, para = c["text"], o["topic"], o["paraphrase"]
            i = text.find(topic)
            bad = (i < 0 or (i < c["actor_end"] and c["actor_start"] < i + len(topic)) or not para
                   or para.lower() in text.lower() or o["stance"] not in LABELS)
            if bad:
                print(f"dropped {c['cid']}: {o}", file=sys.stderr)
                continue
            split = "dev" if int(hashlib.md5(text.encode()).hexdigest(), 16) % 2 else "test"
            recs.append({"id": c["cid"], "source": c["source"], "text": text, "actor": c["actor"],
                         "actor_start": c["actor_start"], "actor_end": c["actor_end"], "topic": topic,
                         "topic_start": i, "topic_end": i + len(topic), "paraphrase": para,
                         "stance": settled.get(c["cid"], o["stance"]), "first_reading": o["stance"],
                         "second_reading": second.get(c["cid"]), "split": split})
    DATA.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    print(f"wrote {len(recs)} records to {DATA}")


def evaluate(split: str, model: str = "default") -> None:
    from sklearn.metrics import cohen_kappa_score

    from stance.analysis import topic_stances
    from stance.encoding import Item
    from stance.registry import load_model
    from stance.evaluation import score_predictions

    recs = [json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip()]
    pairs = [(r["first_reading"], r["second_reading"]) for r in recs if r["second_reading"]]
    if pairs:
        k = cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs])
        print(f"second reading: {len(pairs)} records, agreement {sum(a == b for a, b in pairs)}/{len(pairs)}, "
              f"Cohen's kappa {k:.3f}")
    recs = [r for r in recs if split == "all" or r["split"] == split]
    gold = [r["stance"] for r in recs]
    print(f"{split}: {len(recs)} records; " + ", ".join(f"{l} {gold.count(l)}" for l in LABELS))
    m = load_model(model)
    for field in ("topic", "paraphrase"):
        req = [(r["text"], (r["actor_start"], r["actor_end"]), r[field]) for r in recs]
        read = topic_stances(m, req)
        quoted = sum(q for _, q in read)
        ours = [LABELS[int(p.argmax())] for p, _ in read]  # m.labels["stance"] is favor, against, none
        assert list(m.labels["stance"]) == LABELS
        head = m.logits([Item(r["text"], topic=r[field]) for r in recs], ["stance"])["stance"].argmax(1).numpy()
        head = [LABELS[i] for i in head]
        print(f"-- topic as {'quoted' if field == 'topic' else 'paraphrased'} ({quoted} of {len(recs)} found in "
              f"the sentence)")
        for name, pred in (("analyze", ours), ("stance head", head), ("always none", ["none"] * len(recs))):
            r = score_predictions(gold, pred, LABELS, "macro_f1", None, 1000)
            print(f"{name:12s} macro-F1 {100 * r.score:5.1f} [{100 * r.ci95[0]:.1f}, {100 * r.ci95[1]:.1f}]  "
                  f"accuracy {100 * r.accuracy:5.1f}  per class " +
                  ", ".join(f"{k} {100 * v['f1']:.1f}" for k, v in r.per_class.items()))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="test", choices=["dev", "test", "all"])
    ap.add_argument("--merge", type=Path, help="rebuild the data file from the annotation folder")
    ap.add_argument("--model", default="default", help="a shipped model's name or a model folder")
    a = ap.parse_args(argv)
    if a.merge:
        merge(a.merge)
    else:
        evaluate(a.split, a.model)


if __name__ == "__main__":
    main()
