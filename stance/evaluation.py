"""Evaluation harness on scikit-learn metrics: one code path for our models, baselines and any ``Pipeline``.

>>> from sklearn.dummy import DummyClassifier
>>> import pandas as pd
>>> X = pd.DataFrame({"text": ["a b", "c d", "e f", "g h"], "target": ["a", "c", "e", "g"]})
>>> y = ["pos", "neg", "neg", "neg"]
>>> r = evaluate(DummyClassifier().fit(X, y), X, y, n_boot=50)
>>> r.accuracy, r.n
(0.75, 4)
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

STANCE_POLES = ("favor", "against")


def macro_f1(y_true, y_pred, labels) -> float:
    return float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0))


def stance_poles(labels) -> list[str]:
    """The FAVOR and AGAINST labels of a label set, as it spells them ("favor" or "FAVOR")."""
    return [l for l in labels if str(l).lower() in STANCE_POLES]


def f_avg(y_true, y_pred, labels=None) -> float:
    """SemEval-2016 Task 6: the mean F1 of FAVOR and AGAINST (NONE counts only through their errors). Without
    ``labels``, the poles as the gold and predicted labels spell them ("FAVOR" in SemEval's files, else "favor").

    >>> f_avg(["FAVOR", "AGAINST", "NONE"], ["FAVOR", "NONE", "NONE"], ["FAVOR", "AGAINST", "NONE"])
    0.5
    >>> f_avg(["FAVOR", "AGAINST", "NONE"], ["FAVOR", "NONE", "NONE"])
    0.5
    """
    if labels is None:
        seen = {str(v).lower(): str(v) for v in [*y_true, *y_pred] if str(v).lower() in STANCE_POLES}
        labels = [seen.get(p, p) for p in STANCE_POLES]
    poles = stance_poles(labels)
    if len(poles) != 2:
        raise ValueError(f"f_avg needs a favor and an against label; the labels are {list(labels)}")
    return float(f1_score(y_true, y_pred, labels=poles, average="macro", zero_division=0))


METRICS: dict[str, Callable] = {"macro_f1": macro_f1, "f_avg": f_avg,
                                "accuracy": lambda y, p, labels: float(accuracy_score(y, p))}


def _fast_macro_f1(cm: np.ndarray, cols: np.ndarray) -> float:
    tp = np.diag(cm)[cols]
    fp = cm.sum(0)[cols] - tp
    fn = cm.sum(1)[cols] - tp
    denom = 2 * tp + fp + fn
    f = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return float(f.mean())


def bootstrap_scores(y_true, y_pred, labels: Sequence[str], metric: str = "macro_f1", n_boot: int = 1000,
                     seed: int = 0) -> np.ndarray:
    """Metric values over ``n_boot`` resamples (with replacement) of the rows. Labels compare as strings, as in
    :func:`score_predictions` (gold ``1`` and label ``"1"`` are one class)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {sorted(METRICS)}")
    y_true, y_pred, lab = [str(v) for v in y_true], [str(v) for v in y_pred], [str(v) for v in labels]
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} gold labels but {len(y_pred)} predictions")
    if not y_true:
        raise ValueError("no rows to score")
    allab = lab + sorted((set(y_true) | set(y_pred)) - set(lab))
    idx = {l: i for i, l in enumerate(allab)}
    t = np.array([idx[v] for v in y_true])
    p = np.array([idx[v] for v in y_pred])
    k = len(allab)
    if metric == "f_avg":
        cols = np.array([idx[l] for l in stance_poles(lab)], dtype=int)
    else:
        cols = np.arange(len(lab))
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    n = len(t)
    for b in range(n_boot):
        s = rng.integers(0, n, n)
        cm = np.bincount(t[s] * k + p[s], minlength=k * k).reshape(k, k)
        out[b] = (np.trace(cm) / n) if metric == "accuracy" else _fast_macro_f1(cm, cols)
    return out


def paired_bootstrap(y_true, pred_a, pred_b, labels, metric: str = "macro_f1", n_boot: int = 1000,
                     seed: int = 0) -> dict:
    """Paired bootstrap of ``metric(a) - metric(b)``: the observed difference (``diff``), its 95% interval over
    resamples of the rows and the share of resamples where a does not beat b (a one-sided p-value);
    ``diff_bootstrap_mean`` is the mean over the resamples. With ``n_boot=0``, the difference alone."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {sorted(METRICS)}")
    fn = METRICS[metric]
    y_true, pred_a, pred_b = [str(v) for v in y_true], [str(v) for v in pred_a], [str(v) for v in pred_b]
    labels = [str(v) for v in labels]
    if not len(y_true) == len(pred_a) == len(pred_b):
        raise ValueError(f"{len(y_true)} gold labels but {len(pred_a)} and {len(pred_b)} predictions")
    if not y_true:
        raise ValueError("no rows to score")
    out = {"diff": fn(y_true, pred_a, labels) - fn(y_true, pred_b, labels)}
    if n_boot <= 0:
        return {**out, "ci95": [], "p_value": None}
    da = bootstrap_scores(y_true, pred_a, labels, metric, n_boot, seed)
    db = bootstrap_scores(y_true, pred_b, labels, metric, n_boot, seed)  # same seed: same resamples
    d = da - db
    return {**out, "diff_bootstrap_mean": float(d.mean()),
            "ci95": [float(np.percentile(d, 2.5)), float(np.percentile(d, 97.5))], "p_value": float((d <= 0).mean())}


@dataclass
class EvaluationResult:
    """Figures of one evaluation. ``score`` is the headline metric named by ``metric``."""

    n: int
    metric: str
    score: float
    ci95: list[float]  # empty when n_boot=0
    accuracy: float
    macro_f1: float
    labels: list[str]
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    f_avg: float | None = None
    per_group: dict[str, dict[str, float]] = field(default_factory=dict)
    predictions: list[str] | None = field(default=None, repr=False)

    def to_dict(self, with_predictions: bool = False) -> dict:
        d = asdict(self)
        if not with_predictions:
            d.pop("predictions")
        if d["f_avg"] is None:
            d.pop("f_avg")
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def save_confusion_png(self, path: str | Path, title: str = "") -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        cm = np.array(self.confusion)
        # wide enough for the title also with two or three labels
        fig, ax = plt.subplots(figsize=(max(4.2, 1.2 + 0.7 * len(self.labels)), 1 + 0.6 * max(3, len(self.labels))))
        ax.imshow(cm, cmap="Blues", vmin=0)  # the colour scale starts at 0, as the text colour rule below does
        ax.set_xticks(range(len(self.labels)), self.labels, rotation=45, ha="right")
        ax.set_yticks(range(len(self.labels)), self.labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        for i in range(cm.shape[0]):
            for j in range(cm.shape[1]):
                ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                        color="white" if cm[i, j] > cm.max() / 2 else "black", fontsize=8)
        ax.set_title(title or f"{self.metric} {self.score:.3f} (n={self.n})", fontsize=9)
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path


def predict_labels(estimator, X, labels: Sequence[str] | None = None) -> list[str]:
    """``estimator.predict(X)``; when the data set uses only some of the estimator's classes (P-Stance has no
    ``none``) and the estimator gives probabilities, the argmax is taken over those classes."""
    classes = getattr(estimator, "classes_", None)
    if labels is not None and classes is not None and hasattr(estimator, "predict_proba"):
        cl = [str(c) for c in classes]
        if set(labels) < set(cl):
            proba = np.asarray(estimator.predict_proba(X))
            cols = [cl.index(l) for l in labels]
            return [labels[i] for i in proba[:, cols].argmax(1)]
    return [str(v) for v in estimator.predict(X)]


def score_predictions(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None,
                      metric: str = "macro_f1", groups: Sequence[str] | None = None, n_boot: int = 1000,
                      seed: int = 0) -> EvaluationResult:
    """All figures from gold and predicted labels. A missing gold label (None, NaN, empty) is an error naming its
    row, as in :func:`evaluate`, not a class called ``'None'`` or ``'nan'``."""
    from .inputs import labels_of

    y_true, y_pred = labels_of(None, list(y_true)), [str(v) for v in y_pred]
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} gold labels but {len(y_pred)} predictions")
    if not y_true:
        raise ValueError("nothing to evaluate: no rows")
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {sorted(METRICS)}")
    if groups is not None:
        groups = ["" if g is None or (isinstance(g, float) and g != g) else str(g) for g in groups]  # None, NaN
        if len(groups) != len(y_true):
            raise ValueError(f"{len(groups)} groups for {len(y_true)} rows")
    # without a label set, every label seen, gold or predicted (as scikit-learn's f1_score does)
    # labels compare as strings, as the gold and predicted labels do (integer labels, ``clf.classes_``)
    labels = [str(v) for v in labels] if labels is not None and len(labels) else sorted(set(y_true) | set(y_pred))
    bad = next((i for i, v in enumerate(y_true) if v not in labels), None)
    if bad is not None:  # a typo or another label scheme would otherwise count as a wrong answer
        raise ValueError(f"row {bad}: gold label {y_true[bad]!r} is not one of the labels {labels}")
    show = labels + sorted(set(y_pred) - set(labels))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=show, zero_division=0)
    per_class = {l: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                 for i, l in enumerate(show)}
    fn = METRICS[metric]
    boots = bootstrap_scores(y_true, y_pred, labels, metric, n_boot, seed) if n_boot > 0 else None
    res = EvaluationResult(
        n=len(y_true), metric=metric, score=fn(y_true, y_pred, labels),
        ci95=[float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))] if boots is not None else [],
        accuracy=float(accuracy_score(y_true, y_pred)), macro_f1=macro_f1(y_true, y_pred, labels),
        labels=show, per_class=per_class,
        confusion=confusion_matrix(y_true, y_pred, labels=show).tolist(),
        f_avg=f_avg(y_true, y_pred, labels) if len(stance_poles(labels)) == 2 else None,
        predictions=list(y_pred))
    if groups is not None:
        for g in sorted(set(groups)):
            ix = [i for i, v in enumerate(groups) if v == g]
            yt, yp = [y_true[i] for i in ix], [y_pred[i] for i in ix]
            # macro-F1 of a group averages the labels that occur in it (gold or predicted), not the whole set
            glabels = labels if metric != "macro_f1" else [l for l in labels if l in set(yt) | set(yp)]
            res.per_group[g] = {"n": len(ix), metric: fn(yt, yp, glabels), "accuracy": float(accuracy_score(yt, yp))}
    return res


def evaluate(estimator: Any, X, y=None, *, labels: Sequence[str] | None = None, metric: str = "macro_f1",
             groups: Sequence[str] | None = None, n_boot: int = 1000, seed: int = 0) -> EvaluationResult:
    """Evaluate anything with ``predict`` (our estimator, an sklearn ``Pipeline``) on ``X`` and gold ``y``
    (or the ``label`` column of X)."""
    from .inputs import labels_of

    ys = labels_of(X, y)
    if ys is None:
        raise ValueError("evaluate needs gold labels: pass y or a 'label' column")
    labels = None if labels is None else [str(v) for v in labels]  # as the gold labels: strings
    classes = getattr(estimator, "classes_", None) if labels is None else None
    if classes is not None:  # gold labels of another scheme ("FAVOR" for "favor") would score as errors
        known = {str(c) for c in classes}
        bad = next((i for i, v in enumerate(ys) if str(v) not in known), None)
        if bad is not None:
            raise ValueError(f"row {bad}: gold label {ys[bad]!r} is not one of the estimator's classes "
                             f"{sorted(known)}; pass labels=... to score another label set")
    pred = predict_labels(estimator, X, labels)
    return score_predictions(ys, pred, labels, metric, groups, n_boot, seed)


def at_dataset_level(name: str, estimator: Any) -> Any:
    """The estimator as data set ``name`` is scored: a passage-level one wrapped for PerSenT (document level,
    :class:`DocumentLevel`) and attitude-articles (per actor, :class:`stance.analysis.ArticleAttitude`); as is
    otherwise. ``evaluate_dataset``, ``stance evaluate`` and the benchmarks all go through here."""
    if name == "persent" and not isinstance(estimator, DocumentLevel):
        return DocumentLevel(estimator)
    if name == "attitude-articles":
        from .analysis import ArticleAttitude

        if not isinstance(estimator, ArticleAttitude):
            return ArticleAttitude(estimator)
    return estimator


def evaluate_dataset(estimator: Any, name: str, split: str = "test", data_dir=None, **kw) -> EvaluationResult:
    """Evaluate on a named benchmark data set with its paper's metric and label set."""
    from .data import DATASETS, load_dataset
    from .labels import TASK_LABELS

    spec = DATASETS[name]
    ds = load_dataset(name, split, data_dir)
    labels = spec.get("labels") or TASK_LABELS[spec["task"]]
    X = ds.to_pandas()
    return evaluate(at_dataset_level(name, estimator), X, X["label"].tolist(), labels=labels, metric=spec["metric"],
                    groups=X["group"].tolist(), **kw)


_SENT = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’]?|\n|$)")


def as_frame(X, who: str):
    """A DataFrame of rows given as one, as a ``datasets.Dataset`` or as a list of dicts."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        return X
    if hasattr(X, "to_pandas"):
        return X.to_pandas()
    if isinstance(X, (list, tuple)) and all(isinstance(r, dict) for r in X):
        return pd.DataFrame(list(X))
    raise TypeError(f"{who} takes a DataFrame, a datasets.Dataset or a list of dicts (rows with text and target); "
                    f"got {type(X).__name__}")


class DocumentLevel(BaseEstimator):
    """PerSenT: the author's sentiment toward a document's main person. Each sentence that names the person
    (full or last name) is scored by the sentence-level system; the mean probability (or the vote) decides.
    ``evaluate_dataset`` and ``stance evaluate --dataset persent`` wrap any estimator in it, as the benchmarks do."""

    def __init__(self, system):
        self.system = system

    @property
    def classes_(self):
        return getattr(self.system, "classes_", None)

    def fit(self, X, y=None):
        """Nothing to learn at document level; fit the sentence-level ``system`` itself."""
        return self

    def _rows(self, doc: str, ent: str):
        names = [ent] + ([ent.split()[-1]] if len(ent.split()) > 1 else [])
        rows = []
        for m in _SENT.finditer(doc):
            sent = m.group(0).strip()
            for n in names:
                i = sent.find(n)
                if i >= 0:
                    rows.append({"text": sent, "target": n, "target_start": i, "target_end": i + len(n),
                                 "holder": None, "holder_start": None, "holder_end": None})
                    break
        return rows or [{"text": doc[:1000], "target": ent, "target_start": None, "target_end": None,
                         "holder": None, "holder_start": None, "holder_end": None}]

    def predict(self, X):
        recs = as_frame(X, "DocumentLevel.predict").to_dict("records")
        per_doc = [self._rows(r["text"], r["target"]) for r in recs]
        flat = [row for rows in per_doc for row in rows]
        import pandas as pd

        # named columns also without rows: no rows in is no rows out, not a complaint about the columns
        from .inputs import PASSAGE_COLUMNS

        F = pd.DataFrame(flat, columns=PASSAGE_COLUMNS)
        if hasattr(self.system, "predict_proba") and self.classes_ is not None:
            P = np.asarray(self.system.predict_proba(F))
            out, k = [], 0
            for rows in per_doc:
                out.append(str(self.classes_[P[k:k + len(rows)].mean(0).argmax()]))
                k += len(rows)
            return np.array(out)
        pred = list(self.system.predict(F))
        out, k = [], 0
        for rows in per_doc:
            vals, counts = np.unique(pred[k:k + len(rows)], return_counts=True)
            out.append(str(vals[counts.argmax()]))
            k += len(rows)
        return np.array(out)
