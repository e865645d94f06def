"""Turn (passage, target[, holder]) items into marked token sequences.

The target (and holder) are marked *inside* the passage with learned marker embeddings, so two targets of one
sentence give two different inputs. A target that the text does not quote (a stance topic such as "Atheism")
is appended as a second segment and marked there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

T_OPEN, T_CLOSE, H_OPEN, H_CLOSE = 1, 2, 3, 4


class InputError(ValueError):
    """An input row is unusable; the message names the row and the field."""


@dataclass(frozen=True)
class Item:
    """One input: ``text`` with the target at ``[target_start, target_end)``, or ``target_start=None`` and
    ``topic`` set when the target is a topic not quoted in the text. ``holder_*`` marks a second entity."""

    text: str
    target_start: int | None = None
    target_end: int | None = None
    topic: str | None = None
    holder_start: int | None = None
    holder_end: int | None = None

    def validate(self, row: int | str = "?") -> "Item":
        if not isinstance(self.text, str) or not self.text.strip():
            raise InputError(f"row {row}: empty text")
        n = len(self.text)
        if self.target_start is None:
            if not self.topic:
                raise InputError(f"row {row}: no target (neither a span in the text nor a topic)")
        elif not (0 <= self.target_start < self.target_end <= n):
            raise InputError(f"row {row}: target span [{self.target_start}, {self.target_end}) is outside the text "
                             f"(length {n})")
        if self.holder_start is not None and not (0 <= self.holder_start < (self.holder_end or -1) <= n):
            raise InputError(f"row {row}: holder span [{self.holder_start}, {self.holder_end}) is outside the text "
                             f"(length {n})")
        return self


@dataclass
class Encoded:
    input_ids: list[int]
    markers: list[int]
    target_pos: int
    holder_pos: int  # -1 when there is no holder
    truncated: bool


def _token_range(offsets, start: int, end: int) -> tuple[int, int]:
    toks = [i for i, (a, b) in enumerate(offsets) if a < end and b > start and b > a]
    if not toks:  # a span of whitespace or punctuation the tokenizer dropped: take the next token
        toks = [next((i for i, (a, _) in enumerate(offsets) if a >= start), max(len(offsets) - 1, 0))]
    return toks[0], toks[-1]


def encode(tokenizer, items: Sequence[Item], max_length: int = 128) -> list[Encoded]:
    """Encode items for the model (one tokenizer call for the whole list)."""
    enc = tokenizer([it.text for it in items], add_special_tokens=False, return_offsets_mapping=True,
                    verbose=False)  # passages longer than the model are windowed below, not cut
    topics = [it.topic for it in items if it.target_start is None]
    topic_ids = iter(tokenizer(topics, add_special_tokens=False)["input_ids"]) if topics else iter(())
    cls, sep, unk = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.unk_token_id
    out = []
    for it, ids, offs in zip(items, enc["input_ids"], enc["offset_mapping"]):
        before: dict[int, list[int]] = {}
        after: dict[int, list[int]] = {}
        if it.target_start is not None and ids:
            a, b = _token_range(offs, it.target_start, it.target_end)
            before.setdefault(a, []).append(T_OPEN)
            after.setdefault(b, []).insert(0, T_CLOSE)
        if it.holder_start is not None and ids:
            a, b = _token_range(offs, it.holder_start, it.holder_end)
            before.setdefault(a, []).append(H_OPEN)
            after.setdefault(b, []).insert(0, H_CLOSE)
        body_ids, body_mk = [], []
        for i, tok in enumerate(ids):
            for m in before.get(i, ()):
                body_ids.append(unk)
                body_mk.append(m)
            body_ids.append(tok)
            body_mk.append(0)
            for m in after.get(i, ()):
                body_ids.append(unk)
                body_mk.append(m)
        tail_ids: list[int] = []
        tail_mk: list[int] = []
        if it.target_start is None:
            t = next(topic_ids)[: max_length // 4]
            tail_ids = [unk] + t + [unk, sep]
            tail_mk = [T_OPEN] + [0] * len(t) + [T_CLOSE, 0]
        budget = max_length - 2 - len(tail_ids)
        truncated = len(body_ids) > budget
        if truncated:  # keep a window around the marked spans
            marks = [i for i, m in enumerate(body_mk) if m]
            if marks:
                lo, hi = min(marks), max(marks)
                if hi - lo + 1 > budget:  # holder and target too far apart: keep the target
                    tmarks = [i for i, m in enumerate(body_mk) if m in (T_OPEN, T_CLOSE)] or marks
                    lo, hi = min(tmarks), max(tmarks)
                centre = (lo + hi) // 2
                start = min(max(0, centre - budget // 2), len(body_ids) - budget)
            else:
                start = 0
            body_ids, body_mk = body_ids[start:start + budget], body_mk[start:start + budget]
        seq = [cls] + body_ids + [sep] + tail_ids
        mk = [0] + body_mk + [0] + tail_mk
        tpos = mk.index(T_OPEN) if T_OPEN in mk else 0
        hpos = mk.index(H_OPEN) if H_OPEN in mk else -1
        out.append(Encoded(seq, mk, tpos, hpos, truncated))
    return out


def collate(batch: Sequence[Encoded], pad_id: int = 0, multiple_of: int = 1) -> dict[str, torch.Tensor]:
    """Pad a batch to its own longest sequence (dynamic padding), rounded up to ``multiple_of`` (1: no rounding;
    inference pads to exact lengths, the per-shape kernel caches being bounded in ``stance/__init__.py``)."""
    n = max(len(e.input_ids) for e in batch)
    n = -(-n // multiple_of) * multiple_of
    ids = torch.full((len(batch), n), pad_id, dtype=torch.long)
    mk = torch.zeros((len(batch), n), dtype=torch.long)
    att = torch.zeros((len(batch), n), dtype=torch.long)
    for i, e in enumerate(batch):
        L = len(e.input_ids)
        ids[i, :L] = torch.tensor(e.input_ids)
        mk[i, :L] = torch.tensor(e.markers)
        att[i, :L] = 1
    return {"input_ids": ids, "attention_mask": att, "markers": mk,
            "target_pos": torch.tensor([e.target_pos for e in batch]),
            "holder_pos": torch.tensor([e.holder_pos for e in batch])}


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Batches of indices with similar lengths, so padding is small; order of batches is by length."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
