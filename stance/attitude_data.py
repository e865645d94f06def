"""The project's attitude annotations (``stance/resources/attitude``), rebuilt into full rows.

Passages from NewsMTSC (MIT) are stored as text. Passages from DSE and PerSenT, whose terms do not allow
redistribution, are stored as locators (file, line or document and offsets) and rebuilt from the data folder.
"""
from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

from .data import RESOURCES, DataError, _need, _row, clean_dse_sentence

ANNOTATIONS = RESOURCES / "attitude" / "annotations.jsonl"

# Attitude passages taken from sentences that another benchmark holds out (DSE valid/test, NewsMTSC's dev/test
# file, PerSenT dev, which is only ever scored): they stay in the attitude data set, but training leaves them out
# so that no model sees the text of a sentence another benchmark scores it on.
HELD_OUT_ELSEWHERE = ("dse|valid:", "dse|test:", "newsmtsc|devtest_mt:", "newsmtsc|devtest_rw:", "persent|")


def held_out_elsewhere(row_id: str) -> bool:
    """True for an annotation drawn from another benchmark's dev or test file (``tools/merge_annotations.py`` also
    flags passages whose text appears there, and stores the result as ``held_out_elsewhere`` in each record).

    >>> held_out_elsewhere("dse|test:515|4-9"), held_out_elsewhere("dse|train:12|0-5")
    (True, False)
    """
    return row_id.startswith(HELD_OUT_ELSEWHERE)


@lru_cache(maxsize=8)
def _dse_lines(root: str, split: str) -> list[str]:
    path = _need(Path(root) / "dse" / f"{split}.txt", "dse")
    return path.read_text(encoding="utf-8").split("\n")


@lru_cache(maxsize=2)
def _persent_docs(root: str) -> dict[str, str]:
    path = _need(Path(root) / "persent" / "dev.csv", "persent")
    with path.open(encoding="utf-8", newline="") as f:
        return {r["DOCUMENT_INDEX"]: r["DOCUMENT"] for r in csv.DictReader(f)}


def passage_text(rec: dict, root: Path) -> str:
    """The passage of one annotation record: stored text, or rebuilt from the data folder."""
    if rec.get("text") is not None:
        return rec["text"]
    loc = rec["locator"]
    if rec["source"] == "dse":
        line = _dse_lines(str(root), loc["split"])[loc["line"] - 1]
        return clean_dse_sentence(line.split("\t")[0])[0]
    if rec["source"] == "persent":
        return _persent_docs(str(root))[loc["document_index"]][loc["start"]:loc["end"]]
    raise DataError(f"{ANNOTATIONS}: record {rec.get('id')}: no text and unknown source {rec.get('source')!r}")


def _ids_where(keep, path: Path) -> set[str]:
    with path.open(encoding="utf-8") as f:
        return {r["id"] for r in map(json.loads, f) if keep(r)}


def training_excluded_ids(path: Path = ANNOTATIONS) -> set[str]:
    """Ids of the annotations that training leaves out: their passage is another benchmark's dev/test sentence
    (the ``held_out_elsewhere`` flag written by ``tools/merge_annotations.py``; no benchmark file is read)."""
    return _ids_where(lambda r: r.get("held_out_elsewhere"), path)


def ids_after_round(max_round: int, path: Path = ANNOTATIONS) -> set[str]:
    """Ids of the annotations made after annotation round ``max_round`` (a recipe trained before a round pins
    the rounds it read, so that it retrains to the same data)."""
    return _ids_where(lambda r: r.get("round", 1) > max_round, path)


def load_attitude_rows(split: str, root: Path, path: Path = ANNOTATIONS) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            rec = json.loads(line)
            if rec["split"] != split:
                continue
            text = passage_text(rec, root)
            s, e = rec["holder_start"], rec["holder_end"]
            if text[s:e] != rec["holder"]:
                raise DataError(f"{path}:{n}: holder {rec['holder']!r} not at [{s}, {e}) of the rebuilt passage "
                                f"(is the {rec['source']} file in {root} the published version?)")
            rows.append(_row(rec["id"], text, rec["label"], "attitude", rec["holder"], s, e, group=rec["source"]))
    return rows


ARTICLES = RESOURCES / "attitude" / "articles.jsonl"


def load_article_rows(split: str, root: Path, path: Path = ARTICLES, targeted: str | None = None) -> list[dict]:
    """The article-level attitude set (``attitude-articles``): one row per (PerSenT dev article, actor), the text
    being the whole article and the target the actor's first mention as ``stance.analyze`` found it when the
    article was read. Actors a reader marked ``not_actor`` are left out. Articles are rebuilt from the data folder.

    The data set is the rounds of randomly drawn articles. A round drawn for one question (records with a
    ``targeted`` field, e.g. ``"possessors"``: articles where a candidate rule changes an answer) is not a random
    sample and is read only when asked for by that name.
    """
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            rec = json.loads(line)
            if rec["split"] != split or rec["label"] == "not_actor" or rec.get("targeted") != targeted:
                continue
            doc = _persent_docs(str(root)).get(rec["doc"])
            if doc is None:
                raise DataError(f"{path}:{n}: PerSenT document {rec['doc']!r} is not in {root}/persent/dev.csv")
            s, e = rec["start"], rec["end"]
            if doc[s:e] != rec["mention"]:
                raise DataError(f"{path}:{n}: mention {rec['mention']!r} not at [{s}, {e}) of document {rec['doc']} "
                                f"(is {root}/persent/dev.csv the published version?)")
            rows.append(_row(f"persent|{rec['doc']}|{rec['actor']}", doc, rec["label"], "attitude", rec["actor"],
                             s, e, group=rec["type"]))
    return rows
