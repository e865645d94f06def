"""Recipes: the staged training that builds shipped models (on a toy mixture, so no data folder is needed)."""
import json

from stance.encoding import Item
from stance.labels import TASK_LABELS
from stance.modeling import StanceModel
from stance.recipes import RECIPES, run
from stance.training import TaskData


def _toy(task, n):
    labels = TASK_LABELS[task]
    items, ys = [], []
    for i in range(n):
        text = f"Officials in Oslo said item {i} was discussed by Anna."
        items.append(Item(text, text.index("Oslo"), text.index("Oslo") + 4, holder_start=text.index("Anna"),
                          holder_end=text.index("Anna") + 4))
        ys.append(i % len(labels))
    return TaskData(items, ys)


def test_every_recipe_names_a_backbone_and_valid_stages():
    for name, spec in RECIPES.items():
        assert spec["backbone"] in ("minilm", "mpnet"), name
        for st in spec["stages"]:
            assert st["epochs"] > 0 and set(st) <= {"epochs", "caps", "lr", "class_weight_power", "stop_at_step",
                                                    "distill", "attitude_max_round", "augment",
                                                    "lora_r", "train_tasks", "freeze", "branch"}
            for d in ([st["distill"]] if isinstance(st.get("distill"), dict) else st.get("distill", [])):
                # the teacher is itself a recipe, trained first by `make models`
                assert d["teacher"] in RECIPES and d["task"] in TASK_LABELS


def test_staged_run_saves_a_loadable_model_with_its_history(tmp_path):
    tasks = ["sentiment", "attitude"]
    sets = ({t: _toy(t, 32) for t in tasks}, {t: _toy(t, 16) for t in tasks})
    spec = {"backbone": "minilm", "seed": 1, "stages": [
        {"epochs": 1.0, "caps": {"sentiment": 16}},
        {"epochs": 2.0, "lr": 1e-4, "class_weight_power": 0.5, "stop_at_step": 2, "lora_r": 24}]}
    out = run("toy", tmp_path / "toy", spec=spec, sets=sets, device="cpu")
    hist = json.loads((out / "history.json").read_text())
    # stage 2 widened the adapters (16 -> 24) at the same scale; the folder loads at the new rank
    assert json.loads((out / "config.json").read_text())["hyperparameters"]["lora_r"] == 24
    assert len(hist) == 2 and hist[1]["stopped_by_time"] == 2
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["backbone"] == "minilm" and cfg["info"]["recipe_spec"] == spec
    assert len(cfg["info"]["stage_seconds"]) == 2
    assert "Stage 2" in (out / "README.md").read_text()
    m = StanceModel.load(out)
    assert m.hp["lora_r"] == 24 and m.hp["lora_alpha"] == 48
    assert m.predict_proba(sets[1]["attitude"].items[:3], "attitude").shape == (3, len(TASK_LABELS["attitude"]))


def test_a_stage_the_recipe_lacks_is_refused_before_any_work(tmp_path):
    import pytest

    n = len(RECIPES["default"]["stages"])
    with pytest.raises(SystemExit, match=f"has stages 1..{n}"):
        run("default", tmp_path / "x", stage=n + 1, sets=({}, {}))
    assert not (tmp_path / "x").exists()


def test_a_distillation_stage_trains_on_the_teachers_probabilities(tmp_path):
    teacher = StanceModel.tiny({"sentiment": TASK_LABELS["sentiment"]}, seed=2)
    teacher.save(tmp_path / "teacher")
    sets = ({"sentiment": _toy("sentiment", 32)}, {"sentiment": _toy("sentiment", 16)})
    spec = {"backbone": "minilm", "seed": 1, "stages": [
        {"epochs": 1.0, "distill": {"teacher": str(tmp_path / "teacher"), "task": "sentiment", "alpha": 0.9}}]}
    out = run("toy", tmp_path / "student", spec=spec, sets=sets, device="cpu")
    hist = json.loads((out / "history.json").read_text())
    assert hist[0]["teachers"][0]["items"] == 32 and hist[0]["teachers"][0]["gold_labelled"] == 32
    assert json.loads((out / "config.json").read_text())["info"]["training"]["distill_alpha"] == 0.9


def test_a_teacher_without_the_task_is_refused(tmp_path):
    import pytest

    StanceModel.tiny({"stance": TASK_LABELS["stance"]}, seed=2).save(tmp_path / "teacher")
    spec = {"backbone": "minilm", "seed": 1, "stages": [
        {"epochs": 1.0, "distill": {"teacher": str(tmp_path / "teacher"), "task": "sentiment"}}]}
    with pytest.raises(ValueError, match="has no 'sentiment' head"):
        run("toy", tmp_path / "student", spec=spec, sets=({"sentiment": _toy("sentiment", 8)}, {}), device="cpu")


def test_an_augmenting_stage_adds_reported_speech_pairs(tmp_path):
    tasks = ["sentiment", "attitude"]
    sets = ({t: _toy(t, 14) for t in tasks}, {t: _toy(t, 7) for t in tasks})
    spec = {"backbone": "minilm", "seed": 1, "stages": [
        {"epochs": 1.0, "augment": {"reported_speech": 5}, "stop_at_step": 1}]}
    out = run("toy", tmp_path / "toy", spec=spec, sets=sets, device="cpu")
    hist = json.loads((out / "history.json").read_text())
    assert hist[0]["augmented"] == {"reported_speech_pairs": 10}


def test_a_swap_roles_stage_adds_each_directed_pair_read_from_the_other_side(tmp_path):
    sets = ({"directed": _toy("directed", 12)}, {"directed": _toy("directed", 6)})
    spec = {"backbone": "minilm", "seed": 1, "stages": [
        {"epochs": 1.0, "augment": {"swap_roles": True}, "stop_at_step": 1}]}
    out = run("toy", tmp_path / "toy", spec=spec, sets=sets, device="cpu")
    assert json.loads((out / "history.json").read_text())[0]["augmented"] == {"swapped_role_pairs": 12}


def test_a_head_only_stage_trains_one_head_and_leaves_the_rest(tmp_path):
    from safetensors.torch import load_file

    tasks = ["sentiment", "attitude"]
    sets = ({t: _toy(t, 16) for t in tasks}, {t: _toy(t, 8) for t in tasks})
    spec = {"backbone": "minilm", "seed": 1, "stages": [
        {"epochs": 1.0, "stop_at_step": 1},
        {"epochs": 1.0, "train_tasks": ["sentiment"], "freeze": "encoder", "lr": 1e-2, "stop_at_step": 2}]}
    first = run("toy", tmp_path / "s1", spec={**spec, "stages": spec["stages"][:1]}, sets=sets, device="cpu")
    second = run("toy", tmp_path / "s2", spec=spec, sets=sets, device="cpu", stage=2, init=first)
    a, b = load_file(str(first / "adapter.safetensors")), load_file(str(second / "adapter.safetensors"))
    changed = {k for k in a if not (a[k] == b[k]).all()}
    assert changed and all(k.startswith("heads.sentiment.") for k in changed), changed
    hist = json.loads((second / "history.json").read_text())
    assert list(hist[-1]["calibration"]) == ["sentiment"]  # only the trained task is recalibrated
    assert set(a) == set(b)  # the frozen parts are still saved: the folder is a whole model
    m = StanceModel.load(second)
    assert set(m.labels) == set(tasks)


def test_unknown_stage_options_are_refused_before_any_work(tmp_path):
    import pytest

    sets = ({"sentiment": _toy("sentiment", 8)}, {"sentiment": _toy("sentiment", 4)})
    spec = {"backbone": "minilm", "seed": 1, "stages": [
        {"epochs": 1.0, "stop_at_step": 1}, {"epochs": 1.0, "freeze": "adapters", "stop_at_step": 1}]}
    with pytest.raises(ValueError, match="stage 2 .*freeze='adapters'"):
        run("toy", tmp_path / "toy", spec=spec, sets=sets, device="cpu")
    assert not (tmp_path / "toy").exists()  # refused before stage 1 trained or any folder was made
    spec["stages"][1] = {"epochs": 1.0, "train_tasks": ["sentimnet"]}
    with pytest.raises(ValueError, match=r"train_tasks \['sentimnet'\] are not tasks"):
        run("toy", tmp_path / "toy", spec=spec, sets=sets, device="cpu")


def test_a_branch_stage_trains_its_own_adapters_and_leaves_the_shared_ones(tmp_path):
    from safetensors.torch import load_file

    tasks = ["sentiment", "attitude"]
    sets = ({t: _toy(t, 16) for t in tasks}, {t: _toy(t, 8) for t in tasks})
    spec = {"backbone": "minilm", "seed": 1, "stages": [
        {"epochs": 1.0, "stop_at_step": 1},
        {"epochs": 1.0, "branch": "sentiment", "lr": 1e-2, "stop_at_step": 2}]}
    first = run("toy", tmp_path / "s1", spec={**spec, "stages": spec["stages"][:1]}, sets=sets, device="cpu")
    second = run("toy", tmp_path / "s2", spec=spec, sets=sets, device="cpu", stage=2, init=first)
    a, b = load_file(str(first / "adapter.safetensors")), load_file(str(second / "adapter.safetensors"))
    # the shared weights are stage 1's, less the shared sentiment head, which the branch replaces
    assert set(b) == {k for k in a if not k.startswith("heads.sentiment.")} and all((a[k] == b[k]).all() for k in b)
    br = load_file(str(second / "branches" / "sentiment" / "adapter.safetensors"))
    assert not any(k.startswith("heads.attitude") for k in br)
    assert any(not (br[k] == a[k]).all() for k in br if ".lora_" in k)  # the branch's adapters learned
    m = StanceModel.load(second)
    assert sorted(m.branches) == ["sentiment"] and set(m.labels) == set(tasks)
    hist = json.loads((second / "history.json").read_text())
    assert hist[-1]["branch"] == "sentiment" and list(hist[-1]["calibration"]) == ["sentiment"]


def test_a_later_stage_without_init_is_refused_before_anything_is_made(tmp_path, capsys):
    import pytest

    from stance.recipes import main

    with pytest.raises(SystemExit):
        main(["default", "--stage", "2", "--out", str(tmp_path / "out")])
    assert "--stage 2 needs --init DIR" in capsys.readouterr().err and not (tmp_path / "out").exists()
