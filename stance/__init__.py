"""stance: who in a news article takes which attitude, how the text portrays them, and their stance on a topic.

>>> import stance
>>> clf = stance.load("default", task="sentiment")
>>> print(clf.predict([("Critics praised the mayor for the rescue plan.", "mayor")])[0])
positive

The public surface: :func:`load`, :class:`StanceClassifier`, :class:`TrainingArguments`, :func:`load_dataset`,
:func:`load_file`, :func:`evaluate`, :func:`evaluate_dataset`, :func:`analyze`, :func:`score_corpus`,
:func:`score_frame`. Names load lazily so ``import stance`` stays fast.
"""
from __future__ import annotations

import os
from importlib import import_module

# oneDNN (torch's CPU kernels) caches a compiled primitive per input shape, 1024 by default. Scoring a corpus
# meets many shapes, and that cache alone grew the resident size by about 400 MiB in 48 inference calls of varied
# shapes. A cache of 16 did not measure slower here (the machine's run-to-run drift was larger than any
# difference). Inference pads each batch to its exact longest length (modeling.StanceModel.logits); with this
# bound, analysing 400 PerSenT articles peaked at 899 MiB, the same as with lengths padded to multiples of 8.
# Set before torch first runs a kernel; a value the user set wins.
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
# torch's ideep layer keeps its own per-shape cache (LRU_CACHE_CAPACITY, 1024 by default); bounded, the resident
# size of a long corpus run stays flat (731 -> 738 MiB over 3,000 articles, against 738 -> 806 without).
os.environ.setdefault("LRU_CACHE_CAPACITY", "16")

__version__ = "0.1.0"

_EXPORTS = {
    "StanceClassifier": "stance.estimator",
    "load_model": "stance.registry",
    "TrainingArguments": "stance.training",
    "load_dataset": "stance.data",
    "load_file": "stance.data",
    "evaluate": "stance.evaluation",
    "evaluate_dataset": "stance.evaluation",
    "analyze": "stance.analysis",
    "ArticleAnalysis": "stance.analysis",
    "score_corpus": "stance.corpus",
    "score_frame": "stance.corpus",
    "TASK_LABELS": "stance.labels",
}
__all__ = ["load", *_EXPORTS]


def load(name: str = "default", task: str = "sentiment"):
    """A ready :class:`StanceClassifier` for ``task`` on a shipped model name or a model folder."""
    from .backbone import ModelError
    from .estimator import StanceClassifier
    from .registry import load_model

    m = load_model(name)  # fail early, with the list of shipped models, on a bad name
    if task not in m.labels:  # and on a task the model has no head for
        raise ModelError(f"model {name!r} has no {task!r} head; it has {sorted(m.labels)}")
    return StanceClassifier(task=task, model=name)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'stance' has no attribute {name!r}")
