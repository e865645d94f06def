"""Loaders: every benchmark data set and a user's own file, as a ``datasets.Dataset`` in one schema.

Schema (one row per (passage, target) pair):

``id`` (str), ``text`` (str), ``target`` (str), ``target_start`` / ``target_end`` (int character offsets into
``text``, or ``None`` when the target is a topic that is not quoted in the text), ``holder`` / ``holder_start`` /
``holder_end`` (the second entity of DSE, else ``None``), ``label`` (readable label of the task), ``group``
(breakdown key: the target of SemEval and P-Stance, the source otherwise), ``task``.

>>> from stance.data import load_dataset
>>> ds = load_dataset("newsmtsc-rw", split="test")
>>> row = ds[0]
>>> row["text"][row["target_start"]:row["target_end"]] == row["target"]
True
"""
from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import Any, Iterable

from .labels import TASK_LABELS

DATA_ENV = "STANCE_DATA"
RESOURCES = Path(__file__).parent / "resources"

COLUMNS = ["id", "text", "target", "target_start", "target_end", "holder", "holder_start", "holder_end",
           "label", "group", "task"]


class DataError(ValueError):
    """A data file or folder is missing or malformed; the message names the file and row."""


# name -> (task, splits, where to get it)
DATASETS: dict[str, dict[str, Any]] = {
    "newsmtsc-rw": {"task": "sentiment", "splits": ["train", "dev", "test"], "metric": "macro_f1",
                    "source": "shipped in stance/resources/newsmtsc (MIT); upstream github.com/fhamborg/NewsMTSC"},
    "newsmtsc-mt": {"task": "sentiment", "splits": ["train", "dev", "test"], "metric": "macro_f1",
                    "source": "shipped in stance/resources/newsmtsc (MIT); upstream github.com/fhamborg/NewsMTSC"},
    "dse": {"task": "directed", "splits": ["train", "dev", "test"], "metric": "macro_f1",
            "source": "dse/{train,valid,test}.txt from github.com/bywords/directed_sentiment_analysis"},
    "semeval2016-a": {"task": "stance", "splits": ["train", "dev", "test"], "metric": "f_avg",
                      "source": "semeval2016/*-all-annotations.txt from saifmohammad.com/WebPages/StanceDataset.htm"},
    "semeval2016-b": {"task": "stance", "splits": ["test"], "metric": "f_avg",
                      "source": "semeval2016/testdata-taskB-all-annotations.txt from saifmohammad.com"},
    "pstance": {"task": "stance", "splits": ["train", "dev", "test"], "metric": "macro_f1", "labels": ["favor", "against"],
                "source": "pstance/raw_{train,val,test}_{trump,biden,bernie}.csv (P-Stance, github.com/chuchun8/PStance)"},
    "persent": {"task": "sentiment", "splits": ["dev"], "metric": "macro_f1",
                "source": "persent/dev.csv from github.com/MHDBST/PerSenT"},
    "attitude": {"task": "attitude", "splits": ["train", "dev", "test"], "metric": "macro_f1",
                 "source": "shipped in stance/resources/attitude (rebuilds DSE/PerSenT passages from the data folder)"},
    "attitude-articles": {"task": "attitude", "splits": ["dev", "test"], "metric": "macro_f1",
                          "source": "shipped in stance/resources/attitude/articles.jsonl (article-level labels; "
                                    "rebuilds the PerSenT dev articles from persent/dev.csv)"},
}


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The benchmark data folder: the argument, then ``$STANCE_DATA``, then ``../shared/data``."""
    if path is not None:
        return Path(path)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        cand = base.parent / "shared" / "data"
        if cand.is_dir():
            return cand
    return Path.cwd().parent / "shared" / "data"


_data_dir = data_dir  # for functions whose ``data_dir`` argument hides this one


def _need(path: Path, dataset: str) -> Path:
    if not path.exists():
        raise DataError(f"{dataset}: missing file {path}. Get it from {DATASETS[dataset]['source']} and point "
                        f"--data-dir or ${DATA_ENV} at the folder that holds it.")
    return path


def _row(id, text, label, task, target, ts=None, te=None, holder=None, hs=None, he=None, group=""):
    return {"id": str(id), "text": text, "target": target, "target_start": ts, "target_end": te,
            "holder": holder, "holder_start": hs, "holder_end": he, "label": label, "group": group, "task": task}


def _to_dataset(rows: list[dict]):
    import datasets

    features = datasets.Features({
        "id": datasets.Value("string"), "text": datasets.Value("string"), "target": datasets.Value("string"),
        "target_start": datasets.Value("int32"), "target_end": datasets.Value("int32"),
        "holder": datasets.Value("string"), "holder_start": datasets.Value("int32"),
        "holder_end": datasets.Value("int32"), "label": datasets.Value("string"), "group": datasets.Value("string"),
        "task": datasets.Value("string")})
    return datasets.Dataset.from_list(rows, features=features)


# --- NewsMTSC ---------------------------------------------------------------------------------------------------
_POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}


def _newsmtsc(name: str, split: str) -> list[dict]:
    base = RESOURCES / "newsmtsc"
    path = base / "train.jsonl" if split == "train" else base / name / f"{split}.jsonl"
    rows = []
    with _need(path, name).open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                obj = json.loads(line)
                text = obj["sentence_normalized"]
                for t in obj["targets"]:
                    rows.append(_row(t["Input.gid"], text, _POLARITY[float(t["polarity"])], "sentiment",
                                     text[t["from"]:t["to"]], t["from"], t["to"], group=name))
            except (KeyError, ValueError) as e:
                raise DataError(f"{path}:{n}: malformed NewsMTSC row ({e})") from e
    return rows


# --- DSE --------------------------------------------------------------------------------------------------------
_BRACKET = re.compile(r"\[([^\[\]]+)\]")
_DSE_LABELS = {"0": ("neutral", False), "1": ("endorses", False), "2": ("endorses", True),
               "3": ("blames", False), "4": ("blames", True)}


def clean_dse_sentence(sent: str) -> tuple[str, list[tuple[int, int]]]:
    """Drop DSE's entity brackets; return the clean text and the entity spans, widened to whole words
    (the files cut some brackets inside a word: ``[Los Angele]s``)."""
    out, spans, last, pos = [], [], 0, 0
    for m in _BRACKET.finditer(sent):
        out.append(sent[last:m.start()])
        pos += m.start() - last
        spans.append([pos, pos + len(m.group(1))])
        out.append(m.group(1))
        pos += len(m.group(1))
        last = m.end()
    out.append(sent[last:])
    text = "".join(out)
    for s in spans:
        while s[1] < len(text) and text[s[1]].isalnum():
            s[1] += 1
        while s[0] < s[1] and text[s[0]].isspace():  # "[ Obama]"
            s[0] += 1
        while s[1] > s[0] and text[s[1] - 1].isspace():
            s[1] -= 1
    lead = len(text) - len(text.lstrip())
    return text.strip(), [(a - lead, b - lead) for a, b in spans]


def _dse_rows(split: str, root: Path) -> Iterable[tuple[int, str, list, str]]:
    fname = {"train": "train", "dev": "valid", "test": "test"}[split]
    path = _need(root / "dse" / f"{fname}.txt", "dse")
    lines = decode_text(path.read_bytes(), str(path)).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        parts = line.rstrip("\r").split("\t")
        if len(parts) != 4 or parts[3] not in _DSE_LABELS:
            raise DataError(f"{path}:{n}: expected 'sentence<TAB>ent1<TAB>ent2<TAB>0-4'")
        text, spans = clean_dse_sentence(parts[0])
        yield n, text, spans, parts[3]


def _dse(split: str, root: Path) -> list[dict]:
    rows = []
    for n, text, spans, lab in _dse_rows(split, root):
        if len(spans) != 2:
            continue  # a row marking fewer than two entities has no (holder, target) pair
        (ps, pe), (qs, qe) = spans
        label, reverse = _DSE_LABELS[lab]
        if reverse:  # q -> p: from the holder p's side the target q endorses/blames it
            label = {"endorses": "endorsed_by", "blames": "blamed_by"}[label]
        rows.append(_row(f"{split}:{n}", text, label, "directed", text[qs:qe], qs, qe, text[ps:pe], ps, pe,
                         group="dse"))
    return rows


# --- SemEval-2016 -----------------------------------------------------------------------------------------------
# The organisers replaced the query hashtags they collected the tweets by with this placeholder; no real text has
# it, and a model trained with it learns it as a cue for SemEval's label mix (tools/semst_probe.py). Removed from
# every split, so training and evaluation read the tweets as any other text.
_SEMST = re.compile(r"\s*#SemST\b")


def _semeval(name: str, split: str, root: Path, dev_fraction: float = 0.15, keep_tag: bool = False) -> list[dict]:
    """SemEval-2016 rows, without the placeholder hashtag unless ``keep_tag`` (tools/semst_probe.py compares)."""
    if name == "semeval2016-b":
        files = ["testdata-taskB-all-annotations.txt"]
    elif split == "test":
        files = ["testdata-taskA-all-annotations.txt"]
    else:
        files = ["trainingdata-all-annotations.txt"]
    rows = []
    for fname in files:
        path = _need(root / "semeval2016" / fname, name)
        raw = path.read_bytes()
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            content = raw.decode("cp1252")  # the training file has cp1252 quotes
        lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # not U+2028 or \x85 in a tweet
        if lines and lines[-1] == "":
            lines.pop()
        reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header[:4] != ["ID", "Target", "Tweet", "Stance"]:
            raise DataError(f"{path}:1: unexpected header {header[:4]}")
        for n, parts in enumerate(reader, 2):
            if len(parts) < 4:
                raise DataError(f"{path}:{n}: expected ID, Target, Tweet, Stance columns")
            id_, target, tweet, st = parts[:4]
            if st.lower() not in TASK_LABELS["stance"]:
                raise DataError(f"{path}:{n}: stance {st!r} is not FAVOR, AGAINST or NONE")
            if not keep_tag:
                tweet = _SEMST.sub("", tweet).strip() or tweet
            rows.append(_row(id_, tweet, st.lower(), "stance", target, group=target))
    if split in ("train", "dev") and name == "semeval2016-a":
        # No official dev split: a fixed, per-target stratified 15% of train (ids hashed, so it never moves).
        import hashlib

        keep = []
        for r in rows:
            h = int(hashlib.md5(r["id"].encode()).hexdigest(), 16) % 1000 / 1000
            if (h < dev_fraction) == (split == "dev"):
                keep.append(r)
        rows = keep
    return rows


# --- P-Stance ---------------------------------------------------------------------------------------------------
def _pstance(split: str, root: Path) -> list[dict]:
    fsplit = {"train": "train", "dev": "val", "test": "test"}[split]
    rows = []
    for who in ("trump", "biden", "bernie"):
        path = _need(root / "pstance" / f"raw_{fsplit}_{who}.csv", "pstance")
        for k, (n, r) in enumerate(csv_records(decode_text(path.read_bytes(), str(path)), str(path)), 2):
            try:  # the id keeps the record's number, as it always had
                rows.append(_row(f"{who}:{fsplit}:{k}", r["Tweet"], r["Stance"].lower(), "stance", r["Target"],
                                 group=r["Target"]))
            except KeyError as e:
                raise DataError(f"{path}:{n}: missing column {e}") from e
            if rows[-1]["label"] not in ("favor", "against"):
                raise DataError(f"{path}:{n}: stance {r['Stance']!r} is not FAVOR or AGAINST")
    return rows


# --- PerSenT ----------------------------------------------------------------------------------------------------
def _persent(split: str, root: Path) -> list[dict]:
    path = _need(root / "persent" / f"{split}.csv", "persent")
    rows = []
    for n, r in csv_records(decode_text(path.read_bytes(), str(path)), str(path)):
        lacking = [c for c in ("DOCUMENT_INDEX", "DOCUMENT", "TARGET_ENTITY", "TRUE_SENTIMENT") if c not in r]
        if lacking:
            raise DataError(f"{path}:{n}: missing column(s) {lacking} (has {sorted(r)}); is it PerSenT's "
                            f"published dev.csv?")
        if r["TRUE_SENTIMENT"].lower() not in TASK_LABELS["sentiment"]:
            raise DataError(f"{path}:{n}: TRUE_SENTIMENT {r['TRUE_SENTIMENT']!r} is not Negative, Neutral or "
                            f"Positive")
        doc, ent = r["DOCUMENT"], r["TARGET_ENTITY"]
        i = doc.find(ent)
        if i < 0:
            last = ent.split()[-1]
            i = doc.find(last)
            ent_span = (i, i + len(last)) if i >= 0 else (None, None)
        else:
            ent_span = (i, i + len(ent))
        rows.append(_row(r["DOCUMENT_INDEX"], doc, r["TRUE_SENTIMENT"].lower(), "sentiment", ent,
                         ent_span[0], ent_span[1], group="persent"))
    return rows


def load_dataset(name: str, split: str = "test", data_dir: str | os.PathLike | None = None):
    """Load a benchmark data set as a ``datasets.Dataset`` in the common schema.

    ``name`` is one of :data:`DATASETS`; ``split`` is ``train``, ``dev`` or ``test`` (PerSenT has ``dev`` only).
    """
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    if split not in DATASETS[name]["splits"]:
        raise DataError(f"{name} has no {split!r} split; it has {DATASETS[name]['splits']}")
    root = _data_dir(data_dir)
    if name.startswith("newsmtsc"):
        rows = _newsmtsc(name, split)
    elif name == "dse":
        rows = _dse(split, root)
    elif name.startswith("semeval2016"):
        rows = _semeval(name, split, root)
    elif name == "pstance":
        rows = _pstance(split, root)
    elif name == "persent":
        rows = _persent(split, root)
    elif name == "attitude-articles":
        from .attitude_data import load_article_rows

        rows = load_article_rows(split, root)
    else:
        from .attitude_data import load_attitude_rows

        try:
            rows = load_attitude_rows(split, root)
        except (IndexError, KeyError) as e:  # a passage's source line or document is not in the data folder
            raise DataError(f"attitude: a passage could not be rebuilt from the data folder {root} (missing "
                            f"{type(e).__name__}: {e}); the annotations point into the published DSE and PerSenT "
                            f"files, see stance/resources/attitude/DATASHEET.md") from e
    return _to_dataset(rows)


def looks_utf16(head: bytes) -> bool:
    """Whether a file's first 4 bytes are UTF-16: a byte-order mark, or (without one) ASCII with every other byte 0.

    >>> looks_utf16("id".encode("utf-16-le")), looks_utf16(b"id,t")
    (True, False)
    """
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) == 4 and b"\0\0" in (head[1::2], head[0::2]))


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text from bytes (a byte-order mark is dropped); anything else is an error naming the file, the line and
    what to do.

    >>> decode_text("Caf\\u00e9".encode("utf-8"), "a.txt")
    'Café'
    >>> decode_text(b"ok\\nCaf\\xe9", "a.txt")
    Traceback (most recent call last):
    ...
    stance.data.DataError: a.txt:2: not UTF-8 text (byte 0xe9 at column 4); convert it, e.g. iconv -f cp1252 -t utf-8
    """
    if looks_utf16(data[:4]):
        raise DataError(f"{name}: UTF-16 text; convert it to UTF-8, e.g. iconv -f utf-16 -t utf-8")
    if b"\x00" in data[:8192]:
        raise DataError(f"{name}: looks like a binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise DataError(f"{name}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x} at column {col}); convert it, "
                        f"e.g. iconv -f cp1252 -t utf-8") from e


def jsonl_records(text: str, name: str) -> list[tuple[int, dict]]:
    """One JSON object per non-blank line, each with its line number; errors name the source and line."""
    records = []
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{name}:{n}: not valid JSON ({e.msg} at column {e.colno})") from e
            if not isinstance(r, dict):
                raise DataError(f"{name}:{n}: expected a JSON object per line, got {type(r).__name__}")
            records.append((n, r))
    return records


OTHER_TABLES = (".tsv", ".tab", ".xlsx", ".xls", ".ods", ".parquet", ".feather", ".arrow")


def read_rows(path: str | os.PathLike, default: str = "csv") -> list[tuple[int, dict]]:
    """The records of a JSONL (``.jsonl``, ``.json``, ``.ndjson``: one JSON object per line) or CSV file (``.csv``,
    header row first; other suffixes: ``default``), each with its line number; errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: {'is a folder, not a file' if path.is_dir() else 'no such file'}")
    suffix = path.suffix.lower()
    if suffix in OTHER_TABLES:  # read as JSONL, a TSV gave "not valid JSON" on its first line
        raise DataError(f"{path}: {suffix} files are not read; save it as CSV (comma-separated, header first) or "
                        f"JSONL (one JSON object per line)")
    text = decode_text(path.read_bytes(), str(path))
    if suffix in (".jsonl", ".json", ".ndjson") or (suffix != ".csv" and default == "jsonl"):
        return jsonl_records(text, str(path))
    return csv_records(text, str(path))


_LINE_BREAK = re.compile("\r\n|\r|\n")
CSV_FIELD_LIMIT = 2**31 - 1  # fits a C long everywhere; the csv module's default, 131,072 characters, is an article


def widen_csv_fields() -> None:
    """Let the csv module read fields as long as an article gets."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def record_first_line(reader, row: dict) -> int:
    """The line a CSV record just read starts on: the reader's line count names its last line, and a quoted field
    may span lines (blank lines before it, which the reader skips, are not counted back)."""
    breaks = 0
    for v in row.values():
        for x in v if isinstance(v, list) else [v]:  # a list: the fields beyond the header's
            if isinstance(x, str):
                breaks += len(_LINE_BREAK.findall(x))
    return reader.line_num - breaks


def csv_records(text: str, name: str, **fmt) -> list[tuple[int, dict]]:
    """The records of CSV text with a header row, each with the line it starts on (a quoted field may span lines);
    a row with more or fewer fields than the header, a repeated column name or text the csv module cannot parse is
    an error naming ``name`` and the line. Fields may be as long as an article gets."""
    import io

    widen_csv_fields()
    reader = csv.DictReader(io.StringIO(text, newline=""), **fmt)
    try:
        names = reader.fieldnames or []
    except csv.Error as e:
        raise DataError(f"{name}:1: not readable as CSV ({e})") from e
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise DataError(f"{name}:1: column(s) {dup} appear more than once in the header")
    records: list[tuple[int, dict]] = []
    while True:
        try:
            r = next(reader)
        except StopIteration:
            return records
        except csv.Error as e:
            raise DataError(f"{name}:{reader.line_num}: not readable as CSV ({e})") from e
        first = record_first_line(reader, r)
        width = len(names)
        if None in r or any(v is None for v in r.values()):  # DictReader's marks of a long or a short row
            have = width + len(r.get(None) or []) - sum(v is None for k, v in r.items() if k is not None)
            raise DataError(f"{name}:{first}: {have} fields, the header has {width}")
        records.append((first, r))


def load_file(path: str | os.PathLike, task: str, text_col: str = "text", target_col: str = "target",
              label_col: str | None = "label", id_col: str | None = None, holder_col: str | None = "holder",
              labels: list[str] | None = None, new_labels: bool = False):
    """Read a user's CSV or JSONL file into the common schema.

    The target column holds the target string; it is located in the text (first occurrence as written, else
    ignoring case), or, when the text does not quote it, used as a topic. A ``holder_col`` value (DSE-style
    ``directed`` rows), where a row has one, is located the same way and must occur in the text. Labels are checked
    against ``labels``, else the task's built-in label set (``attitude``, ``stance``, ...), matched ignoring case
    ("FAVOR" reads as "favor"); a task without a known label set, or a label outside it with ``new_labels=True``,
    is kept as written. Errors name the file, line and column.
    """
    from .inputs import find_span

    path = Path(path)
    records = read_rows(path)
    if not records:
        raise DataError(f"{path}: no rows")
    rows = []
    known = list(labels) if labels is not None else TASK_LABELS.get(task)
    folded = {str(l).lower(): l for l in known} if known is not None else None
    for n, r in records:
        for col in [text_col, target_col] + ([label_col] if label_col else []):
            if col not in r or r[col] is None:
                raise DataError(f"{path}:{n}: missing column {col!r} (has {sorted(r)})")
        text, target = str(r[text_col]), str(r[target_col])
        if not text.strip():
            raise DataError(f"{path}:{n}: empty text in column {text_col!r}")
        if not target.strip():
            raise DataError(f"{path}:{n}: empty target in column {target_col!r}")
        label = None
        if label_col:
            label = str(r[label_col]).strip()
            if not label:
                raise DataError(f"{path}:{n}: empty label in column {label_col!r}")
            if folded is not None:
                if label not in known and label.lower() not in folded and not new_labels:
                    raise DataError(f"{path}:{n}: label {r[label_col]!r} in column {label_col!r} is not one of "
                                    f"{known}")
                label = label if label in known else folded.get(label.lower(), label)
        holder, hs, he = r.get(holder_col) if holder_col else None, None, None
        if holder is not None and str(holder).strip():
            holder = str(holder)
            hs, he = find_span(text, holder)
            if hs is None:
                raise DataError(f"{path}:{n}: holder {holder!r} in column {holder_col!r} does not occur in the text")
        else:
            holder = None
        ts, te = find_span(text, target)
        rows.append(_row(r.get(id_col, n) if id_col else n, text, label, task, target, ts, te, holder, hs, he,
                         group=target))
    return _to_dataset(rows)
