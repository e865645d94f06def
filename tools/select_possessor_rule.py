"""Rule P3 (possessors hold no attitude) on the targeted round-3 articles (rules: /work/notes/rules_session17.md;
stance/resources/attitude/ARTICLES.md).

    python tools/select_possessor_rule.py [--split dev] [--models default mpnet-attitude]

For each attitude source, the article-level labels of every round-3 actor with ``analyze`` as it is and with
``possessors=True``; over the actors whose label changes, how many the change fixes and how many it breaks against
the readers' label; macro-F1 and accuracy of both. Adopt iff fixed >= 2 x broken, fixed - broken >= 3, and no
source's macro-F1 falls by more than 0.5 points.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from select_article_rule import Memo  # noqa: E402

from stance.analysis import ArticleAttitude  # noqa: E402
from stance.attitude_data import load_article_rows  # noqa: E402
from stance.data import data_dir  # noqa: E402
from stance.estimator import StanceClassifier  # noqa: E402
from stance.evaluation import score_predictions  # noqa: E402
from stance.labels import TASK_LABELS  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--models", nargs="+", default=["default", "mpnet-attitude"])
    ap.add_argument("--targeted", default="possessors", help="the round to read (None: the random rounds)")
    ap.add_argument("--data", default=None)
    a = ap.parse_args(argv)
    targeted = None if a.targeted == "None" else a.targeted
    X = pd.DataFrame(load_article_rows(a.split, data_dir(a.data), targeted=targeted))
    y = np.array(X["label"].tolist())
    labels = TASK_LABELS["attitude"]
    print(f"attitude-articles ({targeted or 'random rounds'})/{a.split}: {len(y)} actors, "
          f"{X['text'].nunique()} articles")
    fixed = broken = 0
    drops = []
    for model in a.models:
        sysm = Memo(StanceClassifier(task="attitude", model=model))
        cur = ArticleAttitude(sysm, possessors=False).predict(X)
        new = ArticleAttitude(sysm, possessors=True).predict(X)
        f1 = []
        for name, pred in (("current", cur), ("possessors", new)):
            res = score_predictions(list(y), pred, labels, "macro_f1", None, 1000)
            f1.append(res.score)
            print(f"{model:16s} {name:11s} macro-F1 {100 * res.score:5.2f} [{100 * res.ci95[0]:.1f}, "
                  f"{100 * res.ci95[1]:.1f}]  accuracy {100 * np.mean(pred == y):5.2f}")
        drops.append(f1[0] - f1[1])
        for i in np.flatnonzero(cur != new):
            fx, br = new[i] == y[i] and cur[i] != y[i], cur[i] == y[i] and new[i] != y[i]
            fixed, broken = fixed + fx, broken + br
            print(f"  {X['id'][i]}: {cur[i]} -> {new[i]} (reading: {y[i]}){' fixed' if fx else ''}"
                  f"{' broken' if br else ''}")
    ok = fixed >= 2 * broken and fixed - broken >= 3 and max(drops) <= 0.005
    print(f"fixed {fixed}, broken {broken}; largest macro-F1 drop {100 * max(drops):.2f}; rule met: {ok}")


if __name__ == "__main__":
    main()
