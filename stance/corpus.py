"""Corpus scoring: articles in, one row per (article, actor) out. Streaming, resumable, exact.

>>> import pandas as pd, stance, tempfile, os
>>> df = pd.DataFrame({"id": ["a1"], "text": ["Beijing is unsettled by the pact."]})
>>> stance.score_frame(df)[["article_id", "actor", "attitude"]].iloc[0].tolist()[:2]
['a1', 'China']

Output is a folder: ``part-NNNNNN.<fmt>`` chunks committed by atomic rename, ``errors-NNNNNN.jsonl`` with the
records that could not be scored (line number and reason), ``stats-NNNNNN.json`` and ``manifest.json``. A run
killed at any moment and started again with the same command scores every article exactly once. A missing column or
a model that cannot score (broken, or lacking a head) is refused before anything is written; a failure of the model
or the machine during the run stops it (:class:`ScoringStopped`) without committing the chunk it was in.
"""
from __future__ import annotations

import csv
import hashlib
import json
import numbers
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .analysis import analysis_models, analyze_many, check_topic
from .backbone import ModelError
from .data import DataError, decode_text, looks_utf16, record_first_line, widen_csv_fields
from .registry import DEFAULT_MODEL, resolve_model

FORMATS = ("parquet", "jsonl", "csv")
COLUMNS = ["article_id", "actor", "actor_type", "aliases", "mentions", "attitude", "attitude_score", "sentiment",
           "sentiment_score", "stance", "stance_score", "topic", "evidence"]
LIST_COLUMNS = ("aliases", "mentions", "evidence")
EVIDENCE_KEPT = 3
# bytes that are not UTF-8, as the "surrogateescape" error handler decodes them (U+DC80..U+DCFF, one per byte)
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Record:
    seq: int  # 0-based position in the input (every record counts, good or bad): fixes the chunk boundaries
    where: str  # "line 12" / "row 12" / "file a.txt"
    article_id: str | None = None
    text: str | None = None
    error: str | None = None


class CorpusError(ValueError):
    """The corpus or the output folder cannot be used; the message says why."""


class ScoringStopped(CorpusError):
    """A failure of the model or the machine, not of one article, stopped scoring (it would fail every article
    alike); the message names the article it hit and the cause."""


# -- input ---------------------------------------------------------------------------------------------------------
def _input_kind(path: Path) -> str:
    if path.is_dir():
        return "txt"
    suf = path.suffix.lower()
    if suf in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suf == ".csv":
        return "csv"
    if suf in (".parquet", ".pq"):
        return "parquet"
    raise CorpusError(f"{path}: unknown input format {suf!r}; use .jsonl, .csv, .parquet or a folder of .txt files")


def _norm(article_id, text, seq, where, text_column: str = "text", id_column: str = "id") -> Record:
    if article_id is None or (isinstance(article_id, float) and article_id != article_id) or str(article_id) == "":
        return Record(seq, where, error=f"missing id (field {id_column!r})")
    article_id = str(article_id)
    if _SURROGATE.search(article_id):
        return Record(seq, where, error=f"id (field {id_column!r}) is not valid Unicode (it holds a lone "
                                        f"surrogate, e.g. an escaped \\ud800)")
    if text is None or (isinstance(text, float) and text != text):
        return Record(seq, where, article_id, error=f"missing text (field {text_column!r})")
    if not isinstance(text, str):
        return Record(seq, where, article_id,
                      error=f"text (field {text_column!r}) is a {type(text).__name__}, not a string")
    return Record(seq, where, article_id, text)


def _undecodable(text: str) -> tuple[int, int] | None:
    """(byte value, 0-based character index) of the first byte of ``text`` that was not UTF-8, as decoded with
    errors="surrogateescape"; None when it all was."""
    m = _NOT_UTF8.search(text)
    return (ord(m.group()) - 0xDC00, m.start()) if m else None


def _jsonl_records(path: Path, text_column: str, id_column: str) -> Iterator[Record]:
    """Records of a JSONL file, one per non-blank line; a line that is not UTF-8 or not a JSON object is an error
    record naming it. A byte-order mark at the start is skipped."""
    with path.open(encoding="utf-8-sig", errors="surrogateescape") as f:
        for i, line in enumerate(f):
            if not line.strip():
                continue
            where = f"line {i + 1}"
            bad = _undecodable(line)
            if bad:
                yield Record(i, where, error=f"not UTF-8 (byte 0x{bad[0]:02x} at column {bad[1] + 1})")
                continue
            try:
                obj = json.loads(line.rstrip("\r\n"))
            except json.JSONDecodeError as e:
                msg = e.msg[:-3] if e.msg.endswith(" at") else e.msg  # "Unterminated string starting at"
                yield Record(i, where, error=f"malformed JSON ({msg} at column {e.colno})")
                continue
            if not isinstance(obj, dict):
                yield Record(i, where, error="not a JSON object")
                continue
            yield _norm(obj.get(id_column), obj.get(text_column), i, where, text_column, id_column)


def _csv_undecodable(row: dict) -> str | None:
    """Why a CSV row is not UTF-8 (the byte and the field it is in), or None when it is."""
    for name, value in row.items():
        for v in value if isinstance(value, list) else [value]:  # a list: the fields beyond the header's
            bad = _undecodable(v) if isinstance(v, str) else None
            if bad:
                field = f"field {name!r}" if name is not None else "a field beyond the header's"
                return f"not UTF-8 (byte 0x{bad[0]:02x} in {field}, character {bad[1] + 1})"
    return None


def _csv_header(path: Path, reader: csv.DictReader, text_column: str, id_column: str) -> None:
    """Refuse a CSV header that is not UTF-8 or lacks the id or text column, naming the file and the problem."""
    names = reader.fieldnames or []
    if not names:  # not "columns are None"
        raise CorpusError(f"{path}: empty file (no header line with the {id_column!r} and {text_column!r} columns)")
    bad = next((n for n in names if _undecodable(n)), None)
    if bad is not None:
        raise CorpusError(f"{path}: line {reader.line_num} (the header) is not UTF-8 (byte "
                          f"0x{_undecodable(bad)[0]:02x} in column name {bad.encode('utf-8', 'surrogateescape')!r}); "
                          f"save the file as UTF-8, e.g. iconv -f cp1252 -t utf-8")
    missing = {text_column, id_column} - set(names)
    if missing:
        raise CorpusError(f"{path}: no column(s) {sorted(missing)}; columns are {reader.fieldnames} "
                          f"(set --text-col / --id-col)")


def _csv_records(path: Path, text_column: str, id_column: str) -> Iterator[Record]:
    """Records of a CSV file with a header; a row that is not UTF-8 is an error record naming its line and field. A
    byte-order mark at the start (Excel's "CSV UTF-8") is skipped. A field may be as long as an article gets (the
    csv module's default limit, 131,072 characters, is raised); a file the csv module cannot parse past some line
    is a :class:`CorpusError` naming that line."""
    widen_csv_fields()
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        reader = csv.DictReader(f)
        _csv_header(path, reader, text_column, id_column)
        i = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise CorpusError(f"{path}: line {reader.line_num}: not readable as CSV ({e}); records before it "
                                  f"were read, chunks already scored are kept") from e
            where = f"line {record_first_line(reader, row)}"  # a quoted field may span lines
            error = _csv_undecodable(row)
            if not error and row.get(None):  # more fields than the header: an unquoted comma cut the text short
                error = (f"{len(reader.fieldnames) + len(row[None])} fields, the header has {len(reader.fieldnames)} "
                         f"(quote a field that holds a comma)")
            if error:
                aid = row.get(id_column)
                yield Record(i, where, aid if aid and not _undecodable(aid) else None, error=error)
            else:
                yield _norm(row.get(id_column), row.get(text_column), i, where, text_column, id_column)
            i += 1


def read_records(path: str | os.PathLike, text_column: str = "text", id_column: str = "id") -> Iterator[Record]:
    """Stream the input's records, good and bad, in a fixed order."""
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    kind = _input_kind(path)
    if kind == "jsonl":
        yield from _jsonl_records(path, text_column, id_column)
    elif kind == "csv":
        yield from _csv_records(path, text_column, id_column)
    elif kind == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        missing = {text_column, id_column} - set(names)
        if missing:
            raise CorpusError(f"{path}: no column(s) {sorted(missing)}; columns are {names}")
        i = 0
        for batch in pf.iter_batches(batch_size=1024, columns=[id_column, text_column]):
            ids, texts = batch.column(0).to_pylist(), batch.column(1).to_pylist()
            for a, t in zip(ids, texts):
                yield _norm(a, t, i, f"row {i + 1}", text_column, id_column)
                i += 1
    else:
        files = sorted(p for p in path.rglob("*.txt") if p.is_file())
        for i, p in enumerate(files):
            rel = str(p.relative_to(path))
            try:
                yield Record(i, f"file {rel}", rel[:-4], decode_text(p.read_bytes(), rel))
            except DataError as e:  # not UTF-8 (the line and column named), UTF-16, binary
                yield Record(i, f"file {rel}", rel[:-4], error=str(e))


def count_records(path: Path) -> int | None:
    """Cheap total for the progress bar (None when it would need a parse)."""
    kind = _input_kind(path)
    if kind == "jsonl":
        with path.open("rb") as f:
            return sum(1 for line in f if line.strip())
    if kind == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if kind == "txt":
        return sum(1 for _ in path.rglob("*.txt"))
    return None


# -- rows ----------------------------------------------------------------------------------------------------------
def actor_rows(article_id: str, res) -> list[dict]:
    rows = []
    for a in res.actors:
        rows.append({
            "article_id": article_id, "actor": a.name, "actor_type": a.type, "aliases": list(a.aliases),
            "mentions": [{"text": m.text, "start": m.start, "end": m.end} for m in a.mentions],
            "attitude": a.attitude.label if a.attitude else None,
            "attitude_score": a.attitude.score if a.attitude else None,
            "sentiment": a.sentiment.label, "sentiment_score": a.sentiment.score,
            "stance": a.stance.label if a.stance else None, "stance_score": a.stance.score if a.stance else None,
            "topic": res.topic,
            "evidence": [{"text": e.text, "start": e.start, "end": e.end, "attitude": e.attitude}
                         for e in a.evidence[:EVIDENCE_KEPT]],
        })
    return rows


def _out_of_memory(e: BaseException) -> bool:
    return isinstance(e, MemoryError) or type(e).__name__ == "OutOfMemoryError"  # torch.cuda.OutOfMemoryError


def _model_failure(e: BaseException) -> bool:
    """Whether an exception of analyze_many is the model's or the machine's (a model that does not load or lacks a
    head, no memory left), which would fail every article alike, rather than the article's own."""
    return isinstance(e, ModelError) or _out_of_memory(e)


def _stopped(r: Record, e: BaseException) -> ScoringStopped:
    hint = "; lower batch_articles (--batch-articles) or free memory" if _out_of_memory(e) else ""
    return ScoringStopped(f"scoring stopped at {r.where} (id {r.article_id}) by a failure that is not the article's "
                          f"but the model's or the machine's{hint}: {type(e).__name__}: {e}")


def _analyze_batch(part: list[Record], topic: str | None, model: str, attitude_model: str | None) -> list:
    """analyze_many over a batch of good records: a result or, for an article that could not be analysed, its
    exception, per record. When the batch fails it is retried one by one, so one bad article does not sink its
    batch (and a batch that ran out of memory gets its articles alone); a model failure raises ScoringStopped."""
    try:
        return analyze_many([r.text for r in part], topic, model, attitude_model=attitude_model)
    except Exception as e:  # noqa: BLE001 - retried one by one below
        if _model_failure(e) and not _out_of_memory(e):
            raise _stopped(part[0], e) from e
    results: list = []
    for r in part:
        try:
            results.append(analyze_many([r.text], topic, model, attitude_model=attitude_model)[0])
        except Exception as e:  # noqa: BLE001 - reported per article in the errors file
            if _model_failure(e):
                raise _stopped(r, e) from e
            results.append(e)
    return results


def score_records(records: list[Record], topic, model, batch_articles: int = 64, attitude_model: str | None = None):
    """Score good records in batches of articles; return (rows, errors, stats). A record that cannot be scored is
    an error; a failure of the model or the machine raises ScoringStopped instead."""
    rows, errors = [], []
    stats = {"scored": 0, "skipped": 0, "failed": 0, "rows": 0}
    good = []
    for r in records:
        if r.error:
            errors.append({"where": r.where, "article_id": r.article_id, "reason": r.error})
            stats["failed"] += 1
        elif not r.text.strip():
            errors.append({"where": r.where, "article_id": r.article_id, "reason": "empty text (skipped)"})
            stats["skipped"] += 1
        else:
            good.append(r)
    for i in range(0, len(good), batch_articles):
        part = good[i:i + batch_articles]
        results = _analyze_batch(part, topic, model, attitude_model)
        for r, res in zip(part, results):
            if isinstance(res, Exception):
                errors.append({"where": r.where, "article_id": r.article_id,
                               "reason": f"analysis failed: {type(res).__name__}: {res}"})
                stats["failed"] += 1
                continue
            rows.extend(actor_rows(r.article_id, res))
            stats["scored"] += 1
    stats["rows"] = len(rows)
    return rows, errors, stats


# -- output --------------------------------------------------------------------------------------------------------
def _libc():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return None


def _limit_arenas() -> None:
    """Keep glibc malloc from hoarding memory over a long run: fewer arenas (like MALLOC_ARENA_MAX=2), and a fixed
    mmap threshold of 4 MiB so every large tensor (activations of a batch) is its own mapping, returned to the system
    when freed. With glibc's default the threshold climbs after each such free, large tensors then come from the
    heap, and the resident size (and its peak) creeps up with corpus length."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(-8, 2)  # M_ARENA_MAX
        libc.mallopt(-3, 4 << 20)  # M_MMAP_THRESHOLD (bytes); also fixes the trim threshold


def _release_memory() -> None:
    """Collect garbage and give freed heap back to the OS between chunks."""
    import gc

    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _arrow_table(rows: list[dict]):
    import pyarrow as pa

    mention = pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
    ev = pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("attitude", pa.string())])
    schema = pa.schema([("article_id", pa.string()), ("actor", pa.string()), ("actor_type", pa.string()),
                        ("aliases", pa.list_(pa.string())), ("mentions", pa.list_(mention)),
                        ("attitude", pa.string()), ("attitude_score", pa.float64()), ("sentiment", pa.string()),
                        ("sentiment_score", pa.float64()), ("stance", pa.string()), ("stance_score", pa.float64()),
                        ("topic", pa.string()), ("evidence", pa.list_(ev))])
    return pa.Table.from_pylist(rows, schema=schema)


def write_part(path: Path, rows: list[dict], fmt: str) -> None:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        _atomic_write(path, lambda p: pq.write_table(_arrow_table(rows), p))
    elif fmt == "jsonl":
        def w(p):
            with open(p, "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")

        _atomic_write(path, w)
    else:
        def w(p):
            with open(p, "w", encoding="utf-8", newline="") as f:
                wr = csv.DictWriter(f, fieldnames=COLUMNS)
                wr.writeheader()
                for r in rows:
                    wr.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                                 for k, v in r.items()})

        _atomic_write(path, w)


def read_scores(path: str | os.PathLike):
    """Read a scoring output folder (any format) into one pandas DataFrame, chunks in input order."""
    import pandas as pd

    path = Path(path)
    parts = sorted(_committed(path))
    if not parts and (path / "ray").is_dir():  # written by engine="ray"
        from .ray_engine import read_ray_output

        return read_ray_output(path)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    fmt = parts[0].suffix.lstrip(".")
    if fmt == "parquet":
        frames = [pd.read_parquet(p) for p in parts]
    elif fmt == "jsonl":
        frames = [pd.read_json(p, lines=True, dtype={"article_id": str}) for p in parts if p.stat().st_size]
    else:
        frames = [pd.read_csv(p, dtype={"article_id": str}) for p in parts]
        for f in frames:  # the list columns, written to CSV as JSON text, come back as lists (as from Parquet)
            for c in LIST_COLUMNS:
                if c in f.columns:
                    f[c] = f[c].map(lambda v: json.loads(v) if isinstance(v, str) else v)
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def _write_errors(errors: str | os.PathLike, out: Path) -> None:
    with open(errors, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in read_errors(out))


def read_errors(path: str | os.PathLike) -> list[dict]:
    """The records a corpus run could not score, from its output folder: ``where`` (the input line or row),
    ``article_id`` and ``reason``, in input order."""
    out = []
    for p in sorted(Path(path).glob("errors-*.jsonl")):
        out += [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def _fingerprint(path: Path) -> dict:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.txt"))
        h = hashlib.sha1("\n".join(f"{p.relative_to(path)}:{p.stat().st_size}" for p in files).encode()).hexdigest()
        return {"path": str(path.resolve()), "files": len(files), "digest": h}
    st = path.stat()
    with path.open("rb") as f:
        head = hashlib.sha1(f.read(1 << 20)).hexdigest()
    return {"path": str(path.resolve()), "bytes": st.st_size, "head_sha1": head}


def _check_input(src: Path, text_column: str, id_column: str) -> None:
    """Read the input's header and first record, so that a missing column (or an unreadable header) is refused
    before the output folder is made."""
    if not src.exists():
        raise CorpusError(f"{src}: no such file or folder")
    if src.is_file() and _input_kind(src) in ("jsonl", "csv"):
        with src.open("rb") as f:
            head = f.read(4)
        if looks_utf16(head):
            raise CorpusError(f"{src}: is UTF-16, not UTF-8; save it as UTF-8 (e.g. iconv -f utf-16 -t utf-8)")
    records = read_records(src, text_column, id_column)
    try:
        next(records, None)
    finally:
        records.close()
    if src.is_file() and _input_kind(src) == "jsonl":  # no header: the first objects stand for the columns
        firsts = _first_jsonl_objects(src, COLUMN_PROBE)
        if firsts:  # a field no record of the first few has is a wrong column name; one record without it is
            missing = sorted(c for c in (text_column, id_column)  # that record's own error (an error row)
                             if not any(c in o for o in firsts))
            if missing:
                which = "first record has" if len(firsts) == 1 else f"first {len(firsts)} records have"
                raise CorpusError(f"{src}: the {which} no field(s) {missing}; the first record's fields are "
                                  f"{sorted(firsts[0])} (set --text-col / --id-col)")


COLUMN_PROBE = 20  # JSONL records read before any work to check the text and id fields


def _first_jsonl_objects(path: Path, k: int) -> list[dict]:
    """The first ``k`` records that are JSON objects (malformed lines are their records' own errors)."""
    out = []
    with path.open(encoding="utf-8-sig", errors="surrogateescape") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
                if len(out) == k:
                    break
    return out


def _committed(out: Path) -> list[Path]:
    """The chunks committed in an output folder (of any format)."""
    return [p for p in out.glob("part-*") if not p.name.endswith(".tmp")]


def _open_output(out: Path, manifest: dict) -> None:
    """Make the output folder and write its manifest, or check that the folder holds a run with the same settings
    (a resumed run). A run with other settings that committed no chunk yet (one stopped at its start) is replaced,
    with what it left; one that did is refused, as resuming it would mix two kinds of scores."""
    out.mkdir(parents=True, exist_ok=True)
    mpath = out / "manifest.json"
    if mpath.exists():
        old = json.loads(mpath.read_text())
        diff = sorted(k for k in set(manifest) if old.get(k) != manifest.get(k))
        if not diff:
            return
        if _committed(out):
            raise CorpusError(f"{out} holds a run with other settings ({', '.join(diff)} differ: "
                              + "; ".join(f"{k}: {old.get(k)!r} -> {manifest.get(k)!r}" for k in diff)
                              + "). Resume with the same settings, or choose a new output folder.")
        for stale in [*out.glob("errors-*.jsonl"), *out.glob("stats-*.json")]:  # of chunks never committed
            stale.unlink()
    _atomic_write(mpath, lambda p: p.write_text(json.dumps({**manifest, "status": "running"}, indent=1)))


def score_corpus(input: str | os.PathLike, output: str | os.PathLike, topic: str | None = None,
                 model: str = DEFAULT_MODEL, text_column: str = "text", id_column: str = "id",
                 output_format: str | None = None, engine: str = "local", batch_articles: int = 64,
                 chunk_articles: int = 256, progress: bool = True, errors: str | None = None,
                 ray_address: str | None = None, attitude_model: str | None = None) -> dict:
    """Score every article of ``input`` into the folder ``output``; return the summary counts.

    Input: JSONL, CSV or Parquet with ``text_column`` and ``id_column``, or a folder of ``.txt`` files (the id is
    the file's path without ``.txt``). ``output_format`` is parquet (default), jsonl or csv. ``engine="ray"``
    runs on Ray Data (``pip install -e '.[ray]'`` in a checkout), on ``ray_address`` or a local Ray (its rows in
    ``output/ray/``; :func:`read_scores` reads both layouts). ``attitude_model``
    takes the attitudes from another model, as in :func:`stance.analyze`.
    """
    src, out = Path(input), Path(output)
    fmt = output_format or (out.suffix.lstrip(".").lower() if out.suffix.lstrip(".").lower() in FORMATS
                            else "parquet")
    if fmt not in FORMATS:
        raise CorpusError(f"unknown output format {fmt!r}; use one of {FORMATS}")
    if engine not in ("local", "ray"):
        raise CorpusError(f"unknown engine {engine!r}; use local or ray")
    for name, v in (("chunk_articles", chunk_articles), ("batch_articles", batch_articles)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:  # 0 divided by zero, -1 wrote
            raise CorpusError(f"{name} (--{name.replace('_', '-')}) must be a whole number of articles, "  # part--01
                              f"1 or more; got {v!r}")
    _check_input(src, text_column, id_column)
    try:
        check_topic(topic)
    except ValueError as e:
        raise CorpusError(str(e)) from None
    if out.exists() and not out.is_dir():
        raise CorpusError(f"{out}: is a file; the output is a folder (one file per chunk of articles)")
    if errors and (Path(errors).is_dir() or not Path(errors).parent.is_dir()):
        raise CorpusError(f"errors file {errors}: " + ("is a folder" if Path(errors).is_dir()
                                                       else f"folder {Path(errors).parent} does not exist"))
    if engine == "local":
        _limit_arenas()
    # a broken model, or one without a head analyze needs, is refused before anything is written (on Ray: by the
    # driver, once, not in every worker)
    analysis_models(model, attitude_model)
    if engine == "ray" and (out / "manifest.json").exists():
        raise CorpusError(f"{out} holds a run of the local engine; a Ray run needs a folder of its own")
    if engine == "local" and (out / "ray").is_dir():
        raise CorpusError(f"{out} holds a Ray run; the local engine needs a folder of its own")
    if engine == "ray":
        from .ray_engine import score_corpus_ray

        summary = score_corpus_ray(src, out, topic, model, text_column, id_column, fmt, batch_articles, ray_address,
                                   attitude_model=attitude_model)
        if errors:
            _write_errors(errors, out)
        return summary
    manifest = {"version": 1, "input": _fingerprint(src), "model": resolve_model(model),
                "topic": topic, "text_column": text_column, "id_column": id_column, "format": fmt,
                "chunk_articles": chunk_articles,
                "attitude_model": resolve_model(attitude_model) if attitude_model else None}
    _open_output(out, manifest)
    mpath = out / "manifest.json"
    for tmp in out.glob("*.tmp"):
        tmp.unlink()
    done = {int(p.name.split("-")[1].split(".")[0]) for p in out.glob(f"part-*.{fmt}")}
    total = count_records(src)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit="article", desc="scoring", smoothing=0.1)
    t0 = time.perf_counter()

    def commit(chunk: int, recs: list[Record]):
        try:
            rows, errs, stats = score_records(recs, topic, model, batch_articles, attitude_model)
        except ScoringStopped as e:
            raise ScoringStopped(f"{src}, {e}. The {len(_committed(out))} chunk(s) committed before it are kept in "
                                 f"{out}: fix the cause and run the same command again to resume") from e
        _atomic_write(out / f"errors-{chunk:06d}.jsonl",
                      lambda p: p.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errs)))
        _atomic_write(out / f"stats-{chunk:06d}.json", lambda p: p.write_text(json.dumps(stats)))
        write_part(out / f"part-{chunk:06d}.{fmt}", rows, fmt)  # the commit point of the chunk
        _release_memory()

    buf: list[Record] = []
    chunk = 0
    try:
        for rec in read_records(src, text_column, id_column):
            c = rec.seq // chunk_articles
            if c != chunk and buf:
                commit(chunk, buf)
                buf = []
            chunk = c
            if c in done:
                if bar is not None:
                    bar.update(1)
                continue
            buf.append(rec)
            if bar is not None:  # a bar without a total (CSV input) has no truth value
                bar.update(1)
        if buf:
            commit(chunk, buf)
    finally:
        if bar is not None:
            bar.close()
    summary = {"scored": 0, "skipped": 0, "failed": 0, "rows": 0}
    for p in sorted(out.glob("stats-*.json")):
        if (out / f"part-{p.name[6:12]}.{fmt}").exists():
            for k, v in json.loads(p.read_text()).items():
                summary[k] += v
    if errors:
        _write_errors(errors, out)
    _atomic_write(mpath, lambda p: p.write_text(json.dumps({**manifest, "status": "complete",
                                                            "summary": summary}, indent=1)))
    summary.update({"output": str(out), "format": fmt, "seconds_this_run": round(time.perf_counter() - t0, 2)})
    return summary


def score_frame(df, text_column: str = "text", id_column: str | None = "id", topic: str | None = None,
                model: str = DEFAULT_MODEL, batch_articles: int = 64, attitude_model: str | None = None):
    """Score a pandas DataFrame in memory: one row per (article, actor). Without ``id_column`` (None, or the
    default ``"id"`` where the frame has no such column) the index is the id. Rows with an empty text give no actor
    rows."""
    import pandas as pd

    if text_column not in df.columns:
        raise CorpusError(f"DataFrame has no column {text_column!r}; it has {list(df.columns)}")
    if id_column not in (None, "id") and id_column not in df.columns:  # a misspelt id column is not the index
        raise CorpusError(f"DataFrame has no column {id_column!r}; it has {list(df.columns)} (id_column=None: the "
                          f"index is the id)")
    ids = df[id_column] if id_column and id_column in df.columns else df.index
    recs = [_norm(a, t, i, f"row {i}", text_column, id_column or "the index")
            for i, (a, t) in enumerate(zip(ids, df[text_column]))]
    bad = [r for r in recs if r.error]
    if bad:
        raise CorpusError(f"{bad[0].where}: {bad[0].error}")
    rows, _, _ = score_records(recs, topic, model, batch_articles, attitude_model)
    return pd.DataFrame(rows, columns=COLUMNS)
