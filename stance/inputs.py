"""Accept the input shapes users have: (text, target) pairs, dicts, pandas DataFrames, ``datasets.Dataset``."""
from __future__ import annotations

import re
from typing import Any, Iterable

from .encoding import InputError, Item


# the columns of a passage frame that the wrappers (ArticleAttitude, DocumentLevel) hand to a passage-level system
PASSAGE_COLUMNS = ["text", "target", "target_start", "target_end", "holder", "holder_start", "holder_end"]


def find_span(text: str, target: str) -> tuple[int | None, int | None]:
    """Where ``target`` first occurs in ``text``: as written, else ignoring case; ``(None, None)`` when it does not.
    Offsets index ``text`` itself, also where lower-casing would change its length ("İ").

    >>> find_span("Critics told us the US plan failed.", "US")
    (20, 22)
    >>> find_span("İzmir voters praised Ali.", "ali")
    (21, 24)
    """
    if not target or not target.strip():
        return None, None
    i = text.find(target)
    if i >= 0:
        return i, i + len(target)
    m = re.search(re.escape(target), text, re.IGNORECASE)
    return (m.start(), m.end()) if m else (None, None)



def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)  # pandas writes NaN for a missing value


def _whole(v, n: int, what: str) -> int:
    """A span offset as an int: 3, 3.0 or "3"; anything else (2.7, "a") is an error naming the row."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        f = None
    if f is None or f != int(f):
        raise InputError(f"row {n}: {what} span offsets must be whole numbers, got {v!r}")
    return int(f)


def _item_from_mapping(r: dict, n: int) -> Item:
    if "text" not in r:
        raise InputError(f"row {n}: missing field 'text' (has {sorted(r)})")
    text = r["text"]
    if not isinstance(text, str):
        raise InputError(f"row {n}: text is a {type(text).__name__}, not a string")
    if not text.strip():
        raise InputError(f"row {n}: empty text")
    ts, te = r.get("target_start"), r.get("target_end")
    target = r.get("target")
    if _missing(ts) != _missing(te):
        raise InputError(f"row {n}: target_start and target_end go together (got {ts!r} and {te!r})")
    if _missing(ts):
        if _missing(target):
            raise InputError(f"row {n}: missing field 'target' (or 'target_start'/'target_end')")
        if not str(target).strip():
            raise InputError(f"row {n}: empty target")
        ts, te = find_span(text, str(target))
    else:
        ts, te = _whole(ts, n, "target"), _whole(te, n, "target")
    hs, he = r.get("holder_start"), r.get("holder_end")
    if _missing(hs) != _missing(he):
        raise InputError(f"row {n}: holder_start and holder_end go together (got {hs!r} and {he!r})")
    if not _missing(hs):
        hs, he = _whole(hs, n, "holder"), _whole(he, n, "holder")
    elif not _missing(r.get("holder")) and r.get("holder"):
        hs, he = find_span(text, str(r["holder"]))
        if hs is None:
            raise InputError(f"row {n}: holder {r['holder']!r} does not occur in the text")
    else:
        hs = he = None
    ts = None if _missing(ts) else ts
    topic = None if ts is not None else str(target)
    return Item(text, None if ts is None else int(ts), None if te is None else int(te), topic, hs, he).validate(n)


def as_items(X: Any) -> list[Item]:
    """Normalise ``X`` to a list of :class:`Item`.

    Accepted: a ``datasets.Dataset`` or ``pandas.DataFrame`` with ``text`` and ``target`` (or
    ``target_start``/``target_end``) columns; a list of dicts with those keys; a list of ``(text, target)``
    pairs where ``target`` is a string (found in the text, else used as a topic) or a ``(start, end)`` span;
    a list of :class:`Item`.

    >>> as_items([("Beijing is uneasy.", "Beijing")])[0].target_end
    7
    """
    if hasattr(X, "to_list") and hasattr(X, "column_names"):  # datasets.Dataset
        X = X.to_list()
    if type(X).__name__ == "ndarray":  # a numpy array of (text, target) rows
        X = X.tolist()
    if hasattr(X, "to_dict") and hasattr(X, "columns"):  # pandas.DataFrame
        cols = set(X.columns)
        if "text" not in cols or not ({"target"} <= cols or {"target_start", "target_end"} <= cols):
            raise InputError(f"DataFrame needs columns 'text' and 'target' (or 'target_start', 'target_end'); "
                             f"it has {sorted(cols)}")
        records: Iterable = X.to_dict("records")
    else:
        records = X
    out = []
    for n, r in enumerate(records):
        if isinstance(r, Item):
            out.append(r.validate(n))
        elif isinstance(r, dict):
            out.append(_item_from_mapping(r, n))
        elif isinstance(r, (tuple, list)) and len(r) in (2, 3):
            text, tgt = r[0], r[1]
            if isinstance(tgt, (tuple, list)):
                d = {"text": text, "target_start": tgt[0], "target_end": tgt[1]}
            else:
                d = {"text": text, "target": tgt}
            if len(r) == 3 and r[2] is not None:
                d["holder"] = r[2]
            out.append(_item_from_mapping(d, n))
        else:
            raise InputError(f"row {n}: expected (text, target), a dict or an Item, got {type(r).__name__}")
    return out


def raw_labels(X: Any, y: Any, label_col: str = "label") -> list | None:
    """The labels as given (``y``, or X's ``label`` column), before :func:`labels_of` makes them strings; a
    ``ClassLabel`` column gives its names."""
    if y is not None:
        return list(y)
    if hasattr(X, "column_names") and label_col in X.column_names:
        vals = list(X[:][label_col])
        feature = getattr(X, "features", {}).get(label_col)
        if hasattr(feature, "int2str"):  # a ClassLabel column: its names, not its integer codes
            vals = [feature.int2str(int(v)) if v is not None and v >= 0 else None for v in vals]
        return vals
    if hasattr(X, "columns") and label_col in X.columns:
        return list(X[label_col])
    if isinstance(X, list) and X and isinstance(X[0], dict) and label_col in X[0]:
        return [r.get(label_col) for r in X]
    return None


def labels_of(X: Any, y: Any, label_col: str = "label") -> list[str] | None:
    """Labels from ``y`` or, when ``y`` is None, from the ``label`` column of a Dataset/DataFrame/dicts. A missing
    label (None, NaN, empty) is an error naming its row, not a class called ``'nan'``.

    >>> labels_of(None, ["favor", None])
    Traceback (most recent call last):
    ...
    stance.encoding.InputError: row 1: missing label
    """
    vals = raw_labels(X, y, label_col)
    if vals is None:
        return None
    for i, v in enumerate(vals):
        if v is None or type(v).__name__ == "NAType" or (isinstance(v, float) and v != v) or \
                (isinstance(v, str) and not v.strip()):
            raise InputError(f"row {i}: missing label")
    return [str(v) for v in vals]
