"""Several shipped models as one: the mean of their calibrated probabilities, task by task.

A model name with ``+`` (``"default+mpnet-attitude"``) names an ensemble wherever a model name is taken
(:func:`stance.load_model`, :class:`~stance.StanceClassifier`, ``stance.analyze(attitude_model=...)``, the CLI's
``--model`` and ``--attitude-model``). It has the tasks that every member has with the same label set, and scores
each pair with every member (each with its own tokenizer), averaging the members' temperature-scaled probabilities.
An ensemble predicts; it is not fine-tuned (fit each member instead).

>>> from stance.encoding import Item
>>> from stance.modeling import StanceModel
>>> a = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]})
>>> b = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]}, seed=1)
>>> ens = ModelEnsemble([a, b], ["a", "b"])
>>> item = Item("The mayor praised the plan.", 4, 9)
>>> p = ens.predict_proba([item], "sentiment")
>>> bool(abs(p - (a.predict_proba([item], "sentiment") + b.predict_proba([item], "sentiment")) / 2).max() < 1e-6)
True
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .backbone import ModelError
from .encoding import Item

SEPARATOR = "+"


def is_ensemble_name(name) -> bool:
    return isinstance(name, str) and SEPARATOR in name


class ModelEnsemble:
    """Members' probabilities averaged with equal weights; the interface :class:`~stance.modeling.StanceModel`
    offers for prediction (``labels``, ``logits``, ``predict_proba``, ``tokenizer`` and ``hp`` of the first
    member)."""

    def __init__(self, members: Sequence, names: Sequence[str]):
        if len(members) < 2:
            raise ModelError(f"an ensemble needs two models or more, got {list(names)}")
        self.members, self.names = list(members), [str(n) for n in names]
        first = self.members[0]
        self.labels = {t: list(l) for t, l in first.labels.items()
                       if all(m.labels.get(t) == l for m in self.members[1:])}
        if not self.labels:
            raise ModelError(f"the models {self.names} share no task with the same labels "
                             f"({', '.join(f'{n}: {sorted(m.labels)}' for n, m in zip(self.names, self.members))})")
        self.tokenizer, self.hp = first.tokenizer, first.hp

    @property
    def name(self) -> str:
        return SEPARATOR.join(self.names)

    def __repr__(self) -> str:
        return f"ModelEnsemble({self.name!r}, tasks={sorted(self.labels)})"

    def logits(self, items: Sequence[Item], tasks: Sequence[str], batch_size: int = 64, bf16: bool = True,
               progress: bool = False, encoded=None, given: dict | None = None) -> dict[str, torch.Tensor]:
        """Log of the members' mean probability per task (a softmax of it gives the mean back). ``encoded``,
        items encoded with the first member's tokenizer, is used for that member only. ``given``: member index ->
        that member's logits for these items, already computed (``analyze`` passes its main model's), so that
        member is not run again."""
        missing = [t for t in tasks if t not in self.labels]
        if missing:
            raise ModelError(f"ensemble {self.name!r} has no {missing} head shared by all its models; it has "
                             f"{sorted(self.labels)}")
        mean = None
        for k, m in enumerate(self.members):
            lg = (given or {}).get(k)
            if lg is None or any(t not in lg for t in tasks):
                lg = m.logits(items, tasks, batch_size=batch_size, bf16=bf16, progress=progress,
                              encoded=encoded if k == 0 else None)
            p = {t: torch.softmax(lg[t].float(), -1) for t in tasks}
            mean = p if mean is None else {t: mean[t] + p[t] for t in tasks}
        return {t: torch.log(mean[t] / len(self.members)) for t in tasks}

    def predict_proba(self, items: Sequence[Item], task: str, **kw) -> np.ndarray:
        return torch.softmax(self.logits(items, [task], **kw)[task], -1).numpy()

    def save(self, path) -> None:
        raise ModelError(f"ensemble {self.name!r} is not saved as a folder: it is its models' folders, named with "
                         f"'{SEPARATOR}'")
