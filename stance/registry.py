"""Where models live and how a name becomes a loaded model: shipped names, folders and ensembles (``a+b``), each
loaded once and shared read-only. Kept apart from :mod:`stance.estimator` so that ``analyze`` and corpus scoring
load models without importing scikit-learn (about a second of a command's start-up).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .backbone import ModelError
from .modeling import StanceModel

DEFAULT_MODEL = "default"


def models_dir() -> Path:
    """Where shipped models live: ``$STANCE_MODELS`` or the repository's ``models/`` folder."""
    return Path(os.environ.get("STANCE_MODELS", Path(__file__).resolve().parents[1] / "models"))


def model_path(name_or_path: str | os.PathLike) -> Path:
    p = Path(name_or_path)
    if (p / "config.json").exists():
        return p
    shipped = models_dir() / str(name_or_path)
    if (shipped / "config.json").exists():
        return shipped
    avail = sorted(d.name for d in models_dir().glob("*") if (d / "config.json").exists())
    raise ModelError(f"no model {str(name_or_path)!r}: not a model folder, and not one of the shipped models "
                     f"{avail} in {models_dir()}")


def _stamp(path: str) -> tuple:
    """What the folder's model files are now (name, size, modification time): a folder saved again since it was
    loaded is loaded again, not served from the cache."""
    out = []
    for p in sorted(Path(path).rglob("*")):
        if p.suffix in (".json", ".safetensors") and p.is_file():
            st = p.stat()
            out.append((str(p.relative_to(path)), st.st_size, st.st_mtime_ns))
    return tuple(out)


def _load_cached(path: str) -> StanceModel:
    return _load_stamped(path, _stamp(path))


@lru_cache(maxsize=4)
def _load_stamped(path: str, stamp: tuple) -> StanceModel:
    return StanceModel.load(path)


def _ensemble_parts(name_or_path) -> list[str] | None:
    """The member names of an ensemble name (``"default+mpnet-attitude"``); None for one model (a folder whose own
    name holds a ``+`` is one model)."""
    from .ensemble import SEPARATOR, is_ensemble_name

    if not is_ensemble_name(name_or_path) or (Path(name_or_path) / "config.json").exists() \
            or (models_dir() / str(name_or_path) / "config.json").exists():
        return None
    parts = [p.strip() for p in str(name_or_path).split(SEPARATOR)]
    if any(not p for p in parts):
        raise ModelError(f"model name {str(name_or_path)!r}: an empty name between '{SEPARATOR}' signs")
    return parts


def resolve_model(name_or_path) -> str:
    """The absolute folder of a model name or folder; of each member, joined with ``+``, for an ensemble (what
    corpus manifests record, so a resumed run checks it scores with the same weights)."""
    from .ensemble import SEPARATOR

    parts = _ensemble_parts(name_or_path)
    return SEPARATOR.join(str(model_path(p).resolve()) for p in (parts or [name_or_path]))


def _load_ensemble(paths: tuple[str, ...], names: tuple[str, ...]):
    return _load_ensemble_stamped(paths, names, tuple(_stamp(p) for p in paths))


@lru_cache(maxsize=4)
def _load_ensemble_stamped(paths: tuple[str, ...], names: tuple[str, ...], stamps: tuple):
    from .ensemble import ModelEnsemble

    return ModelEnsemble([_load_cached(p) for p in paths], names)


def load_model(name_or_path: str | os.PathLike = DEFAULT_MODEL) -> StanceModel:
    """The shared (cached, read-only) :class:`StanceModel` of a shipped name or folder; for a name joined with
    ``+`` (``"default+mpnet-attitude"``), a :class:`~stance.ensemble.ModelEnsemble` of those models."""
    parts = _ensemble_parts(name_or_path)
    if parts:
        return _load_ensemble(tuple(str(model_path(p).resolve()) for p in parts), tuple(parts))
    return _load_cached(str(model_path(name_or_path).resolve()))
