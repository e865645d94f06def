import subprocess
import sys

import pytest

from stance.backbone import ModelError
from stance.registry import load_model, model_path, resolve_model


def test_analysis_and_corpus_scoring_load_models_without_scikit_learn():
    # scikit-learn (with scipy) costs about a second of every `stance analyze` / `stance score` start-up
    code = ("import sys, stance.analysis, stance.corpus, stance.registry; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_a_folder_and_a_shipped_name_resolve_to_the_same_model(tiny_model_dir):
    assert model_path(tiny_model_dir) == tiny_model_dir
    assert resolve_model(str(tiny_model_dir)) == str(tiny_model_dir.resolve())
    assert load_model(tiny_model_dir) is load_model(str(tiny_model_dir))  # loaded once, shared


def test_an_unknown_model_name_lists_the_shipped_ones():
    with pytest.raises(ModelError, match=r"no model 'nope'.*'default'"):
        model_path("nope")


def test_a_folder_saved_again_is_loaded_again(tmp_path):
    from stance.modeling import StanceModel
    from stance.registry import load_model

    StanceModel.tiny({"frame": ["a", "b"]}, seed=1).save(tmp_path / "m")
    first = load_model(str(tmp_path / "m"))
    assert load_model(str(tmp_path / "m")) is first  # loaded once while the folder stays as it was
    StanceModel.tiny({"frame": ["b", "c", "a"]}, seed=2).save(tmp_path / "m")
    again = load_model(str(tmp_path / "m"))
    assert again is not first and again.labels["frame"] == ["b", "c", "a"]
