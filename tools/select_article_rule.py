"""Article-level aggregation candidates on the attitude-articles dev split (rules: /work/notes, session 9).

    python tools/select_article_rule.py [--split dev] [--models default mpnet-attitude] [--round N]

Prints macro-F1 and accuracy per (model, rule) and the candidate the pre-written rule picks. Each model's passage
probabilities are computed once and re-aggregated under every rule.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stance.analysis import ArticleAttitude  # noqa: E402
from stance.data import load_dataset  # noqa: E402
from stance.estimator import StanceClassifier  # noqa: E402
from stance.labels import TASK_LABELS  # noqa: E402
from stance.evaluation import score_predictions  # noqa: E402

RULES = [("current", {})] + [(f"threshold {t}", {"min_evidence": t}) for t in (0.5, 0.6, 0.7, 0.8, 0.9)] + \
        [("mean", {"rule": "mean"})]


class Memo:
    """A passage-level system whose probabilities are computed once per passage."""

    def __init__(self, system):
        self.system, self.classes_, self.cache = system, system.classes_, {}

    def predict_proba(self, F):
        keys = [(r["text"], r["target_start"], r["target_end"]) for r in F.to_dict("records")]
        todo = [i for i, k in enumerate(keys) if k not in self.cache]
        if todo:
            P = self.system.predict_proba(F.iloc[todo])
            for i, p in zip(todo, P):
                self.cache[keys[i]] = p
        return np.stack([self.cache[k] for k in keys])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    ap.add_argument("--models", nargs="+", default=["default", "mpnet-attitude"])
    ap.add_argument("--round", type=int, default=None, help="only the articles of this annotation round")
    a = ap.parse_args(argv)
    X = load_dataset("attitude-articles", a.split).to_pandas()
    if a.round:
        import json

        from stance.attitude_data import ARTICLES

        docs = {r["doc"] for r in map(json.loads, ARTICLES.read_text(encoding="utf-8").splitlines())
                if r.get("round", 1) == a.round}
        X = X[X["id"].str.split("|").str[1].isin(docs)].reset_index(drop=True)
    y = X["label"].tolist()
    labels = TASK_LABELS["attitude"]
    print(f"attitude-articles/{a.split}: {len(y)} actors, {X['text'].nunique()} articles")
    table = {}
    for model in a.models:
        sysm = Memo(StanceClassifier(task="attitude", model=model))
        for name, kw in RULES:
            pred = ArticleAttitude(sysm, **kw).predict(X)
            res = score_predictions(y, pred, labels, "macro_f1", None, 1000)
            acc = float(np.mean(np.array(pred) == np.array(y)))
            table[(model, name)] = res.score
            print(f"{model:16s} {name:14s} macro-F1 {100 * res.score:5.2f} [{100 * res.ci95[0]:.1f}, "
                  f"{100 * res.ci95[1]:.1f}]  accuracy {100 * acc:5.2f}")
    means = {name: np.mean([table[(m, name)] for m in a.models]) for name, _ in RULES}
    best = max(means, key=means.get)
    ok = means[best] - means["current"] >= 0.02 and all(table[(m, best)] >= table[(m, "current")] for m in a.models)
    print(f"mean over models: " + ", ".join(f"{k} {100 * v:.2f}" for k, v in means.items()))
    print(f"best candidate: {best} ({100 * means[best]:.2f} vs current {100 * means['current']:.2f}); "
          f"rule met: {ok}")


if __name__ == "__main__":
    main()
