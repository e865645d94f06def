"""Corpus scoring on Ray Data (``pip install -e '.[ray]'`` in a checkout of this repository): the same rows as the
local engine.

Records are read and checked on the driver (bad records go to ``errors-000000.jsonl``, which
:func:`stance.corpus.read_errors` reads as it reads a local run's), handed to Ray in blocks, scored by
``map_batches`` over a pool of actors that each load the model once, and written as Parquet parts under
``OUTPUT/ray/``. Point ``ray_address`` (or ``RAY_ADDRESS``) at an existing cluster to scale out. The driver sends
the workers the model folder's absolute path as it sees it: that path must hold the same model on every node (a
checkout of this repository at the same path, or ``models/`` on shared storage mounted at the same path). A Ray run
does not resume: an output folder that already holds one is refused.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .corpus import COLUMNS, CorpusError, _arrow_table, actor_rows, read_records

BLOCK = 5000


class _Scorer:
    """Ray actor: loads the model once, scores batches of articles into Arrow tables of actor rows."""

    def __init__(self, model: str, topic: str | None, batch_articles: int, attitude_model: str | None = None):
        import torch

        torch.set_num_threads(1)
        from .registry import load_model

        self.model, self.topic, self.batch, self.attitude_model = model, topic, batch_articles, attitude_model
        load_model(model)
        if attitude_model:
            load_model(attitude_model)

    def __call__(self, batch):
        from .analysis import analyze_many

        ids, texts = list(batch["article_id"]), list(batch["text"])
        rows = []
        for i in range(0, len(texts), self.batch):
            results = analyze_many(texts[i:i + self.batch], self.topic, self.model,
                                   attitude_model=self.attitude_model)
            for aid, res in zip(ids[i:i + self.batch], results):
                rows.extend(actor_rows(str(aid), res))
        return _arrow_table(rows)


def score_corpus_ray(src: Path, out: Path, topic, model, text_column, id_column, fmt, batch_articles,
                     ray_address=None, actors: int | None = None, attitude_model: str | None = None) -> dict:
    try:
        import ray
    except ImportError as e:
        raise CorpusError("engine 'ray' needs Ray Data: pip install -e '.[ray]' in a checkout of this "
                          "repository") from e
    if fmt != "parquet":
        raise CorpusError("engine 'ray' writes Parquet; use --format parquet (or the local engine for jsonl/csv)")
    from .registry import resolve_model

    model = resolve_model(model)
    attitude_model = resolve_model(attitude_model) if attitude_model else None
    if (out / "ray").exists() and any((out / "ray").iterdir()):
        raise CorpusError(f"{out} already holds a Ray run ({out / 'ray'}); a Ray run does not resume: choose a new "
                          f"output folder, or delete that one to score again")
    started = False
    if not ray.is_initialized():
        addr = ray_address or os.environ.get("RAY_ADDRESS")
        ray.init(address=addr, num_cpus=None if addr else os.cpu_count(), include_dashboard=False,
                 log_to_driver=False, ignore_reinit_error=True)
        started = True
    try:
        out.mkdir(parents=True, exist_ok=True)
        summary = {"scored": 0, "skipped": 0, "failed": 0}
        blocks, buf = [], []
        with open(out / "errors-000000.jsonl", "w", encoding="utf-8") as ef:
            for r in read_records(src, text_column, id_column):
                if r.error or not r.text.strip():
                    reason = r.error or "empty text (skipped)"
                    summary["failed" if r.error else "skipped"] += 1
                    ef.write(json.dumps({"where": r.where, "article_id": r.article_id, "reason": reason}) + "\n")
                    continue
                summary["scored"] += 1
                buf.append({"article_id": r.article_id, "text": r.text})
                if len(buf) >= BLOCK:
                    blocks.append(ray.data.from_items(buf))
                    buf = []
        if buf:
            blocks.append(ray.data.from_items(buf))
        if not blocks:
            return {**summary, "rows": 0, "output": str(out), "format": fmt, "engine": "ray"}
        ds = blocks[0].union(*blocks[1:]) if len(blocks) > 1 else blocks[0]
        n_actors = actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
        scored = ds.map_batches(_Scorer, batch_size=batch_articles * 2, batch_format="pandas",
                                fn_constructor_kwargs={"model": model, "topic": topic,
                                                       "batch_articles": batch_articles,
                                                       "attitude_model": attitude_model},
                                compute=ray.data.ActorPoolStrategy(size=n_actors), num_cpus=1)
        scored.write_parquet(str(out / "ray"))
        import pyarrow.parquet as pq

        rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (out / "ray").glob("*.parquet"))
        return {**summary, "rows": rows, "output": str(out), "format": fmt, "engine": "ray", "actors": n_actors}
    finally:
        if started:
            ray.shutdown()


def read_ray_output(out: str | os.PathLike):
    import pandas as pd

    parts = sorted((Path(out) / "ray").glob("*.parquet"))
    frames = [pd.read_parquet(p) for p in parts]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
