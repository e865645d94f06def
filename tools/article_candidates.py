"""Draw PerSenT dev articles for the article-level attitude annotation and write reading packets.

The actors of each article are the ones ``stance.analyze`` finds (names, types, aliases, mentions); their labels
are never shown. A reader gives each actor the article-level attitude of ../shared/CODEBOOK.md ("Article level"),
or ``not_actor`` where the entry is no actor (a place that only locates an event, an NER mistake).

    python tools/article_candidates.py --out /tmp/articles --n 48 --readers 4 --second 8
    python tools/article_candidates.py --out /tmp/articles2 --exclude stance/resources/attitude/articles.jsonl

``--exclude`` skips the documents of an earlier round: with the same seed, a later round takes the next articles of
the same random order.

``--possessors`` draws a targeted round (round 3, ARTICLES.md): only articles where ``analyze(possessors=True)``
changes some actor's attitude with the default or ``mpnet-attitude`` (from model outputs only; the readers' packets
do not say which). ``changes.jsonl`` lists those actors and both labels, for the decision.

    python tools/article_candidates.py --out /tmp/articles3 --n 40 --possessors \
        --exclude stance/resources/attitude/articles.jsonl

Writes ``articles.jsonl`` (doc id, split, actors), ``packet_K.md`` per reader and ``second_K.md`` for the blind
second reading. The split (dev / test, half each) is decided here, by a hash of the document id.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.data import data_dir  # noqa: E402

INSTRUCTIONS = """# Article-level attitude reading

Read ../shared/CODEBOOK.md first (all of it). For every article below, give **each listed actor** the attitude the
article attributes to it, as the codebook's "Article level" section defines it: the label best supported across the
actor's passages, `neutral` only when no passage shows the actor taking an attitude. Labels: supportive, critical,
uneasy, dismissive, conciliatory, threatening, neutral. Judge the actor's own attitude (words, actions, or reported
by others), never the author's view of it. Use `not_actor` only when the entry is not an actor of the article (a
place that only locates an event, a mis-tagged word, a date). An entry that names the same actor as another entry
still gets its own label (judge it from its own mentions). Commas were removed from the source texts (double
spaces mark them); that is not an error.

Write one JSON object per actor, one per line, to the file named at the top of your packet:
{"doc": "<doc id>", "actor": "<actor name exactly as listed>", "label": "<label>", "note": "<at most 20 words: the passage that decides it>"}
Read the whole article before labelling its actors. Do not run any model or script over the texts.
"""


def _split(doc_id: str) -> str:
    return "dev" if int(hashlib.sha1(f"article:{doc_id}".encode()).hexdigest(), 16) % 2 == 0 else "test"


def _possessor_changes(text: str) -> list[dict]:
    """The actors whose article-level attitude ``possessors=True`` changes, per attitude source."""
    import stance
    from stance.analysis import _finder, _prepare

    plain, marked = (_prepare(text, _finder(None), possessors=p) for p in (False, True))
    if not any(q.bystander for q in marked.pairs) and \
            [q.mention.start for q in plain.pairs] == [q.mention.start for q in marked.pairs]:
        return []  # nothing differs: no model needed
    out = []
    for source in (None, "mpnet-attitude"):
        before, after = (stance.analyze(text, attitude_model=source, possessors=p) for p in (False, True))
        for x, y in zip(before.actors, after.actors):
            if x.attitude.label != y.attitude.label:
                out.append({"actor": x.name, "source": source or "default", "current": x.attitude.label,
                            "possessors": y.attitude.label})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default="/tmp/articles")
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--second", type=int, default=8)
    ap.add_argument("--min-words", type=int, default=150)
    ap.add_argument("--max-words", type=int, default=450)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--exclude", default=None, help="a JSONL file whose 'doc' fields are documents already read")
    ap.add_argument("--possessors", action="store_true",
                    help="only articles where analyze(possessors=True) changes an actor's attitude")
    a = ap.parse_args(argv)
    import stance

    root = data_dir(a.data)
    with (root / "persent" / "dev.csv").open(encoding="utf-8", newline="") as f:
        docs = [r for r in csv.DictReader(f) if a.min_words <= len(r["DOCUMENT"].split()) <= a.max_words]
    random.Random(a.seed).shuffle(docs)
    if a.exclude:
        lines = Path(a.exclude).read_text(encoding="utf-8").splitlines()
        done = {str(json.loads(x)["doc"]) for x in lines if x.strip()}
        docs = [r for r in docs if r["DOCUMENT_INDEX"] not in done]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    chosen, changes, looked = [], [], 0
    for r in docs:
        if len(chosen) == a.n:
            break
        looked += 1
        if a.possessors:
            changed = _possessor_changes(r["DOCUMENT"])
            if not changed:
                continue
        res = stance.analyze(r["DOCUMENT"])
        actors = [{"name": x.name, "type": x.type, "aliases": x.aliases,
                   "mentions": [m.text for m in x.mentions]} for x in res.actors]
        if len(actors) < 2:
            continue
        if a.possessors:
            changes += [dict(c, doc=r["DOCUMENT_INDEX"], split=_split(r["DOCUMENT_INDEX"])) for c in changed]
            print(f"doc {r['DOCUMENT_INDEX']} ({looked} looked at): {changed}", flush=True)
        chosen.append({"doc": r["DOCUMENT_INDEX"], "split": _split(r["DOCUMENT_INDEX"]), "title": r["TITLE"],
                       "text": r["DOCUMENT"], "actors": actors})
    with (out / "articles.jsonl").open("w", encoding="utf-8") as f:
        for c in chosen:
            f.write(json.dumps({k: v for k, v in c.items() if k != "text"}, ensure_ascii=False) + "\n")
    if a.possessors:
        with (out / "changes.jsonl").open("w", encoding="utf-8") as f:
            for c in changes:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")

    def packet(name, items, target):
        lines = [INSTRUCTIONS, f"\nWrite your labels to: {target}\n"]
        for c in items:
            lines.append(f"\n## doc {c['doc']}\n\n{c['text'].strip()}\n\n### actors of doc {c['doc']}\n")
            for x in c["actors"]:
                ms = sorted(set(x["mentions"]))
                lines.append(f"- {x['name']} ({x['type']}); mentions: {', '.join(ms)}")
        (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    for k in range(a.readers):
        packet(f"packet_{k}.md", chosen[k::a.readers], str(out / f"labels_{k}.jsonl"))
    second = random.Random(a.seed + 1).sample(range(len(chosen)), a.second)
    # the second reader of a document is never its first reader
    for k in range(a.readers):
        mine = [chosen[i] for i in second if (i % a.readers + 1) % a.readers == k]
        if mine:
            packet(f"second_{k}.md", mine, str(out / f"second_{k}.jsonl"))
    print(f"{len(chosen)} articles, {sum(len(c['actors']) for c in chosen)} actors "
          f"(dev {sum(c['split'] == 'dev' for c in chosen)} articles); second reading docs: "
          f"{[chosen[i]['doc'] for i in second]}")


if __name__ == "__main__":
    main()
