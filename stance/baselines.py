"""Baselines that go through the same evaluation harness as the fine-tuned models.

All take the common-schema DataFrame (``text``, ``target``, ``target_start``/``target_end``, ``holder``...):

- :func:`majority` — the most frequent training label (``DummyClassifier``);
- :func:`tfidf_logreg` — TF-IDF + logistic regression with target-aware features (a ``Pipeline``);
- :class:`VaderBaseline` — the VADER lexicon scored on a window around the target mention;
- :class:`ZeroShotSimilarity` — label descriptions vs. passage embeddings with the plain backbone (no fine-tuning);
- :class:`KeywordAttitude` — cue-word rules for the attitude labels (the codebook's cue examples).
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from .labels import TASK_LABELS

WINDOW = 8  # words either side of the target


def _records(X) -> list[dict]:
    if hasattr(X, "to_dict") and hasattr(X, "columns"):
        return X.to_dict("records")
    if hasattr(X, "to_list"):
        return X.to_list()
    return list(X)


def _span(r: dict) -> tuple[int, int] | None:
    s = r.get("target_start")
    if s is None or s != s:
        return None
    return int(s), int(r["target_end"])


def marked_text(r: dict) -> str:
    """The passage with the target replaced by a placeholder, the topic appended: 'TGT' features generalise."""
    sp = _span(r)
    if sp:
        return r["text"][:sp[0]] + " TGTMARK " + r["text"][sp[1]:]
    return r["text"] + " TOPIC_" + re.sub(r"\W+", "_", str(r.get("target", "")))


def context_window(r: dict, width: int = WINDOW) -> str:
    """The words around the target mention (the whole text for a topic target)."""
    sp = _span(r)
    if not sp:
        return r["text"]
    left = r["text"][:sp[0]].split()[-width:]
    right = r["text"][sp[1]:].split()[:width]
    return " ".join(["L_" + w for w in left] + ["R_" + w for w in right])


def _marked(X):
    return [marked_text(r) for r in _records(X)]


def _window(X):
    return [context_window(r) for r in _records(X)]


def majority() -> DummyClassifier:
    return DummyClassifier(strategy="most_frequent")


def tfidf_logreg(C: float = 2.0) -> Pipeline:
    """Word and character n-grams of the marked passage, plus the words left/right of the target."""
    feats = FeatureUnion([
        ("words", Pipeline([("m", FunctionTransformer(_marked)),
                            ("v", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True))])),
        ("chars", Pipeline([("m", FunctionTransformer(_marked)),
                            ("v", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3,
                                                  sublinear_tf=True, max_features=100000))])),
        ("window", Pipeline([("m", FunctionTransformer(_window)),
                             ("v", TfidfVectorizer(token_pattern=r"\S+", min_df=2, sublinear_tf=True))])),
    ])
    return Pipeline([("features", feats), ("clf", LogisticRegression(C=C, max_iter=2000, class_weight="balanced"))])


# VADER compound score -> a label of each task
_VADER_MAP = {
    "sentiment": ("positive", "neutral", "negative"),
    "stance": ("favor", "none", "against"),
    "attitude": ("supportive", "neutral", "critical"),
    "directed": ("endorses", "neutral", "blames"),
}


class VaderBaseline(ClassifierMixin, BaseEstimator):
    """VADER's compound score of the words around the target: > t positive side, < -t negative side."""

    def __init__(self, task: str = "sentiment", threshold: float = 0.05, width: int = 10):
        self.task = task
        self.threshold = threshold
        self.width = width

    def fit(self, X=None, y=None):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer_ = SentimentIntensityAnalyzer()
        self.classes_ = np.array(sorted(TASK_LABELS[self.task]))  # sorted, as scikit-learn's scorers expect
        return self

    def _compound(self, r: dict) -> float:
        sp = _span(r)
        text = r["text"]
        if sp:
            words_l = text[:sp[0]].split()[-self.width:]
            words_r = text[sp[1]:].split()[:self.width]
            text = " ".join(words_l + [text[sp[0]:sp[1]]] + words_r)
        return self.analyzer_.polarity_scores(text)["compound"]

    def predict_proba(self, X) -> np.ndarray:
        pos, neu, neg = _VADER_MAP[self.task]
        cls = list(self.classes_)
        out = np.zeros((len(_records(X)), len(cls)))
        for i, r in enumerate(_records(X)):
            c = self._compound(r)
            p_pos = (1 + c) / 2
            # Favour the neutral class inside the dead zone; the mass follows the compound score.
            if abs(c) <= self.threshold:
                out[i, cls.index(neu)] = 0.6
                out[i, cls.index(pos)] = 0.4 * p_pos
                out[i, cls.index(neg)] = 0.4 * (1 - p_pos)
            else:
                out[i, cls.index(pos)] = p_pos
                out[i, cls.index(neg)] = 1 - p_pos
        return out

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(1)]


LABEL_DESCRIPTIONS = {
    "sentiment": {"negative": "{t} is described negatively, criticised or shown in a bad light.",
                  "neutral": "{t} is mentioned neutrally, as a plain fact.",
                  "positive": "{t} is described positively, praised or shown in a good light."},
    "stance": {"favor": "I support {t}.", "against": "I am against {t}.", "none": "This is not about {t}."},
    "directed": {"neutral": "{h} and {t} are mentioned without any relation.",
                 "endorses": "{h} praises and supports {t}.", "endorsed_by": "{t} praises and supports {h}.",
                 "blames": "{h} blames and criticises {t}.", "blamed_by": "{t} blames and criticises {h}."},
    "attitude": {"supportive": "{t} supports, praises or welcomes something.",
                 "critical": "{t} criticises, blames or condemns someone.",
                 "uneasy": "{t} is worried, concerned or uneasy.",
                 "dismissive": "{t} dismisses, denies or brushes aside a question.",
                 "conciliatory": "{t} calls for peace, talks or compromise.",
                 "threatening": "{t} threatens or vows to retaliate.",
                 "neutral": "{t} is only mentioned and shows no attitude."},
}


class ZeroShotSimilarity(ClassifierMixin, BaseEstimator):
    """Cosine similarity between the passage embedding and one description per label, with the plain
    sentence-embedding backbone (mean pooling), no fine-tuning. ``fit`` learns nothing but ``classes_``."""

    def __init__(self, task: str = "sentiment", backbone: str = "minilm", batch_size: int = 64):
        self.task = task
        self.backbone = backbone
        self.batch_size = batch_size

    def fit(self, X=None, y=None):
        from transformers import AutoModel, AutoTokenizer

        from .backbone import backbone_path, set_offline

        set_offline()
        p = backbone_path(self.backbone)
        self.tok_ = AutoTokenizer.from_pretrained(p)
        self.enc_ = AutoModel.from_pretrained(p).eval()
        self.classes_ = np.array(sorted(TASK_LABELS[self.task]))  # sorted, as scikit-learn's scorers expect
        return self

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        out = []
        order = np.argsort([len(t) for t in texts])
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                idx = order[i:i + self.batch_size]
                b = self.tok_([texts[j] for j in idx], padding=True, truncation=True, max_length=128,
                              return_tensors="pt")
                h = self.enc_(**b).last_hidden_state
                m = b["attention_mask"].unsqueeze(-1).float()
                e = (h * m).sum(1) / m.sum(1)
                out.append((idx, torch.nn.functional.normalize(e, dim=-1).numpy()))
        res = np.zeros((len(texts), out[0][1].shape[1]), dtype=np.float32)
        for idx, e in out:
            res[idx] = e
        return res

    def predict_proba(self, X) -> np.ndarray:
        recs = _records(X)
        texts = [r["text"] for r in recs]
        emb = self._embed(texts)
        desc = LABEL_DESCRIPTIONS[self.task]
        scores = np.zeros((len(recs), len(self.classes_)))
        # one description set per distinct (target, holder): few for topics, many for mentions
        keys = [(str(r.get("target") or ""), str(r.get("holder") or "")) for r in recs]
        uniq = sorted(set(keys))
        key_ix = {k: i for i, k in enumerate(uniq)}
        d_emb = self._embed([desc[c].format(t=t or "it", h=h or "someone") for t, h in uniq for c in self.classes_])
        d_emb = d_emb.reshape(len(uniq), len(self.classes_), -1)
        for i, k in enumerate(keys):
            scores[i] = d_emb[key_ix[k]] @ emb[i]
        e = np.exp((scores - scores.max(1, keepdims=True)) * 20)
        return e / e.sum(1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(1)]


KEYWORDS = {  # the codebook's cue examples, stemmed; matched in the holder's clause window
    "threatening": r"\b(threat\w*|vow\w*|retaliat\w*|ultimatum|warn\w* (it|he|she|they) would|punish\w*|defian\w*|defi(ed|es|y))\b",
    "conciliatory": r"\b(call\w* for (an end|peace|talks|dialogue|calm)|urg\w* (dialogue|talks|restraint|both sides)|"
                    r"negotiat\w*|compromise|ceasefire|reconcil\w*|offer\w* talks)\b",
    "dismissive": r"\b(dismiss\w*|shrug\w*|brush\w* (off|aside)|not up to|no business|rejected|denied|deni\w*|"
                  r"declined to (comment|engage))\b",
    "uneasy": r"\b(concern\w*|worr\w*|fear\w*|anxi\w*|alarm\w*|uneas\w*|unsettl\w*|nervous)\b",
    "critical": r"\b(condemn\w*|blam\w*|accus\w*|slam\w*|criticiz\w*|criticis\w*|oppos\w*|attack\w*|denounc\w*)\b",
    "supportive": r"\b(welcom\w*|prais\w*|back\w*|endors\w*|hail\w*|support\w*|defend\w*|applaud\w*)\b",
}


class KeywordAttitude(ClassifierMixin, BaseEstimator):
    """A rule baseline for ``attitude``: the first label (in the order above) whose cue words occur within
    ``width`` words after the holder mention; neutral otherwise."""

    def __init__(self, width: int = 12):
        self.width = width

    def fit(self, X=None, y=None):
        self.classes_ = np.array(sorted(TASK_LABELS["attitude"]))
        return self

    def predict(self, X) -> np.ndarray:
        out = []
        for r in _records(X):
            sp = _span(r)
            after = r["text"][sp[1]:] if sp else r["text"]
            window = " ".join(after.split()[:self.width]).lower()
            lab = next((l for l, pat in KEYWORDS.items() if re.search(pat, window)), "neutral")
            out.append(lab)
        return np.array(out)
