"""``analyze``: every actor of an article with its attitude, sentiment, stance (given a topic) and evidence.

>>> import stance
>>> res = stance.analyze("Beijing is unsettled by the pact. The deal was signed in Vladivostok.")
>>> [a.name for a in res.actors]
['China']
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .actors import ActorFinder, user_aliases
from .backbone import ModelError
from .encoding import Item, encode
from .labels import NEUTRAL_LABEL
from .registry import DEFAULT_MODEL, load_model, resolve_model

EVIDENCE_SHOWN = 5  # evidence passages per actor in the table (JSON keeps all)


@dataclass
class Label:
    label: str
    score: float
    scores: dict[str, float]


@dataclass
class StanceLabel(Label):
    topic: str = ""
    quoted: int = 0  # the actor's passages that quote the topic, read as the actor's own stance (directed head)


@dataclass
class Mention:
    text: str
    start: int
    end: int


@dataclass
class Evidence:
    text: str
    start: int
    end: int
    attitude: str
    attitude_score: float
    sentiment: str
    mention: Mention


@dataclass
class Actor:
    name: str
    type: str
    aliases: list[str]
    mentions: list[Mention]
    attitude: Label
    sentiment: Label
    stance: StanceLabel | None
    evidence: list[Evidence]


@dataclass
class ArticleAnalysis:
    """The result of :func:`analyze`: plain data, offsets into ``text``."""

    text: str
    actors: list[Actor]
    topic: str | None = None
    model: str = DEFAULT_MODEL
    n_passages: int = 0
    warnings: list[str] = field(default_factory=list)
    attitude_model: str | None = None  # where the attitudes came from, when not ``model``

    def to_dict(self, with_text: bool = False) -> dict:
        d = asdict(self)
        if not with_text:
            d.pop("text")
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_html(self) -> str:
        """A self-contained HTML page: the article with mentions coloured by attitude, and the actor table."""
        from .html import render_html

        return render_html(self)

    def actor(self, name: str) -> Actor | None:
        """The actor called ``name`` or having it as an alias."""
        for a in self.actors:
            if a.name == name or name in a.aliases:
                return a
        return None

    def table(self) -> str:
        """A plain-text table, one actor per line."""
        if not self.actors:
            return "No actors found (the text is empty)." if not self.text.strip() else "No actors found."
        topical = any(a.stance for a in self.actors)  # the stance column only where there is one
        rows = [("actor", "type", "attitude", "sentiment") + (("stance",) if topical else ()) + ("mentions",)]
        for a in self.actors:
            stance = (f"{a.stance.label} {a.stance.score:.2f}" if a.stance else "",) if topical else ()
            rows.append((a.name, a.type, f"{a.attitude.label} {a.attitude.score:.2f}",
                         f"{a.sentiment.label} {a.sentiment.score:.2f}") + stance + (str(len(a.mentions)),))
        w = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c + " " * (w[i] - _width(c)) for i, c in enumerate(r)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * x for x in w).rstrip())
        out = "\n".join(lines)
        for a in self.actors:
            strong = [e for e in a.evidence if e.attitude == a.attitude.label and e.attitude != "neutral"]
            if strong:
                e = strong[0]
                flat = " ".join(e.text.split())  # a hard-wrapped passage on one line (the offsets are the text's)
                snippet = flat if len(flat) <= 160 else flat[:157] + "..."
                out += f"\n\n{a.name} — {a.attitude.label} [{e.start}:{e.end}]\n  “{snippet}”"
        if self.warnings:
            out += "\n\nWarnings:\n" + "\n".join(f"  - {w}" for w in self.warnings)
        return out


def _width(s: str) -> int:
    """Terminal columns of a cell: a wide (CJK) character takes two, a combining accent none."""
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def read_article(path: str) -> str:
    """Read a UTF-8 article; non-text bytes or another encoding give an error naming the file."""
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        p = Path(path)
        if not p.is_file():
            raise ValueError(f"{p}: {'is a folder, not a file' if p.is_dir() else 'no such file'}")
        data = p.read_bytes()
        name = str(p)
    from .data import decode_text

    return decode_text(data, name)  # UTF-16, binary and other encodings: an error naming the file and line


@dataclass
class _Pair:
    actor: int
    sentence: int
    mention: object  # RawMention
    bystander: bool = False  # every mention of the actor in the sentence is a possessor bystander (possessors)


def _aggregate(task: str, labels: list[str], probs: np.ndarray, min_evidence: float = 0.0,
               silent=None) -> Label:
    """Codebook rule: the label best supported across passages; neutral only when no passage shows one.

    For attitude, a passage shows a label when that label is its argmax (and, with ``min_evidence``, has at least
    that probability); the label with the most summed probability over such passages wins. ``silent`` marks
    passages that show no attitude whatever the model reads (bystander passages, ``possessors=True``).
    """
    mean = probs.mean(0)
    neutral = NEUTRAL_LABEL.get(task)
    scores = {l: round(float(v), 4) for l, v in zip(labels, mean)}
    if task == "attitude" and neutral in labels:
        arg = probs.argmax(1)
        ni = labels.index(neutral)
        if silent is not None:
            arg = np.where(np.asarray(silent, dtype=bool), ni, arg)
        support = np.zeros(len(labels))
        for row, a in zip(probs, arg):
            if a != ni and row[a] >= min_evidence:
                support[a] += row[a]
        if support.any():
            best = int(support.argmax())
            return Label(labels[best], round(float(probs[arg == best, best].max()), 4), scores)
        return Label(neutral, round(float(mean[ni]), 4), scores)
    best = int(mean.argmax())
    return Label(labels[best], round(float(mean[best]), 4), scores)


def analyze(text: str, topic: str | None = None, model: str = DEFAULT_MODEL,
            aliases: dict[str, list[str]] | None = None, batch_size: int = 64,
            attitude_model: str | None = None, possessors: bool = False) -> ArticleAnalysis:
    """Analyse one article.

    ``topic`` adds a stance (favor/against/none) per actor toward it, from the passages that mention the actor.
    ``aliases`` adds alias-table entries, e.g. ``{"European Union": ["Brussels", "the bloc"]}``.
    ``attitude_model`` takes the attitudes from another shipped model (``"mpnet-attitude"``: more accurate,
    slower, needs the MPNet backbone wheels), or from several averaged (``"default+mpnet-attitude"``, see
    :mod:`stance.ensemble`); sentiment and stance still come from ``model``.
    ``possessors=True`` (off by default): a sentence that names an actor only as the possessor of a noun it does
    not speak, feel or act through ("alarming for Russia's adversaries") shows no attitude of that actor, and a
    sentence is read at the actor's first mention that is no such possessor. Measured on articles where it changes
    an answer, it broke more actors' labels than it fixed (stance/resources/attitude/ARTICLES.md, round 3).
    """
    return analyze_many([text], topic, model, aliases, batch_size, attitude_model, possessors)[0]


@dataclass
class _Prepared:
    text: str
    sentences: list
    groups: list
    pairs: list
    items: list


def _prepare(text: str, finder: ActorFinder, possessors: bool = False) -> _Prepared:
    if not isinstance(text, str):
        raise TypeError(f"analyze needs a str, got {type(text).__name__}; read files with "
                        f"stance.analysis.read_article")
    if not text.strip():
        return _Prepared(text, [], [], [], [])
    original = text
    # A byte-order mark (U+FEFF, also a zero-width no-break space) hides the word after it from the NER, and the
    # NER reads "Macron.\r\n" as a name with its full stop: what the finder and the model read has a space for the
    # mark and a space and a newline for a CRLF, of the same length, so every offset stays one into the caller's text.
    text = text.replace("\ufeff", " ").replace("\r\n", " \n").replace("\r", "\n")
    sentences, groups = finder(text)
    pairs: list[_Pair] = []
    for ai, g in enumerate(groups):
        by_sentence: dict[int, list] = {}
        for mn in g.mentions:
            if mn.role != "location":
                by_sentence.setdefault(mn.sentence, []).append(mn)
        for si, ms in by_sentence.items():
            if not possessors:  # one passage per sentence, marked at the actor's first mention in it
                pairs.append(_Pair(ai, si, ms[0]))
                continue
            # marked at the first mention that is no bystander; a sentence where every mention is one (only
            # "Russia's adversaries") is a passage that shows no attitude of the actor
            voiced = [mn for mn in ms if not mn.bystander]
            pairs.append(_Pair(ai, si, (voiced or ms)[0], bystander=not voiced))
    items = []
    for p in pairs:
        s0, s1 = sentences[p.sentence]
        items.append(Item(text[s0:s1], p.mention.start - s0, p.mention.end - s0))
    return _Prepared(original, sentences, groups, pairs, items)


def check_topic(topic) -> None:
    """A topic is a non-blank string, or None for none."""
    if topic is not None and (not isinstance(topic, str) or not any(c.isalnum() for c in topic)):
        why = "blank (no letter or digit)" if isinstance(topic, str) else "not a string"
        raise ValueError(f"topic {topic!r} is {why}; pass a topic such as 'the sanctions', or none (None) "
                         f"for no stance")


def analysis_models(model: str = DEFAULT_MODEL, attitude_model: str | None = None):
    """The (main, attitude) models ``analyze`` uses, loaded and checked for the heads it needs: the main model a
    sentiment head, and an attitude head unless ``attitude_model`` (then with one, of the same labels) gives the
    attitudes. A model that cannot serve is a :class:`~stance.backbone.ModelError` naming it, before any encoder
    pass (corpus scoring calls this before it writes anything)."""
    m = load_model(model)
    if "sentiment" not in m.labels:
        raise ModelError(f"model {model!r} has no sentiment head (tasks: {sorted(m.labels)}); analyze needs one. "
                         f"To take attitudes from it, pass it as attitude_model")
    am = load_model(attitude_model) if attitude_model else None
    if am is None and "attitude" not in m.labels:
        raise ModelError(f"model {model!r} has no attitude head (tasks: {sorted(m.labels)}); pass an attitude_model "
                         f"that has one, e.g. attitude_model='default'")
    if am is not None:
        if "attitude" not in am.labels:
            raise ModelError(f"attitude_model {attitude_model!r} has no attitude head (tasks: {sorted(am.labels)})")
        if "attitude" in m.labels and am.labels["attitude"] != m.labels["attitude"]:
            raise ModelError(f"attitude_model {attitude_model!r} has attitude labels {am.labels['attitude']}, "
                             f"the main model {m.labels['attitude']}")
    return m, am


def analyze_many(texts: list[str], topic: str | None = None, model: str = DEFAULT_MODEL,
                 aliases: dict[str, list[str]] | None = None, batch_size: int = 64,
                 attitude_model: str | None = None, possessors: bool = False) -> list[ArticleAnalysis]:
    """Analyse several articles with one batched encoder pass over all their passages (what corpus scoring
    uses: the encoder sees full batches even when articles are short)."""
    check_topic(topic)
    finder = _finder(aliases)
    preps = [_prepare(t, finder, possessors) for t in texts]
    all_items = [it for p in preps for it in p.items]
    if not all_items:  # nothing to score; a misspelt model name is still an error
        for name in (model, attitude_model):
            if name:
                resolve_model(name)
        out = [ArticleAnalysis(p.text, [], topic, str(model)) for p in preps]
        for r in out:
            r.attitude_model = str(attitude_model) if attitude_model else None
        return out
    m, am = analysis_models(model, attitude_model)
    # an ensemble that holds the main model ("default+mpnet-attitude") takes that member's attitudes from the main
    # pass instead of running it again
    shared = [k for k, x in enumerate(getattr(am, "members", ())) if x is m]
    tasks = [t for t in ("attitude", "sentiment")
             if t in m.labels and not (t == "attitude" and am is not None and not shared)]
    enc = encode(m.tokenizer, all_items, m.hp["max_length"])
    truncated = [e.truncated for e in enc]
    logits = m.logits(all_items, tasks, batch_size=batch_size, encoded=enc)
    probs = {t: torch_softmax(logits[t]) for t in tasks}
    if am is not None:
        kw = {"given": {k: {"attitude": logits["attitude"]} for k in shared}} if shared else {}
        probs["attitude"] = torch_softmax(am.logits(all_items, ["attitude"], batch_size=batch_size, **kw)["attitude"])
        m_labels = dict(m.labels, attitude=am.labels["attitude"])
    else:
        m_labels = m.labels
    stance_of = _topic_stances(preps, topic, m, batch_size) if topic and "stance" in m.labels else None
    topic_note = None
    if stance_of is not None:  # the stance head reads an unquoted topic's first max_length // 4 tokens
        n_topic, keep = len(m.tokenizer(topic, add_special_tokens=False)["input_ids"]), m.hp["max_length"] // 4
        if n_topic > keep:
            topic_note = (f"the topic is {n_topic} tokens long; where a sentence does not quote it, the stance head "
                          f"read its first {keep} tokens only")
    results, off = [], 0
    for k, p in enumerate(preps):
        n = len(p.items)
        sl = slice(off, off + n)
        off += n
        pr = {t: v[sl] for t, v in probs.items()}
        warnings = [topic_note] if topic_note and any(not quoted for _, quoted in stance_of[k]) else []
        nt = sum(truncated[sl])
        if nt:
            warnings.append(f"{nt} passage(s) longer than {m.hp['max_length']} tokens were read in a window "
                            f"around the actor mention; the rest of those sentences was not seen")
        stance_probs = stance_of[k] if stance_of is not None else None
        res = _assemble(p, m_labels, pr, stance_probs, topic, str(model), warnings)
        res.attitude_model = str(attitude_model) if attitude_model else None
        results.append(res)
    return results


def _assemble(p: _Prepared, labels: dict, probs, stance_probs, topic, model_name, warnings) -> ArticleAnalysis:
    text, sentences, pairs = p.text, p.sentences, p.pairs
    actors = []
    for ai, g in enumerate(p.groups):
        idx = [i for i, q in enumerate(pairs) if q.actor == ai]
        if not idx:
            continue
        silent = [pairs[i].bystander for i in idx]
        att = (_aggregate("attitude", labels["attitude"], probs["attitude"][idx], silent=silent)
               if "attitude" in probs else None)
        sen = _aggregate("sentiment", labels["sentiment"], probs["sentiment"][idx])
        stn = None
        if stance_probs is not None:
            sp = np.stack([stance_probs[i][0] for i in idx])
            lab = _aggregate("stance", labels["stance"], sp)
            stn = StanceLabel(lab.label, lab.score, lab.scores, topic=topic,
                              quoted=sum(stance_probs[i][1] for i in idx))
        evidence = []
        for i in idx:
            q = pairs[i]
            s0, s1 = sentences[q.sentence]
            pa = probs["attitude"][i] if "attitude" in probs else None
            a_lab = labels["attitude"][int(pa.argmax())] if pa is not None else ""
            if q.bystander and a_lab:  # a passage that shows no attitude of the actor
                a_lab = NEUTRAL_LABEL["attitude"]
            evidence.append(Evidence(text[s0:s1], s0, s1, a_lab, round(float(pa.max()), 4) if pa is not None else 0.0,
                                     labels["sentiment"][int(probs["sentiment"][i].argmax())],
                                     Mention(text[q.mention.start:q.mention.end], q.mention.start, q.mention.end)))
        evidence.sort(key=lambda e: (e.attitude != (att.label if att else ""), -e.attitude_score, e.start))
        actors.append(Actor(g.name, g.type, g.aliases,
                            # the caller's text, not the finder's copy (where a CRLF inside a name reads " \n")
                            [Mention(text[x.start:x.end], x.start, x.end) for x in g.mentions if x.role != "location"],
                            att, sen, stn, evidence))
    return ArticleAnalysis(text, actors, topic, model_name, len(p.items), warnings)


def topic_span(sentence: str, topic: str) -> tuple[int, int] | None:
    """Where a sentence quotes the topic (case-insensitive, whole words; "the strike" also as "strike").

    >>> topic_span("Mayor Brown called the strike a disgrace.", "The strike")
    (19, 29)
    >>> topic_span("Mayor Brown called it a disgrace.", "the strike") is None
    True
    >>> topic_span("Mayor Brown called the strike a disgrace.", '"the strike"')  # quotes around it are no part of it
    (19, 29)
    """
    t = topic.strip().strip("\"'“”‘’").strip()
    forms = [t] + [t.split(" ", 1)[1] for a in ("the ", "a ", "an ") if t.lower().startswith(a) and " " in t]
    for f in forms:
        hit = re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", sentence, re.IGNORECASE)
        if hit:
            return hit.span()
    return None


# the directed head's labels, from the holder's side, as a stance of the holder toward the target
DIRECTED_AS_STANCE = {"endorses": "favor", "blames": "against"}  # the rest: none


def topic_stances(m, requests: list[tuple[str, tuple[int, int], str]], batch_size: int = 64
                  ) -> list[tuple[np.ndarray, bool]]:
    """An actor's stance toward a topic in a sentence, per ``(sentence, (actor start, actor end), topic)``: the
    probabilities over ``m.labels["stance"]`` and whether the sentence quotes the topic.

    Where the sentence quotes the topic and the model has a ``directed`` head (DSE: news sentences, the holder's
    sentiment toward a target), it is the actor's own stance: the actor the holder, the topic the target, endorses
    -> favor and blames -> against. Elsewhere the ``stance`` head reads the sentence with the topic (SemEval/P-Stance:
    the text's stance toward it, the same for every actor of the sentence; each sentence is scored once). On DSE's
    (holder, target) pairs mapped so, the directed reading scored 76.2 macro-F1 on dev and 72.5 on test against
    23.1 and 23.6 for the stance head when it was chosen; with the default's stage 11 (its directed branch), 78.2
    and 74.0 against 30.5 and 29.7 (``python tools/stance_from_directed.py [--split test]``).
    """
    labels = m.labels["stance"]
    directed = "directed" in m.labels
    sent_items: dict[tuple[str, str], int] = {}
    dir_items: list[Item] = []
    plan = []
    for sent, (ms, me), topic in requests:
        span = topic_span(sent, topic) if directed else None
        if span and not (span[0] < me and ms < span[1]):
            plan.append((True, len(dir_items)))
            dir_items.append(Item(sent, span[0], span[1], holder_start=ms, holder_end=me))
        else:
            plan.append((False, sent_items.setdefault((sent, topic), len(sent_items))))
    sent_p = None
    if sent_items:
        items = [Item(sent, topic=topic) for sent, topic in sent_items]
        sent_p = torch_softmax(m.logits(items, ["stance"], batch_size=batch_size)["stance"])
    dir_p = None
    if dir_items:
        d = torch_softmax(m.logits(dir_items, ["directed"], batch_size=batch_size)["directed"])
        dir_p = np.zeros((len(dir_items), len(labels)))
        for j, lab in enumerate(m.labels["directed"]):
            dir_p[:, labels.index(DIRECTED_AS_STANCE.get(lab, NEUTRAL_LABEL["stance"]))] += d[:, j]
    return [((dir_p if quoted else sent_p)[i], quoted) for quoted, i in plan]


def _topic_stances(preps: list[_Prepared], topic: str, m, batch_size: int) -> list[list[tuple[np.ndarray, bool]]]:
    """:func:`topic_stances` of every actor passage, per article."""
    requests = []
    for p in preps:
        for q in p.pairs:
            s0, s1 = p.sentences[q.sentence]
            requests.append((p.text[s0:s1], (q.mention.start - s0, q.mention.end - s0), topic))
    flat = topic_stances(m, requests, batch_size)
    out, k = [], 0
    for p in preps:
        out.append(flat[k:k + len(p.pairs)])
        k += len(p.pairs)
    return out


def torch_softmax(t) -> np.ndarray:
    import torch

    return torch.softmax(t.float(), -1).numpy()


_FINDERS: dict = {}


def _finder(aliases):
    aliases = user_aliases(aliases)  # checked, and {"NATO": "the alliance"} keyed as {"NATO": ["the alliance"]}
    key = json.dumps(aliases, sort_keys=True) if aliases else ""
    if key not in _FINDERS:
        _FINDERS[key] = ActorFinder(aliases)
    return _FINDERS[key]


@lru_cache(maxsize=256)
def _prepared(text: str, aliases_key: str, possessors: bool = False) -> _Prepared:
    """``_prepare`` once per article and alias table: every system scored on the same articles reuses it."""
    return _prepare(text, _finder(json.loads(aliases_key) if aliases_key else None), possessors)


class ArticleAttitude:
    """Article-level attitude of actors from any passage-level attitude system (how ``attitude-articles`` is scored).

    ``predict`` takes rows in the common schema (a DataFrame): ``text`` is a whole article, ``target_start`` and
    ``target_end`` one mention of the actor. The actor is the group :func:`analyze`'s actor finder puts that mention
    in; its passages are the ones ``analyze`` scores; the system's ``predict_proba`` (or one-hot ``predict``) scores
    them, and the codebook's article rule combines them (``rule="support"``, what ``analyze`` does; ``"mean"``: the
    argmax of the mean distribution). With a shipped model this gives ``analyze``'s own attitude labels.

    >>> import pandas as pd
    >>> from stance.baselines import KeywordAttitude
    >>> text = "The union accused the company of lying. The union met on Monday."
    >>> X = pd.DataFrame([{"text": text, "target": "union", "target_start": 4, "target_end": 9}])
    >>> ArticleAttitude(KeywordAttitude().fit(X, ["neutral"])).predict(X).tolist()
    ['critical']
    """

    def __init__(self, system, min_evidence: float = 0.0, rule: str = "support",
                 aliases: dict[str, list[str]] | None = None, possessors: bool = False):
        self.system, self.min_evidence, self.rule, self.aliases = system, min_evidence, rule, aliases
        self.possessors = possessors

    # the estimator contract (clone, GridSearchCV) without importing scikit-learn here: analyze and corpus scoring
    # load without it
    _PARAMS = ("system", "min_evidence", "rule", "aliases", "possessors")

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params) -> "ArticleAttitude":
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"invalid parameter {k!r} for ArticleAttitude; parameters: {', '.join(self._PARAMS)}")
            setattr(self, k, v)
        return self

    @property
    def classes_(self):  # the passage system's, read when asked (it may be fitted after this wrapper is made)
        return getattr(self.system, "classes_", None)

    def fit(self, X=None, y=None):
        """Nothing to learn at article level; fit the passage-level ``system`` itself."""
        return self

    def _passages(self, p: _Prepared, start: int, end: int) -> tuple[list[Item], list[bool]]:
        for ai, g in enumerate(p.groups):
            if any(m.start < end and start < m.end for m in g.mentions):
                mine = [i for i, q in enumerate(p.pairs) if q.actor == ai]
                if mine:
                    return [p.items[i] for i in mine], [p.pairs[i].bystander for i in mine]
        for s0, s1 in p.sentences:  # the finder did not keep this mention as an actor: read its own sentence
            if s0 <= start < s1:
                return [Item(p.text[s0:s1], start - s0, min(end, s1) - s0)], [False]
        raise ValueError(f"mention [{start}, {end}) is outside the article ({len(p.text)} characters)")

    def predict(self, X):
        import pandas as pd

        if self.rule not in ("support", "mean"):
            raise ValueError(f"rule must be 'support' or 'mean', got {self.rule!r}")
        from .evaluation import as_frame

        X = as_frame(X, "ArticleAttitude.predict")
        missing = [c for c in ("text", "target_start", "target_end") if c not in X.columns]
        if missing:
            raise ValueError(f"ArticleAttitude.predict needs columns text, target_start, target_end "
                             f"(an article and one mention of the actor); missing: {', '.join(missing)}")
        key = json.dumps(self.aliases, sort_keys=True) if self.aliases else ""
        per_row = []
        for n, r in enumerate(X.to_dict("records")):
            try:
                per_row.append(self._passages(_prepared(r["text"], key, self.possessors), int(r["target_start"]),
                                              int(r["target_end"])))
            except (TypeError, ValueError) as e:
                raise ValueError(f"row {n} (target {r.get('target')!r}): {e}") from e
        flat = [{"text": it.text, "target": it.text[it.target_start:it.target_end], "target_start": it.target_start,
                 "target_end": it.target_end, "holder": None, "holder_start": None, "holder_end": None}
                for items, _ in per_row for it in items]
        # named columns also without rows: no rows in is no rows out, not a complaint about the columns
        from .inputs import PASSAGE_COLUMNS

        F = pd.DataFrame(flat, columns=PASSAGE_COLUMNS)
        if hasattr(self.system, "predict_proba"):
            P = np.asarray(self.system.predict_proba(F), dtype=float)
            labels = [str(c) for c in self.system.classes_]
            if hasattr(self.system, "in_head_order"):  # our estimator: its head's order, as analyze reads it, so
                P, vals = self.system.in_head_order(P)  # an exact tie goes the same way
                labels = [str(v) for v in vals]
        else:
            pred = [str(v) for v in self.system.predict(F)]
            labels = sorted(set(pred) | {NEUTRAL_LABEL["attitude"]})
            P = np.array([[float(v == lab) for lab in labels] for v in pred])
        out, k = [], 0
        for items, silent in per_row:
            rows = P[k:k + len(items)]
            k += len(items)
            if self.rule == "mean":
                out.append(labels[int(rows.mean(0).argmax())])
            else:
                out.append(_aggregate("attitude", labels, rows, self.min_evidence, silent).label)
        return np.array(out)
