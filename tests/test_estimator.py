import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from stance.encoding import InputError
from stance.estimator import StanceClassifier
from stance.modeling import StanceModel

ROWS = [("Anna praised the plan while Boris attacked it.", "Anna"),
        ("Anna praised the plan while Boris attacked it.", "Boris")] * 12
LABELS = ["supportive", "critical"] * 12


@pytest.fixture()
def base():
    return StanceModel.tiny({"attitude": ["supportive", "critical", "uneasy", "dismissive", "conciliatory",
                                          "threatening", "neutral"]}, seed=2)


def test_sklearn_contract(base):
    clf = StanceClassifier(task="attitude", model=base, epochs=1, learning_rate=1e-3)
    c2 = clone(clf)
    assert c2.get_params()["epochs"] == 1 and c2.get_params()["model"].labels == base.labels
    c2.set_params(epochs=2)
    assert c2.epochs == 2 and clf.epochs == 1
    assert clf.fit(ROWS, LABELS) is clf
    proba = clf.predict_proba(ROWS[:4])
    assert proba.shape == (4, len(clf.classes_))
    np.testing.assert_allclose(proba.sum(1), 1, atol=1e-5)
    assert list(clf.predict(ROWS[:4])) == list(clf.classes_[proba.argmax(1)])
    assert "model_" not in clone(clf).__dict__  # learned state is not cloned


def test_fit_does_not_change_the_base_model(base):
    before = base.heads["attitude"].net[-1].weight.detach().clone()
    StanceClassifier(task="attitude", model=base, epochs=1).fit(ROWS, LABELS)
    assert (base.heads["attitude"].net[-1].weight == before).all()


def test_inputs_dataframe_dataset_and_dicts(base):
    clf = StanceClassifier(task="attitude", model=base)
    df = pd.DataFrame({"text": [r[0] for r in ROWS[:2]], "target": [r[1] for r in ROWS[:2]]})
    from datasets import Dataset

    p1 = clf.predict_proba(df)
    p2 = clf.predict_proba(Dataset.from_pandas(df))
    p3 = clf.predict_proba(df.to_dict("records"))
    np.testing.assert_allclose(p1, p2, atol=1e-6)
    np.testing.assert_allclose(p1, p3, atol=1e-6)


def test_fit_refuses_empty_rows_and_unlabelled_dev_rows(base):
    clf = StanceClassifier(task="attitude", model=base, epochs=1)
    with pytest.raises(ValueError, match="at least one training row"):
        clf.fit([], [])
    with pytest.raises(ValueError, match="X_dev needs labels"):
        clf.fit(ROWS, LABELS, X_dev=ROWS[:2])
    with pytest.raises(ValueError, match=r"batch_size \(--batch-size\) must be a whole number, 1 or more; got 0"):
        StanceClassifier(task="attitude", model=base, batch_size=0).fit(ROWS, LABELS)
    for epochs in (0, -1):
        with pytest.raises(ValueError, match=r"epochs \(--epochs\) must be more than 0"):
            StanceClassifier(task="attitude", model=base, epochs=epochs).fit(ROWS, LABELS)


def test_unknown_label_needs_new_labels(base):
    clf = StanceClassifier(task="attitude", model=base, epochs=1)
    with pytest.raises(ValueError, match=r"row 1: label 'defiant' is not in the 'attitude' label set"):
        clf.fit(ROWS[:4], ["supportive", "defiant", "critical", "critical"])
    clf.set_params(new_labels=True).fit(ROWS, ["defiant" if i % 3 == 0 else l for i, l in enumerate(LABELS)])
    assert "defiant" in clf.classes_ and clf.predict_proba(ROWS[:1]).shape == (1, 8)


def test_bad_rows_name_the_row(base):
    clf = StanceClassifier(task="attitude", model=base)
    with pytest.raises(InputError, match="row 1: empty text"):
        clf.predict([("fine text", "fine"), ("", "x")])
    with pytest.raises(InputError, match="needs columns 'text' and 'target'"):
        clf.predict(pd.DataFrame({"body": ["x"]}))
    with pytest.raises(InputError, match="row 0: target span"):
        clf.predict([{"text": "short", "target_start": 3, "target_end": 99}])
    with pytest.raises(InputError, match=r"row 1: target span offsets must be whole numbers, got 0.5"):
        clf.predict([("fine text", (0, 4)), ("fine text", (0.5, 2.7))])
    with pytest.raises(InputError, match=r"row 0: target span offsets must be whole numbers, got 'a'"):
        clf.predict([("fine text", ("a", "b"))])
    with pytest.raises(InputError, match="row 0: text is a int, not a string"):
        clf.predict([(5, "x")])
    with pytest.raises(InputError, match="row 1: empty target"):
        clf.predict([("fine text", "fine"), ("fine text", " ")])
    # a numpy array of rows is read like the list it holds
    np.testing.assert_allclose(clf.predict_proba(np.array(ROWS[:2], dtype=object)), clf.predict_proba(ROWS[:2]))
    with pytest.raises(ValueError, match=r"label\(s\) \['a'\] given more than once"):
        StanceClassifier(task="frame", model=base, labels=["a", "a", "b"], epochs=1).fit(ROWS[:2], ["a", "b"])
    with pytest.raises(ValueError, match="labels must be non-empty strings"):
        StanceClassifier(task="frame", model=base, labels=["a", ""], epochs=1).fit(ROWS[:2], ["a", "a"])


def test_new_task_head_with_custom_labels(base):
    clf = StanceClassifier(task="frame", model=base, labels=["economic", "security"], epochs=1)
    clf.fit(ROWS, ["economic", "security"] * 12)
    assert list(clf.classes_) == ["economic", "security"]


def test_integer_labels_come_back_as_integers_and_sklearn_can_score_them(base):
    from sklearn.base import is_classifier

    clf = StanceClassifier(task="frame", model=base, epochs=1)
    assert not hasattr(clf, "classes_") and is_classifier(clf)  # no head yet: an AttributeError, as sklearn's
    y = np.array([0, 1] * 12)
    clf.fit(ROWS, y)
    assert clf.classes_.tolist() == [0, 1] and clf.classes_.dtype.kind == "i"
    assert set(clf.predict(ROWS[:4]).tolist()) <= {0, 1}
    assert 0.0 <= clf.score(ROWS, y) <= 1.0
    df = pd.DataFrame({"text": [t for t, _ in ROWS], "target": [g for _, g in ROWS], "label": y})
    fitted = StanceClassifier(task="frame", model=base, epochs=1).fit(df)  # the label column, as in the README
    assert fitted.classes_.tolist() == [0, 1] and 0.0 <= fitted.score(df[["text", "target"]], df.label) <= 1.0


def test_a_classlabel_column_gives_its_names():
    import datasets

    from stance.inputs import labels_of

    ds = datasets.Dataset.from_dict({"text": ["a b", "c d"], "target": ["a", "c"], "label": [1, 0]},
                                    features=datasets.Features({"text": datasets.Value("string"),
                                                                "target": datasets.Value("string"),
                                                                "label": datasets.ClassLabel(names=["neg", "pos"])}))
    assert labels_of(ds, None) == ["pos", "neg"]


def test_save_and_reload(tmp_path, base):
    clf = StanceClassifier(task="attitude", model=base, epochs=1).fit(ROWS, LABELS)
    clf.save(tmp_path / "mine")
    again = StanceClassifier(task="attitude", model=str(tmp_path / "mine"))
    np.testing.assert_allclose(clf.predict_proba(ROWS[:2]), again.predict_proba(ROWS[:2]), atol=1e-5)


def test_fit_learns_the_labels_it_is_given_as_strings():
    from .test_training import toy

    def pairs(d):
        return [(it.text, it.text[it.target_start:it.target_end]) for it in d.items]

    names = {0: "neg", 1: "pos"}
    train, test = toy(320, 0), toy(100, 2)
    # the head's label order is the reverse of the toy's label numbers: a fit that mapped labels by position, not
    # by name, would score far below chance
    clf = StanceClassifier(task="toy", model=StanceModel.tiny({"toy": ["pos", "neg"]}, seed=1), epochs=6,
                           batch_size=16, learning_rate=3e-3)
    clf.fit(pairs(train), [names[v] for v in train.labels])
    assert list(clf.classes_) == ["neg", "pos"]  # sorted, as scikit-learn's classes_ are
    pred = clf.predict(pairs(test))
    acc = float(np.mean([p == names[v] for p, v in zip(pred, test.labels)]))
    assert acc > 0.9, acc


def test_fit_on_a_branched_task_trains_the_branch(base):
    base.add_task("sentiment", ["negative", "neutral", "positive"])
    base.attach_branch("sentiment", base.new_branch("sentiment"))
    shared = {k: v.detach().clone() for k, v in base.named_parameters()}
    own = {k: v.detach().clone() for k, v in base.branches["sentiment"].named_parameters() if v.requires_grad}
    clf = StanceClassifier(task="sentiment", model=base, epochs=1, learning_rate=1e-2, new_labels=True)
    clf.fit(ROWS, ["positive", "mixed"] * 12)
    fitted = clf.model_
    assert all((v == shared[k]).all() for k, v in fitted.named_parameters())  # the shared part is untouched
    br = fitted.branches["sentiment"]
    assert any(not (v == own[k]).all() for k, v in br.named_parameters() if v.requires_grad)
    # the new label is on the branch's head, and predict_proba's columns follow classes_
    assert fitted.labels["sentiment"] == br.labels["sentiment"] == ["negative", "neutral", "positive", "mixed"]
    assert list(clf.classes_) == sorted(br.labels["sentiment"]) and clf.predict_proba(ROWS[:2]).shape == (2, 4)
    assert base.branches["sentiment"].labels["sentiment"] == ["negative", "neutral", "positive"]  # base unchanged


def test_fit_with_branch_leaves_every_other_task_as_it_was(tmp_path, base):
    from stance.inputs import as_items

    items = as_items(ROWS[:4])
    base.add_task("sentiment", ["negative", "neutral", "positive"])
    before = base.predict_proba(items, "sentiment", bf16=False)
    clf = StanceClassifier(task="attitude", model=base, epochs=1, learning_rate=1e-2, branch=True, bf16=False)
    clf.fit(ROWS, LABELS)
    fitted = clf.model_
    assert sorted(fitted.branches) == ["attitude"] and not base.branches
    np.testing.assert_allclose(fitted.predict_proba(items, "sentiment", bf16=False), before, atol=1e-6)
    plain = StanceClassifier(task="attitude", model=base, epochs=1, learning_rate=1e-2).fit(ROWS, LABELS)
    assert not np.allclose(plain.model_.predict_proba(items, "sentiment", bf16=False), before, atol=1e-4)
    clf.save(tmp_path / "m")
    back = StanceModel.load(tmp_path / "m")
    order = np.argsort(back.labels["attitude"])  # the estimator's columns: the labels sorted
    np.testing.assert_allclose(back.predict_proba(items, "attitude", bf16=False)[:, order],
                               clf.predict_proba(ROWS[:4]), atol=1e-5)


def test_a_seed_gives_the_same_new_head_and_sorted_classes_serve_sklearn_scorers(tmp_path, base):
    import random

    import torch
    from sklearn.metrics import get_scorer

    y = [0, 1, 2, 10, 11, 12] * 4
    fits = []
    for noise in (1, 2):
        torch.manual_seed(noise)  # whatever the caller's generators hold, one seed gives one model
        state = (random.random(), np.random.rand())
        fits.append(StanceClassifier(task="num", model=base, epochs=1, seed=7).fit(ROWS, y))
        torch.manual_seed(noise)
        random.random(), np.random.rand()
        assert (random.random(), np.random.rand()) != state  # the caller's streams go on, not reset by fit
    np.testing.assert_allclose(fits[0].predict_proba(ROWS[:4]), fits[1].predict_proba(ROWS[:4]), atol=1e-6)
    clf = fits[0]
    assert clf.classes_.tolist() == [0, 1, 2, 10, 11, 12]  # numeric order, as np.unique gives
    proba = clf.predict_proba(ROWS)
    from sklearn.metrics import roc_auc_score

    assert get_scorer("roc_auc_ovr")(clf, ROWS, y) == pytest.approx(roc_auc_score(y, proba, multi_class="ovr"))
    clf.save(tmp_path / "num")
    back = StanceClassifier(task="num", model=str(tmp_path / "num"))
    assert back.classes_.tolist() == [0, 1, 2, 10, 11, 12] and back.predict(ROWS[:3]).dtype.kind == "i"
    info = back._predict_model().info["fine_tuned"][-1]
    assert info["task"] == "num" and info["rows"] + info["dev_rows"] == len(ROWS) and info["seed"] == 7
    # fine-tuned again on rows without 12: the labels stay integers
    again = StanceClassifier(task="num", model=str(tmp_path / "num"), epochs=1).fit(ROWS[:12], y[:12])
    assert again.classes_.tolist() == [0, 1, 2, 10, 11, 12]
    assert len(again._predict_model().info["fine_tuned"]) == 2
    from stance.model_card import write_card

    again.save(tmp_path / "num2")
    card = write_card(tmp_path / "num2", {}).read_text()
    assert card.count("Fine-tuned after that on 'num'") == 2
    with pytest.raises(ValueError, match=r"validation_fraction must be in \[0, 1\)"):
        StanceClassifier(task="num", model=base, validation_fraction=1.0).fit(ROWS, y)


def test_a_save_stopped_half_way_leaves_the_earlier_model_whole(tmp_path, base, monkeypatch):
    import stance.modeling as modeling

    first = StanceClassifier(task="attitude", model=base, epochs=1).fit(ROWS, LABELS)
    first.save(tmp_path / "m")
    before = StanceModel.load(tmp_path / "m").predict_proba(as_items_(ROWS[:2]), "attitude")
    second = StanceClassifier(task="attitude", model=base, epochs=1, new_labels=True).fit(ROWS, ["defiant"] * 24)

    def stopped(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(modeling.json, "dumps", stopped)  # the config is written last: stop right before it
    with pytest.raises(KeyboardInterrupt):
        second.save(tmp_path / "m")
    monkeypatch.undo()
    assert not [p for p in (tmp_path / "m").iterdir() if p.name.startswith(".")]  # its temporary files removed
    again = StanceModel.load(tmp_path / "m")
    assert "defiant" not in again.labels["attitude"]
    np.testing.assert_allclose(again.predict_proba(as_items_(ROWS[:2]), "attitude"), before, atol=1e-6)
    second.save(tmp_path / "m")
    assert "defiant" in StanceModel.load(tmp_path / "m").labels["attitude"]
    assert not [p for p in (tmp_path / "m").iterdir() if p.name.startswith(".")]  # nothing left behind


def as_items_(rows):
    from stance.inputs import as_items

    return as_items(rows)


def test_an_integer_label_set_stays_integers_when_the_rows_lack_one_of_its_labels(base):
    clf = StanceClassifier(task="frame", model=base, labels=[0, 1, 2], epochs=1).fit(ROWS, [0, 1] * 12)
    # not ['0', '1', '2'] strings, which scikit-learn's score refused beside integer y ("Mix of label input types")
    assert clf.classes_.tolist() == [0, 1, 2] and clf.classes_.dtype.kind == "i"
    assert clf.predict(ROWS[:3]).dtype.kind == "i"
    assert 0.0 <= clf.score(ROWS, [0, 1] * 12) <= 1.0
