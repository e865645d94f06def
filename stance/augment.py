"""Reported-speech augmentation for attitude training: the reporter of an attitude does not hold it.

News reports attitudes through someone: "an analyst said Beijing is unsettled" gives Beijing ``uneasy`` and the
analyst ``neutral`` (../shared/CODEBOOK.md). A model trained on few such sentences gives the reporter the attitude
it reports. :func:`reported_speech` takes training passages whose holder has an attitude and frames each in a
reporting clause ("Anna Weber said that ...", "According to Reuters, ...", "“...,” Anna Weber told reporters")
with an invented reporter, giving two pairs: the reporter ``neutral``, the original holder its original label
(offsets shifted). Only training passages are used; the reporter names are invented and none is an actor of the
demo article.

>>> from stance.encoding import Item
>>> d = TaskData([Item("China is unsettled by the move.", 0, 5)], [2])
>>> aug = reported_speech(d, ["supportive", "critical", "uneasy", "dismissive", "conciliatory", "threatening",
...                           "neutral"], n=1, seed=0)
>>> [(i.text[i.target_start:i.target_end], y) for i, y in zip(aug.items, aug.labels)][1]
('China', 2)
>>> aug.items[0].text[aug.items[0].target_start:aug.items[0].target_end] in aug.items[0].text
True
"""
from __future__ import annotations

import random
import re
from typing import Sequence

from .encoding import Item
from .training import TaskData

# Invented reporters: people (with an optional description), outlets and institutions.
PEOPLE = ["Anna Weber", "Daniel Okafor", "Laura Jensen", "Tomas Novak", "Priya Raman", "Marco Bellini",
          "Helen Carter", "Samuel Adeyemi", "Yuki Tanaka", "Olivia Brandt", "Rafael Ortega", "Ingrid Holm",
          "Peter Lindqvist", "Fatima Haddad", "Jonathan Reeves", "Elena Petrova"]
PERSON_ROLES = ["a political analyst", "a professor of international relations", "a senior fellow at the Lowy "
                "Institute", "a former diplomat", "a spokesperson for the foreign ministry", "a correspondent",
                "an economist at Oxford Economics"]
OUTLETS = ["Reuters", "the Associated Press", "Bloomberg", "The Guardian", "Al Jazeera", "Le Monde", "CNN",
           "the BBC", "Agence France-Presse", "The Wall Street Journal", "the Carnegie Endowment",
           "the International Crisis Group", "Chatham House"]
VERBS = ["said", "noted", "reported", "mentioned", "indicated", "wrote", "told reporters", "explained", "stated",
         "added", "observed", "believes", "suggested", "claimed"]
# First words that are lowercased when the passage becomes a "that"-clause (others, names mostly, are kept).
_LOWER = {"the", "a", "an", "this", "that", "these", "those", "it", "its", "they", "their", "he", "his", "she",
          "her", "we", "our", "in", "on", "at", "for", "but", "and", "as", "after", "while", "if", "when", "however,",
          "although", "some", "many", "both", "there", "such", "last", "earlier", "officials", "critics"}


def _reporter(rng: random.Random) -> tuple[str, str]:
    """(how the reporter is written before the verb, the name inside it)."""
    if rng.random() < 0.6:
        name = rng.choice(PEOPLE)
        if rng.random() < 0.4:
            return f"{name}, {rng.choice(PERSON_ROLES)},", name
        return name, name
    name = rng.choice(OUTLETS)
    return name, name


# The second frame set (``frames=2``): longer reporting clauses as news writes them — a role in apposition, a time
# or place before the verb, the reporter's own belief around the clause ("said he believes") — drawn half the time,
# the first set's frames otherwise. None of them is a frame or a reporter name of tools/reporter_probe.py.
ROLES2 = ["founder of a political risk consultancy", "head of research at a security think tank", "a former ambassador",
          "a veteran correspondent", "director of a regional studies centre", "chief strategist at an investment bank"]
VERBS2 = ["remarked", "argued", "pointed out", "expressed the view", "emphasised", "said", "explained"]
WHEN2 = ["in a briefing last week", "during a panel discussion", "speaking at a forum in Geneva", "on Thursday",
         "in a podcast interview", "after meeting officials"]


def _frame2(clause: str, rng: random.Random) -> tuple[str, int, int, int]:
    """A second-set frame for a person reporter: ``(text, passage offset, reporter start, reporter end)``."""
    name = rng.choice(PEOPLE)
    kind = rng.randrange(3)
    if kind == 0:  # R, a role, verb when that p.
        head = f"{name}, {rng.choice(ROLES2)}, {rng.choice(VERBS2)} {rng.choice(WHEN2)} that "
    elif kind == 1:  # R said he/she believes (that) p.
        head = f"{name} said {rng.choice(['he', 'she'])} believes {rng.choice(['', 'that '])}"
    else:  # When, R verb that p.
        w = rng.choice(WHEN2)
        head = f"{w[0].upper() + w[1:]}, {name} {rng.choice(VERBS2)} that "
    rs = head.index(name)
    return head + clause + ".", len(head), rs, rs + len(name)


def _frame(passage: str, rng: random.Random, frames: int = 1) -> tuple[str, int, int, int] | None:
    """``(text, offset of the passage in text, reporter start, reporter end)``: the passage inside a reporting
    clause; ``None`` when the passage does not fit one (quotes, several sentences). ``frames=2`` draws from the
    second frame set half the time (``frames=1`` draws exactly as it always did, so older recipes repeat)."""
    p = passage.strip()
    if not p or not (p[0].isupper() or p[0].isdigit()) or len(p) > 300:
        return None
    if any(q in p for q in ('"', "“", "”")) or ". " in p:  # quotes of its own, or several sentences
        return None
    body = p[:-1] if p[-1] in ".!" else p
    first = body.split(" ", 1)[0]
    clause = body[0].lower() + body[1:] if first.lower() in _LOWER else body
    if frames == 2 and rng.random() < 0.5:
        return _frame2(clause, rng)
    written, name = _reporter(rng)
    kind = rng.randrange(4 if name in PEOPLE else 3)
    if kind == 0:  # R said (that) p.
        verb = rng.choice(VERBS)
        that = "" if verb in ("believes", "said") and rng.random() < 0.5 else " that"
        head = f"{written} {verb}{that} "
        text = head + clause + "."
        off, rs = len(head), 0
    elif kind == 1:  # According to R, p.
        head = f"According to {written} " if written.endswith(",") else f"According to {written}, "
        text = head + clause + "."
        off, rs = len(head), len("According to ")
    elif kind == 2:  # “P,” R said.
        verb = rng.choice(["said", "noted", "added", "wrote", "told reporters"])
        text = f"“{body},” {written} {verb}."
        off, rs = 1, len(body) + 4
    else:  # R, in an interview on Tuesday, said that p. (people only)
        when = rng.choice(["in an interview on Tuesday", "speaking on Sunday", "in a note to clients",
                           "in a televised address"])
        head = f"{name}, {when}, {rng.choice(['said', 'noted', 'indicated', 'mentioned'])} that "
        text = head + clause + "."
        off, rs = len(head), 0
    # shift: in the that-clause forms only the first character may have changed case, never its length
    return text, off, rs, rs + len(name)


def _attitude_pool(data: TaskData, neutral_index: int, rng: random.Random) -> list:
    """The (item, label) pairs of ``data`` whose holder has a non-neutral label, in a seeded random order."""
    pool = sorted({(i, y) for i, y in zip(data.items, data.labels)
                   if y != neutral_index and i.target_start is not None},
                  key=lambda p: (p[0].text, p[0].target_start))
    rng.shuffle(pool)
    return pool


def reported_speech(data: TaskData, labels: Sequence[str], n: int, seed: int = 0, repeats: int = 1,
                    neutral: str = "neutral", frames: int = 1) -> TaskData:
    """Up to ``n`` passages of ``data`` whose holder has a non-neutral label, each framed as reported speech:
    two pairs per passage (reporter ``neutral``, holder its label); with ``repeats`` > 1 each passage up to that
    many times, in other frames; ``frames=2`` adds the second frame set. Deterministic for a seed."""
    if frames not in (1, 2):
        raise ValueError(f"frames={frames!r}: the frame sets are 1 and 2")
    ni = list(labels).index(neutral)
    rng = random.Random(seed)
    pool = _attitude_pool(data, ni, rng)
    items, ys = [], []
    for item, y in pool * repeats:
        if len(items) >= 2 * n:
            break
        framed = _frame(item.text, rng, frames)
        if framed is None:
            continue
        text, off, rs, re_ = framed
        lead = len(item.text) - len(item.text.lstrip())
        s, e = item.target_start - lead + off, item.target_end - lead + off
        if text[s:e].lower() != item.text[item.target_start:item.target_end].lower():
            continue  # the holder span did not survive the framing
        items += [Item(text, rs, re_), Item(text, s, e)]
        ys += [ni, y]
    return TaskData(items, ys)


# --- Bystanders: the possessor of a holder, and what an attitude is about, hold no attitude --------------------------
# "X's neighbour is unsettled" gives X nothing, nor does "..., citing X's new policy" (../shared/CODEBOOK.md: a
# passage where the actor is only mentioned or acted upon is neutral). None of these words, names or frames is one
# of tools/bystander_probe.py's, and none is an actor or phrase of the demo article.
BYSTANDERS = ["Germany", "Brazil", "Turkey", "Japan", "Canada", "Egypt", "Poland", "Indonesia", "Kenya", "Mexico",
              "the European Union", "NATO"] + PEOPLE
RELATIONS = ["closest ally", "main rival", "neighbours", "critics", "backers", "trading partners", "opponents",
             "former partner", "creditors", "fiercest opponent", "rivals"]
LINKS = ["pointing to", "in response to", "after reports of", "citing", "amid talk of"]
THINGS = ["recent moves", "military build-up", "new policy", "latest decision", "expanding role",
          "trade measures", "election plans"]
_PRONOUNS = {"he", "she", "it", "they", "his", "her", "their", "we", "i"}


def _bystander_frames(item: Item, rng: random.Random) -> list[tuple[Item, bool]]:
    """``[(item, is_bystander)]``: the possessor frame (bystander only) and the object frame (bystander and the
    holder); empty when the holder is no name."""
    t, s, e = item.text, item.target_start, item.target_end
    h = t[s:e]
    if not h[:1].isupper() or h.lower() in _PRONOUNS:
        return []
    out = []
    x = rng.choice(BYSTANDERS)
    poss = f"{x}'s {rng.choice(RELATIONS)}"
    if s == 0:
        poss = poss[0].upper() + poss[1:]
    # not after "the" ("the Germany's allies"), a title or another name ("Mr. Germany's allies"), nor before a
    # possessive of its own ("Germany's allies's")
    if not (t[:s].lower().endswith(("the ", "a ", "an ")) or re.search(r"[A-Z][\w.]*\s+$", t[:s])
            or re.match(r"['’]", t[e:])):
        xs = s + (4 if poss.lower().startswith("the ") else 0)
        out.append((Item(t[:s] + poss + t[e:], xs, s + len(x)), True))
    body = t.rstrip()
    end = body[-1] if body[-1] in ".!?" else ""
    body = body[:-1] if end else body
    if body and body[-1] not in "\"”'’":
        y = rng.choice(BYSTANDERS)
        tail = f", {rng.choice(LINKS)} "
        text = body + tail + y + "'s " + rng.choice(THINGS) + (end or ".")
        ys = len(body) + len(tail) + (4 if y.startswith("the ") else 0)
        ye = len(body) + len(tail) + len(y)
        out += [(Item(text, ys, ye), True), (Item(text, s, e), False)]
    return out


def bystanders(data: TaskData, labels: Sequence[str], n: int, seed: int = 0, neutral: str = "neutral") -> TaskData:
    """Up to ``n`` pairs from passages of ``data`` whose holder has a non-neutral label: the holder replaced by
    "X's neighbours" (X ``neutral``), and the passage with ", citing X's new policy" appended (X ``neutral``, the
    holder its label). Deterministic for a seed.

    >>> d = TaskData([Item("Ottawa condemned the vote.", 0, 6)], [1])
    >>> aug = bystanders(d, ["supportive", "critical", "uneasy", "dismissive", "conciliatory", "threatening",
    ...                      "neutral"], n=3, seed=1)
    >>> [(i.text[i.target_start:i.target_end], y) for i, y in zip(aug.items, aug.labels)]  # doctest: +ELLIPSIS
    [(..., 6), (..., 6), ('Ottawa', 1)]
    """
    ni = list(labels).index(neutral)
    rng = random.Random(seed)
    pool = _attitude_pool(data, ni, rng)
    items, ys = [], []
    for item, y in pool:
        if len(items) >= n:
            break
        for it, by in _bystander_frames(item, rng):
            items.append(it)
            ys.append(ni if by else y)
    return TaskData(items[:n], ys[:n])


# The directed task's labels seen from the other side of the pair: "H endorses T" is "T is endorsed by H".
MIRRORED = {"neutral": "neutral", "endorses": "endorsed_by", "endorsed_by": "endorses", "blames": "blamed_by",
            "blamed_by": "blames"}


def swapped_roles(data: TaskData, labels: Sequence[str]) -> TaskData:
    """Each (holder, target) pair of the directed task once more with the two entities' roles exchanged and the
    label mirrored (``MIRRORED``): the same sentence, read from the other entity's side.

    >>> from stance.labels import TASK_LABELS
    >>> labs = TASK_LABELS["directed"]
    >>> text = "Anna praised Boris."
    >>> d = TaskData([Item(text, 13, 18, holder_start=0, holder_end=4)], [labs.index("endorses")])
    >>> out = swapped_roles(d, labs)
    >>> [(text[i.holder_start:i.holder_end], text[i.target_start:i.target_end], labs[y])
    ...  for i, y in zip(out.items, out.labels)]
    [('Boris', 'Anna', 'endorsed_by')]
    """
    index = {l: i for i, l in enumerate(labels)}
    if set(index) != set(MIRRORED):
        raise ValueError(f"swapped_roles needs the directed labels {sorted(MIRRORED)}, got {list(labels)}")
    items, ys = [], []
    for it, y in zip(data.items, data.labels):
        if it.holder_start is None or it.target_start is None:
            continue
        items.append(Item(it.text, it.holder_start, it.holder_end, holder_start=it.target_start,
                          holder_end=it.target_end))
        ys.append(index[MIRRORED[labels[y]]])
    return TaskData(items, ys)
