"""``StanceClassifier``: the scikit-learn estimator over a :class:`~stance.modeling.StanceModel` head."""
from __future__ import annotations

import copy
import numbers
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from .backbone import ModelError
from .inputs import as_items, labels_of, raw_labels
from .labels import TASK_LABELS
from .modeling import StanceModel
from .registry import load_model
from .training import TaskData, TrainingArguments, train


class NoHeadError(ModelError, NotFittedError):
    """The classifier has no head for its task yet (not fitted, or the model lacks that task). Also an
    ``AttributeError``, as scikit-learn's ``NotFittedError`` is, so ``hasattr(clf, "classes_")`` is False."""


@contextmanager
def _rng_kept():
    """Training seeds Python's, NumPy's and torch's generators; the caller's streams go on afterwards as before."""
    import random

    py, npy = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            random.setstate(py)
            np.random.set_state(npy)


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


class StanceClassifier(ClassifierMixin, BaseEstimator):
    """Classify (passage, target) pairs for one task with a fine-tuned transformer.

    Parameters follow the scikit-learn contract: ``fit`` returns ``self``, learned state ends in ``_``,
    ``predict_proba`` columns follow ``classes_``, and ``clone`` / ``GridSearchCV`` work.

    ``model`` is a shipped model name (``"default"``), a model folder, or None to start from the ``backbone``.
    ``labels`` fixes the label set of a new head; ``new_labels=True`` lets ``fit`` add labels to an existing head.
    ``branch=True`` fine-tunes the task on adapters of its own (:meth:`StanceModel.attach_branch`), so every other
    task of ``model`` keeps exactly its predictions (``analyze`` with your attitude labels, the shipped sentiment
    and stance unchanged), at the cost of one more encoder pass for that task; without it, ``fit`` trains the
    shared adapters and the other tasks of the fitted copy drift.

    >>> clf = StanceClassifier(task="sentiment", model="default")
    >>> clf.predict([("Critics slammed the senator for the vote.", "senator"),
    ...              ("Fans cheered the senator for the vote.", "senator")]).tolist()
    ['negative', 'positive']
    >>> clf.classes_.tolist()
    ['negative', 'neutral', 'positive']
    """

    def __init__(self, task: str = "sentiment", model: Any = None, backbone: str = "minilm",
                 labels: list[str] | None = None, new_labels: bool = False, epochs: float = 3.0,
                 batch_size: int = 32, learning_rate: float = 8e-4, max_length: int = 128, bf16: bool = True,
                 validation_fraction: float = 0.1, seed: int = 42, log_file: str | None = None,
                 progress: bool = False, branch: bool = False):
        self.task = task
        self.model = model
        self.backbone = backbone
        self.labels = labels
        self.new_labels = new_labels
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_length = max_length
        self.bf16 = bf16
        self.validation_fraction = validation_fraction
        self.seed = seed
        self.log_file = log_file
        self.progress = progress
        self.branch = branch

    # -- helpers -----------------------------------------------------------------------------------------------
    def _base_model(self) -> StanceModel | None:
        if isinstance(self.model, StanceModel):
            return self.model
        if self.model is None:
            return None
        return load_model(self.model)

    def _predict_model(self) -> StanceModel:
        if hasattr(self, "model_"):
            return self.model_
        m = self._base_model()
        if m is None:
            raise NoHeadError("StanceClassifier(model=None) must be fitted first, or given a model name or folder")
        if self.task not in m.labels:
            raise NoHeadError(f"model has no {self.task!r} head; it has {sorted(m.labels)}")
        return m

    def _label_order(self) -> tuple[list, list[int]]:
        """The head's labels as given at fit (0, 1, 2 where those were integers; kept in the saved folder too) and
        the order that sorts them, as scikit-learn sorts ``classes_`` (its multi-class scorers rely on it)."""
        m = self._predict_model()
        labels = m.labels[self.task]
        typed = (getattr(self, "label_values_", None)
                 or (getattr(m, "info", None) or {}).get("label_values", {}).get(self.task) or {})
        vals = [typed.get(l, l) for l in labels]
        try:
            order = sorted(range(len(vals)), key=lambda i: vals[i])
        except TypeError:  # labels of mixed types: as strings
            order = sorted(range(len(vals)), key=lambda i: str(vals[i]))
        return vals, order

    @property
    def classes_(self) -> np.ndarray:
        """The labels, sorted (``predict_proba``'s columns follow this order, not the head's)."""
        vals, order = self._label_order()
        return np.array([vals[i] for i in order])

    # -- estimator API -------------------------------------------------------------------------------------------
    def fit(self, X, y=None, X_dev=None, y_dev=None):
        """Fine-tune on ``X`` (pairs, DataFrame, Dataset) with labels ``y`` (or X's ``label`` column)."""
        ys = labels_of(X, y)
        if ys is None:
            raise ValueError("fit needs labels: pass y, or a 'label' column in X")
        # integer (or other non-string) labels come back from predict as they were given, as scikit-learn expects;
        # the model itself stores label names as strings
        # (those of a ``labels`` set too: labels=[0, 1, 2] fitted on rows without 2 still predicts integers)
        raw = [_plain(v) for v in [*(self.labels or []), *raw_labels(X, y)]]
        self.label_values_ = {str(v): v for v in raw} if raw and not all(isinstance(v, str) for v in raw) else {}
        items = as_items(X)
        if len(items) != len(ys):
            raise ValueError(f"X has {len(items)} rows but y has {len(ys)}")
        if not items:
            raise ValueError("fit needs at least one training row; X is empty")
        if not 0 <= (self.validation_fraction or 0) < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, numbers.Integral) \
                or self.batch_size < 1:  # 0 was a ZeroDivisionError deep in training
            raise ValueError(f"batch_size (--batch-size) must be a whole number, 1 or more; got {self.batch_size!r}")
        if not isinstance(self.epochs, numbers.Real) or not self.epochs > 0:  # 0 or -1 trained one step anyway
            raise ValueError(f"epochs (--epochs) must be more than 0; got {self.epochs!r}")
        with _rng_kept():
            return self._fit(X, ys, items, X_dev, y_dev)

    def _fit(self, X, ys, items, X_dev, y_dev):
        base = self._base_model()
        # a new head, or new rows of one, start from the same weights for one seed (seeded after the base model is
        # loaded: loading draws from torch's generator too)
        torch.manual_seed(self.seed)
        base_values = ((getattr(base, "info", None) or {}).get("label_values", {}).get(self.task) or {}) \
            if base is not None else {}
        if base_values:  # integer labels of an earlier fine-tune stay integers, also those this fit lacks
            self.label_values_ = {**base_values, **self.label_values_}
        if base is not None and not isinstance(base, StanceModel):
            raise ValueError(f"model {self.model!r} is an ensemble, which predicts but is not fine-tuned; fit one "
                             f"of its models instead")
        if base is None:
            labels = [str(v) for v in (self.labels or TASK_LABELS.get(self.task) or sorted(set(ys)))]
            model = StanceModel.from_backbone({self.task: labels}, self.backbone, max_length=self.max_length)
        else:
            model = copy.deepcopy(base)
            if self.task not in model.labels:
                names = self.labels or TASK_LABELS.get(self.task) or sorted(set(ys))
                model.add_task(self.task, [str(v) for v in names])
            if self.branch and self.task not in model.branches:
                model.attach_branch(self.task, model.new_branch(self.task))
        # a task the model answers with a branch of its own (the default's directed task) is fine-tuned on that branch
        trained = model.branches.get(self.task, model)
        known = model.labels[self.task]
        unknown = sorted(set(ys) - set(known))
        if unknown:
            if not self.new_labels:
                row = next(i for i, v in enumerate(ys) if v in unknown)
                raise ValueError(f"row {row}: label {ys[row]!r} is not in the {self.task!r} label set {known}; "
                                 f"pass new_labels=True to add {unknown}")
            model.extend_labels(self.task, unknown)  # on the branch, where one answers the task
        index = {l: i for i, l in enumerate(model.labels[self.task])}
        data = TaskData(items, [index[v] for v in ys])
        dev = None
        if X_dev is not None:
            dys = labels_of(X_dev, y_dev)
            if dys is None:
                raise ValueError("X_dev needs labels: pass y_dev, or a 'label' column in X_dev")
            bad = [v for v in dys if v not in index]
            if bad:
                raise ValueError(f"dev label {bad[0]!r} is not in the label set {list(index)}")
            dev = {self.task: TaskData(as_items(X_dev), [index[v] for v in dys])}
        elif self.validation_fraction and len(items) >= 20:
            rng = np.random.default_rng(self.seed)
            order = rng.permutation(len(items))
            k = max(2, int(len(items) * self.validation_fraction))
            dv, tr = order[:k], order[k:]
            dev = {self.task: TaskData([items[i] for i in dv], [data.labels[i] for i in dv])}
            data = TaskData([items[i] for i in tr], [data.labels[i] for i in tr])
        args = TrainingArguments(epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
                                 bf16=self.bf16, seed=self.seed, log_file=self.log_file)
        self.history_ = train(trained, {self.task: data}, dev, args, progress=self.progress)
        # the folder keeps the base model's record (its recipe, what its training data held out) and adds this
        # fine-tune to the list of those made on top of it
        info = dict(model.info or {})
        earlier = info.get("fine_tuned")
        earlier = earlier if isinstance(earlier, list) else ([earlier] if earlier else [])
        info["fine_tuned"] = earlier + [{
            "task": self.task, "from": str(self.model) if not isinstance(self.model, StanceModel) else "a StanceModel",
            "rows": len(data.items), "dev_rows": len(dev[self.task].items) if dev else 0,
            "epochs": self.epochs, "learning_rate": self.learning_rate, "batch_size": self.batch_size,
            "branch": self.task in model.branches, "seed": self.seed,
            "best_dev_mean": self.history_.get("best_dev_mean"), "best_step": self.history_.get("best_step")}]
        model.info = info
        if self.label_values_:
            model.info.setdefault("label_values", {})[self.task] = self.label_values_
        self.model_ = model
        return self

    def predict_proba(self, X, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Calibrated class probabilities, columns in ``classes_`` order."""
        items = as_items(X)
        _, order = self._label_order()
        if not items:
            return np.zeros((0, len(order)))
        proba = self._predict_model().predict_proba(items, self.task, batch_size=batch_size, bf16=self.bf16,
                                                    progress=progress)
        return proba[:, order]

    def predict(self, X, **kw) -> np.ndarray:
        proba = self.predict_proba(X, **kw)
        if not len(proba):
            return np.array([], dtype=object)
        head, vals = self.in_head_order(proba)
        # the argmax in the head's own order, as analyze takes it: an exact tie (bf16) goes the same way
        return np.array(vals)[head.argmax(1)]

    def in_head_order(self, proba: np.ndarray) -> tuple[np.ndarray, list]:
        """``predict_proba``'s columns put back in the head's order (the order ``analyze`` reads), with those labels."""
        vals, order = self._label_order()
        head = np.empty_like(proba)
        head[:, order] = proba
        return head, vals

    def save(self, path: str | os.PathLike) -> Path:
        """Save the fitted model folder (adapters, heads, label sets, settings)."""
        return self._predict_model().save(path)
