import numpy as np
import pytest

import stance
from stance.backbone import ModelError
from stance.encoding import Item
from stance.ensemble import ModelEnsemble
from stance.estimator import StanceClassifier
from stance.registry import load_model, resolve_model
from stance.labels import TASK_LABELS
from stance.modeling import StanceModel

from .conftest import need_mpnet

ITEMS = [Item("Anna praised the plan while Boris attacked it.", 0, 4),
         Item("Anna praised the plan while Boris attacked it.", 28, 33),
         Item("The ministry voiced concern about the strikes.", 4, 12)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Two tiny models sharing attitude (same labels) and sentiment (other label order in the second)."""
    d = tmp_path_factory.mktemp("ens")
    StanceModel.tiny({"attitude": TASK_LABELS["attitude"], "sentiment": TASK_LABELS["sentiment"]},
                     seed=3).save(d / "a")
    StanceModel.tiny({"attitude": TASK_LABELS["attitude"], "sentiment": ["positive", "neutral", "negative"]},
                     seed=4).save(d / "b")
    return d


def test_probabilities_are_the_members_mean(folders):
    a, b = StanceModel.load(folders / "a"), StanceModel.load(folders / "b")
    ens = ModelEnsemble([a, b], ["a", "b"])
    got = ens.predict_proba(ITEMS, "attitude")
    want = (a.predict_proba(ITEMS, "attitude") + b.predict_proba(ITEMS, "attitude")) / 2
    np.testing.assert_allclose(got, want, atol=1e-5)
    # the members differ, so the mean is neither of them
    assert np.abs(got - a.predict_proba(ITEMS, "attitude")).max() > 1e-4
    # only the tasks every member has with the same labels
    assert ens.labels == {"attitude": TASK_LABELS["attitude"]}
    with pytest.raises(ModelError, match="no \\['sentiment'\\] head"):
        ens.logits(ITEMS, ["sentiment"])


def test_a_name_with_plus_loads_an_ensemble(folders):
    name = f"{folders / 'a'}+{folders / 'b'}"
    ens = load_model(name)
    assert isinstance(ens, ModelEnsemble) and ens.names == [str(folders / "a"), str(folders / "b")]
    assert load_model(name) is ens  # cached like a single model
    assert resolve_model(name) == f"{(folders / 'a').resolve()}+{(folders / 'b').resolve()}"
    clf = StanceClassifier(task="attitude", model=name)
    proba = clf.predict_proba([(i.text, i.text[i.target_start:i.target_end]) for i in ITEMS])
    assert list(clf.classes_) == sorted(TASK_LABELS["attitude"])
    order = np.argsort(TASK_LABELS["attitude"])
    np.testing.assert_allclose(proba, ens.predict_proba(ITEMS, "attitude")[:, order], atol=1e-5)
    with pytest.raises(ValueError, match="is an ensemble, which predicts but is not fine-tuned"):
        clf.fit([("Anna praised the plan.", "Anna")] * 4, ["supportive"] * 4)
    with pytest.raises(ModelError, match="is not saved as a folder"):
        clf.save(folders / "ens")
    with pytest.raises(ModelError, match="has no 'sentiment' head"):
        StanceClassifier(task="sentiment", model=name).predict([("Anna praised the plan.", "Anna")])


def test_bad_ensemble_names(folders, tmp_path):
    with pytest.raises(ModelError, match="an empty name between"):
        load_model(f"{folders / 'a'}+")
    with pytest.raises(ModelError, match="no model 'nonesuch'"):
        load_model(f"{folders / 'a'}+nonesuch")
    StanceModel.tiny({"stance": TASK_LABELS["stance"]}).save(tmp_path / "st")
    with pytest.raises(ModelError, match="share no task"):
        load_model(f"{folders / 'a'}+{tmp_path / 'st'}")
    # a folder whose own name holds a '+' is one model
    StanceModel.tiny({"stance": TASK_LABELS["stance"]}).save(tmp_path / "x+y")
    assert isinstance(load_model(tmp_path / "x+y"), StanceModel)


def test_analyze_takes_attitudes_from_an_ensemble(folders):
    text = "Anna praised the plan. Boris attacked it, and the ministry voiced concern."
    name = f"{folders / 'a'}+{folders / 'b'}"
    res = stance.analyze(text, model=str(folders / "a"), attitude_model=name)
    assert res.attitude_model == name and res.actors
    alone = stance.analyze(text, model=str(folders / "a"), attitude_model=str(folders / "b"))
    assert {a.name for a in res.actors} == {a.name for a in alone.actors}
    ens = load_model(name)
    for actor in res.actors:  # each actor's attitude distribution is the mean over its passages of the ensemble's
        items = [Item(e.text, e.mention.start - e.start, e.mention.end - e.start) for e in actor.evidence]
        mean = ens.predict_proba(items, "attitude").mean(0)
        np.testing.assert_allclose([actor.attitude.scores[l] for l in TASK_LABELS["attitude"]], mean, atol=2e-4)
    with pytest.raises(ValueError, match="has no sentiment head"):
        stance.analyze(text, model=name)
    # a main model (here an ensemble sharing sentiment only) without attitudes needs an attitude_model
    from stance.modeling import StanceModel as SM

    SM.tiny({"sentiment": TASK_LABELS["sentiment"]}, seed=5).save(folders / "s")
    with pytest.raises(ValueError, match="has no attitude head .*pass an attitude_model"):
        stance.analyze(text, model=f"{folders / 'a'}+{folders / 's'}")
    res = stance.analyze(text, model=f"{folders / 'a'}+{folders / 's'}", attitude_model=str(folders / "a"))
    assert res.actors and all(a.attitude is not None for a in res.actors) and res.table()


def test_analyze_runs_the_main_model_once_when_the_ensemble_holds_it(folders, monkeypatch):
    text = "Anna praised the plan. Boris attacked it, and the ministry voiced concern."
    name = f"{folders / 'a'}+{folders / 'b'}"
    main = load_model(folders / "a")
    assert load_model(name).members[0] is main  # one cached model, shared
    want = stance.analyze(text, model=str(folders / "a"), attitude_model=name)
    calls = []
    orig = StanceModel.logits

    def counting(self, items, tasks, *a, **kw):
        calls.append((self is main, tuple(tasks)))
        return orig(self, items, tasks, *a, **kw)

    monkeypatch.setattr(StanceModel, "logits", counting)
    got = stance.analyze(text, model=str(folders / "a"), attitude_model=name)
    assert calls == [(True, ("attitude", "sentiment")), (False, ("attitude",))], calls
    assert [(a.name, a.attitude.scores) for a in got.actors] == [(a.name, a.attitude.scores) for a in want.actors]


@pytest.mark.slow
def test_shipped_default_plus_mpnet_attitude_on_the_demo(demo_text):
    need_mpnet()
    from .test_analysis import EXPECTED

    res = stance.analyze(demo_text, attitude_model="default+mpnet-attitude")
    got = {n: res.actor(n).attitude.label for n in EXPECTED}
    right = {n for n in EXPECTED if got[n] in EXPECTED[n]}
    # what the averaged attitudes get right today (6 of 10; mpnet-attitude alone gets 7); losing one of these fails
    assert {"Vladimir Putin", "China", "Wang Yi", "United States", "Volodymyr Zelenskyy", "Kim Jong-un"} <= right, got
