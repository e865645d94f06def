"""How many of the attitude-articles entries would the current actor finder still list?

    python tools/finder_precision.py [--split dev]

The entries were listed by the finder of the day they were read and labelled by readers (an attitude, or
``not_actor``). For a changed finder this prints the share of ``not_actor`` entries it no longer lists (gone: good)
and of actor entries it no longer lists (lost: bad), with the lost ones named.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.analysis import _finder, _prepare  # noqa: E402
from stance.attitude_data import ARTICLES, _persent_docs  # noqa: E402
from stance.data import data_dir  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--data", default=None)
    a = ap.parse_args(argv)
    docs = _persent_docs(str(data_dir(a.data)))
    recs = [r for r in map(json.loads, ARTICLES.read_text(encoding="utf-8").splitlines()) if r["split"] == a.split]
    finder = _finder(None)
    listed = {}
    for doc in sorted({r["doc"] for r in recs}):
        p = _prepare(docs[doc], finder)
        with_pairs = {q.actor for q in p.pairs}
        listed[doc] = ({g.name for i, g in enumerate(p.groups) if i in with_pairs},
                       [(m.start, m.end) for i, g in enumerate(p.groups) if i in with_pairs for m in g.mentions
                        if m.role != "location"])
    stats = {"not_actor": [0, 0], "actor": [0, 0]}
    lost = []
    for r in recs:
        kind = "not_actor" if r["label"] == "not_actor" else "actor"
        # still listed: the finder keeps an actor of that name, or one whose mentions cover the entry's first one
        names, spans = listed[r["doc"]]
        still = r["actor"] in names or any(s < r["end"] and r["start"] < e for s, e in spans)
        stats[kind][0] += 1
        stats[kind][1] += not still
        if kind == "actor" and not still:
            lost.append(f"{r['doc']}:{r['actor']} ({r['label']})")
    n, g = stats["not_actor"]
    m, l = stats["actor"]
    print(f"{a.split}: not_actor entries gone {g}/{n} ({100 * g / max(n, 1):.1f}%); actor entries lost {l}/{m} "
          f"({100 * l / max(m, 1):.1f}%)")
    for x in lost:
        print("  lost:", x)


if __name__ == "__main__":
    main()
