import random

import numpy as np

from stance.encoding import Item
from stance.modeling import StanceModel
from stance.training import TaskData, TrainingArguments, train


def toy(n, seed):
    """Label = the verb next to the marked target; the other name in the sentence has the opposite verb."""
    rng = random.Random(seed)
    items, ys = [], []
    for _ in range(n):
        good, bad = rng.sample(["Anna", "Boris", "Chen", "Dana", "Emil", "Farah"], 2)
        text = f"{good} praised the plan while {bad} attacked it."
        if rng.random() < 0.5:
            items.append(Item(text, 0, len(good)))
            ys.append(1)
        else:
            s = text.index(bad)
            items.append(Item(text, s, s + len(bad)))
            ys.append(0)
    return TaskData(items, ys)


def test_training_learns_target_dependent_labels(tmp_path):
    model = StanceModel.tiny({"toy": ["neg", "pos"]}, seed=1)
    args = TrainingArguments(epochs=6, batch_size=16, learning_rate=3e-3, evals_per_epoch=1, patience=10,
                             log_file=str(tmp_path / "train.log"))
    hist = train(model, {"toy": toy(320, 0)}, {"toy": toy(80, 1)}, args, progress=False)
    test = toy(100, 2)
    pred = model.predict_proba(test.items, "toy").argmax(1)
    acc = float((pred == np.array(test.labels)).mean())
    # Same sentence, two targets, opposite labels: only a target-aware model gets above chance.
    assert acc > 0.9, acc
    assert hist["best_dev_mean"] > 0.9
    assert "eval step" in (tmp_path / "train.log").read_text()
    assert "toy" in hist["calibration"]


def test_seeded_training_is_reproducible():
    def run():
        m = StanceModel.tiny({"toy": ["neg", "pos"]}, seed=3)
        train(m, {"toy": toy(64, 0)}, None, TrainingArguments(epochs=1, batch_size=16, seed=7), progress=False)
        return m.predict_proba(toy(10, 5).items, "toy")

    np.testing.assert_allclose(run(), run(), atol=1e-5)


def test_early_stopping_stops_and_keeps_best():
    m = StanceModel.tiny({"toy": ["neg", "pos"]}, seed=4)
    args = TrainingArguments(epochs=30, batch_size=16, learning_rate=0.0, evals_per_epoch=1, patience=2)
    hist = train(m, {"toy": toy(64, 0)}, {"toy": toy(32, 1)}, args, progress=False)
    assert len(hist["evals"]) == 3  # lr 0: no improvement after the first eval, stop after `patience` more


def test_stop_at_step_keeps_the_schedule_and_evaluates_there():
    m = StanceModel.tiny({"toy": ["neg", "pos"]}, seed=5)
    args = TrainingArguments(epochs=4, batch_size=16, evals_per_epoch=1, patience=10, stop_at_step=5, device="cpu")
    hist = train(m, {"toy": toy(64, 0)}, {"toy": toy(32, 1)}, args, progress=False)
    assert hist["steps"] == 16  # the schedule still spans 4 epochs of 4 steps
    assert hist["stopped_by_time"] == 5
    assert hist["evals"][-1]["step"] == 5  # the state it stops in is scored, so the best one is kept


def test_time_budget_stops_training():
    m = StanceModel.tiny({"toy": ["neg", "pos"]}, seed=6)
    args = TrainingArguments(epochs=200, batch_size=16, evals_per_epoch=1, patience=1000, max_seconds=0.5)
    hist = train(m, {"toy": toy(64, 0)}, {"toy": toy(32, 1)}, args, progress=False)
    assert 0 < hist["stopped_by_time"] < hist["steps"]
    assert "calibration" in hist


def test_distillation_learns_from_the_teacher_probabilities():
    # Gold labels all "neg" (useless); the teacher's probabilities carry the target-dependent answer. With the whole
    # loss on the teacher term the student must learn the teacher's labels; with none on it, only the gold ones.
    data = toy(320, 0)
    soft = [[0.05, 0.95] if y == 1 else [0.95, 0.05] for y in data.labels]
    test = toy(100, 2)

    def student(alpha):
        m = StanceModel.tiny({"toy": ["neg", "pos"]}, seed=1)
        d = TaskData(data.items, [0] * len(data.items), soft=soft)
        train(m, {"toy": d}, None, TrainingArguments(epochs=6, batch_size=16, learning_rate=3e-3,
                                                     distill_alpha=alpha), progress=False)
        return float((m.predict_proba(test.items, "toy").argmax(1) == np.array(test.labels)).mean())

    assert student(1.0) > 0.9
    assert student(0.0) < 0.6  # the gold labels alone give one class


def test_task_data_rejects_mismatched_teacher_rows():
    import pytest

    with pytest.raises(ValueError, match="teacher probabilities"):
        TaskData([Item("Anna spoke.", 0, 4)], [0], soft=[[0.5, 0.5], [0.5, 0.5]])
