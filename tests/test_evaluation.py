import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline

from stance.evaluation import bootstrap_scores, evaluate, f_avg, paired_bootstrap, score_predictions


def test_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    labs = ["favor", "against", "none"]
    y = list(rng.choice(labs, 300))
    p = [v if rng.random() < 0.7 else rng.choice(labs) for v in y]
    r = score_predictions(y, p, labs, metric="f_avg", n_boot=200)
    assert r.macro_f1 == pytest.approx(f1_score(y, p, average="macro"))
    assert r.score == pytest.approx(f1_score(y, p, labels=["favor", "against"], average="macro"))
    assert r.f_avg == r.score
    assert f_avg(y, p) == pytest.approx(f1_score(y, p, labels=["favor", "against"], average="macro"))
    assert r.ci95[0] < r.score < r.ci95[1]
    assert np.array(r.confusion).sum() == 300
    boots = bootstrap_scores(y, p, labs, "macro_f1", 300)
    assert abs(boots.mean() - r.macro_f1) < 0.03


def test_paired_bootstrap_prefers_the_better_system():
    rng = np.random.default_rng(1)
    y = list(rng.choice(["a", "b"], 400))
    good = [v if rng.random() < 0.9 else ("a" if v == "b" else "b") for v in y]
    bad = [v if rng.random() < 0.6 else ("a" if v == "b" else "b") for v in y]
    t = paired_bootstrap(y, good, bad, ["a", "b"], n_boot=300)
    assert t["diff"] > 0.2 and t["p_value"] < 0.01 and t["ci95"][0] > 0


def test_any_pipeline_goes_through_the_same_harness(tmp_path):
    X = pd.DataFrame({"text": ["great plan", "awful plan", "great idea", "awful idea"] * 10,
                      "target": ["plan", "plan", "idea", "idea"] * 10})
    y = ["positive", "negative"] * 20
    pipe = Pipeline([("cols", ColumnTransformer([("t", TfidfVectorizer(), "text")])),
                     ("lr", LogisticRegression())]).fit(X, y)
    r = evaluate(pipe, X, y, groups=list(X["target"]), n_boot=100)
    assert r.accuracy == 1.0 and set(r.per_group) == {"plan", "idea"}
    png = r.save_confusion_png(tmp_path / "cm.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_restricted_label_set_uses_probabilities():
    class Three:
        classes_ = np.array(["favor", "against", "none"])

        def predict_proba(self, X):
            return np.array([[0.3, 0.2, 0.5], [0.1, 0.4, 0.5]])

        def predict(self, X):
            return self.classes_[self.predict_proba(X).argmax(1)]

    r = evaluate(Three(), [0, 1], ["favor", "against"], labels=["favor", "against"], n_boot=10)
    assert r.accuracy == 1.0


def test_no_bootstrap_gives_an_empty_interval():
    from stance.evaluation import score_predictions

    r = score_predictions(["a", "b", "a"], ["a", "b", "b"], ["a", "b"], "macro_f1", None, 0)
    assert r.ci95 == [] and 0 < r.score < 1


def test_persent_is_scored_at_document_level_like_the_benchmarks():
    from .conftest import need_data

    need_data("persent", "dev.csv")
    from stance.evaluation import evaluate_dataset

    class Recorder:
        classes_ = np.array(["negative", "neutral", "positive"])

        def __init__(self):
            self.rows = []

        def predict_proba(self, X):
            recs = X.to_dict("records")
            self.rows += recs
            return np.tile([0.2, 0.5, 0.3], (len(recs), 1))

    rec = Recorder()
    res = evaluate_dataset(rec, "persent", "dev", n_boot=20)
    assert res.n == 578 and res.per_class["neutral"]["recall"] == 1.0
    # the system read sentences naming the document's person, not whole documents
    assert len(rec.rows) > 578
    named = [r for r in rec.rows if pd.notna(r["target_start"])]
    assert len(named) > 0.9 * len(rec.rows)
    assert all(r["text"][int(r["target_start"]):int(r["target_end"])] == r["target"] for r in named)
    assert max(len(r["text"]) for r in named) < 2000


def test_a_gold_label_outside_the_label_set_is_an_error_naming_its_row():
    with pytest.raises(ValueError, match=r"row 1: gold label 'Neutral' is not one of the labels"):
        score_predictions(["neutral", "Neutral"], ["neutral", "neutral"], ["negative", "neutral", "positive"])


def test_document_level_votes_or_averages_over_the_sentences_naming_the_person():
    import pandas as pd

    from stance.evaluation import DocumentLevel

    class Lexicon:  # a sentence-level system without probabilities: the vote decides
        def predict(self, F):
            return ["negative" if "fraud" in t else "positive" for t in F["text"]]

    doc = "Anna Berg won the vote. Berg thanked her staff. Critics called Berg a fraud. The weather was fine."
    X = pd.DataFrame({"text": [doc], "target": ["Anna Berg"]})
    assert DocumentLevel(Lexicon()).predict(X).tolist() == ["positive"]  # two sentences of three

    class Probabilities:
        classes_ = np.array(["negative", "positive"])

        def predict_proba(self, F):
            return np.array([[0.9, 0.1] if "fraud" in t else [0.4, 0.6] for t in F["text"]])

    assert DocumentLevel(Probabilities()).predict(X).tolist() == ["negative"]  # mean (0.57, 0.43)


def test_evaluation_refuses_what_it_cannot_score():
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        score_predictions(["favor", "none"], ["favor"], ["favor", "against", "none"])
    with pytest.raises(ValueError, match="no rows"):
        score_predictions([], [], ["favor"])
    with pytest.raises(ValueError, match="needs gold labels"):
        evaluate(None, [("Putin smiled.", "Putin")])
    r = score_predictions(["a", "b", "b", "a"], ["a", "b", "a", "a"], ["a", "b"], metric="accuracy", n_boot=200)
    assert r.score == 0.75 and r.ci95[0] <= 0.75 <= r.ci95[1]


def test_f_avg_takes_the_poles_as_the_label_set_spells_them():
    labels = ["FAVOR", "AGAINST", "NONE"]
    y = ["FAVOR", "AGAINST", "NONE", "FAVOR"]
    p = ["FAVOR", "NONE", "NONE", "AGAINST"]
    want = f1_score(y, p, labels=["FAVOR", "AGAINST"], average="macro", zero_division=0)
    r = score_predictions(y, p, labels, "f_avg", n_boot=50)
    assert r.score == pytest.approx(want) and r.f_avg == pytest.approx(want) and len(r.ci95) == 2
    with pytest.raises(ValueError, match="f_avg needs a favor and an against label"):
        f_avg(y, p, ["a", "b"])


def test_paired_difference_is_the_observed_one_and_works_without_a_bootstrap():
    y = ["a", "a", "b", "b", "a"]
    pa, pb = ["a", "a", "b", "b", "b"], ["a", "b", "a", "b", "b"]
    observed = f1_score(y, pa, average="macro") - f1_score(y, pb, average="macro")
    t = paired_bootstrap(y, pa, pb, ["a", "b"], n_boot=200)
    assert t["diff"] == pytest.approx(observed) and "diff_bootstrap_mean" in t
    assert paired_bootstrap(y, pa, pb, ["a", "b"], n_boot=0) == {"diff": pytest.approx(observed), "ci95": [],
                                                                 "p_value": None}


def test_groups_metrics_and_default_labels_follow_sklearn():
    y, p = ["a", "a", "b", "b"], ["a", "a", "b", "b"]
    r = score_predictions(y, p, ["a", "b", "c"], groups=["g1", "g1", None, None], n_boot=0)
    # a group's macro-F1 averages the labels that occur in it: perfect predictions score 1, not 1/3 or 1/2
    assert r.per_group == {"": {"n": 2, "macro_f1": 1.0, "accuracy": 1.0},
                           "g1": {"n": 2, "macro_f1": 1.0, "accuracy": 1.0}}
    with pytest.raises(ValueError, match="2 groups for 4 rows"):
        score_predictions(y, p, groups=["g1", "g2"], n_boot=0)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        score_predictions(y, p, metric="f1", n_boot=0)
    y, p = ["a", "a", "b"], ["a", "c", "b"]  # without a label set: every label seen, as f1_score does
    assert score_predictions(y, p, n_boot=0).macro_f1 == pytest.approx(f1_score(y, p, average="macro"))


def test_gold_labels_of_another_scheme_are_refused_without_a_label_set():
    from sklearn.base import clone
    from sklearn.dummy import DummyClassifier

    from stance.evaluation import DocumentLevel

    X = pd.DataFrame({"text": ["a b", "c d"], "target": ["a", "c"]})
    clf = DummyClassifier().fit(X, ["favor", "against"])
    with pytest.raises(ValueError, match="row 0: gold label 'FAVOR' is not one of the estimator's classes"):
        evaluate(clf, X, ["FAVOR", "AGAINST"], n_boot=0)
    doc = DocumentLevel(clf)
    assert clone(doc).get_params()["system"].get_params() == clf.get_params()
    assert list(doc.classes_) == list(clf.classes_)


def test_integer_labels_and_a_classes_array_as_the_label_set():
    from sklearn.dummy import DummyClassifier

    y, pa, pb = [0, 1, 1, 0] * 10, [0, 1, 1, 1] * 10, [1, 1, 1, 1] * 10
    want = f1_score(y, pa, average="macro") - f1_score(y, pb, average="macro")
    # the bootstrap reads integer labels as the observed difference does: not every resample scoring 0
    t = paired_bootstrap(y, pa, pb, ["0", "1"], n_boot=200)
    assert t["diff"] == pytest.approx(want) and t["ci95"][0] > 0 and t["p_value"] < 0.05
    boots = bootstrap_scores(y, pa, ["0", "1"], n_boot=50)
    assert boots.min() > 0.3
    r = score_predictions(y, pa, [0, 1], n_boot=50)  # not "gold label '0' is not one of the labels [0, 1]"
    assert r.macro_f1 == pytest.approx(f1_score(y, pa, average="macro")) and r.ci95[0] > 0.5
    X = pd.DataFrame({"text": ["a b", "c d", "e f", "g h"], "target": ["a", "c", "e", "g"]})
    clf = DummyClassifier().fit(X, ["p", "n", "n", "n"])
    r = evaluate(clf, X, ["p", "n", "n", "n"], labels=clf.classes_, n_boot=0)  # a numpy array of labels
    assert r.labels == ["n", "p"] and r.accuracy == 0.75
    ints = DummyClassifier().fit(X, [0, 1, 1, 1])
    assert evaluate(ints, X, [0, 1, 1, 1], labels=[0, 1], n_boot=0).accuracy == 0.75


def test_a_missing_gold_label_is_an_error_naming_its_row_not_a_class():
    with pytest.raises(ValueError, match="row 1: missing label"):
        score_predictions(["a", None, "b"], ["a", "a", "b"], n_boot=0)
    with pytest.raises(ValueError, match="row 0: missing label"):
        score_predictions([float("nan"), "a"], ["a", "a"], n_boot=0)
    with pytest.raises(ValueError, match="row 2: missing label"):
        score_predictions(pd.Series(["a", "b", None]), ["a", "b", "b"], ["a", "b"], n_boot=0)


def test_confusion_png_shows_a_matrix_whose_cells_are_all_equal(tmp_path):
    import matplotlib.image

    # one class, all right: the cell was drawn in the palest colour with white text, so its count did not show
    r = score_predictions(["a"] * 5, ["a"] * 5, n_boot=0)
    img = matplotlib.image.imread(r.save_confusion_png(tmp_path / "one.png"))[..., :3]
    dark_blue = (img[..., 0] < 0.15) & (img[..., 2] > 0.35)
    assert dark_blue.mean() > 0.05  # the cell of 5 is dark, as the largest count is in any matrix


def test_document_level_without_rows_predicts_no_rows(tiny_model):
    from stance.estimator import StanceClassifier
    from stance.evaluation import DocumentLevel

    X = pd.DataFrame({"text": ["Anna Berg won the vote. Berg thanked her staff."], "target": ["Anna Berg"]})
    doc = DocumentLevel(StanceClassifier(task="sentiment", model=tiny_model))
    assert len(doc.predict(X)) == 1
    # not "DataFrame needs columns 'text' and 'target' ...; it has []" about a frame that has them
    assert doc.predict(X.iloc[:0]).tolist() == []


def test_f_avg_without_a_label_set_reads_the_poles_as_the_data_spells_them():
    y = ["FAVOR", "AGAINST", "NONE", "FAVOR"]  # SemEval's own spelling
    assert f_avg(y, y) == 1.0  # was 0.0: the default poles were "favor"/"against", in no row
    p = ["FAVOR", "NONE", "NONE", "AGAINST"]
    assert f_avg(y, p) == pytest.approx(f1_score(y, p, labels=["FAVOR", "AGAINST"], average="macro", zero_division=0))
    assert f_avg(["favor", "none"], ["favor", "none"]) == 0.5  # lower case, no against row: as before


def test_bootstrap_and_paired_test_check_their_inputs():
    from stance.evaluation import bootstrap_scores, paired_bootstrap

    with pytest.raises(ValueError, match="unknown metric 'macro-f1'"):
        bootstrap_scores(["a"], ["a"], ["a", "b"], metric="macro-f1")
    with pytest.raises(ValueError, match="no rows to score"):
        paired_bootstrap([], [], [], ["a", "b"])
    with pytest.raises(ValueError, match="2 gold labels but 2 and 1 predictions"):
        paired_bootstrap(["a", "b"], ["a", "b"], ["a"], ["a", "b"])


def test_document_level_takes_lists_and_datasets_and_groups_read_nan_as_none():
    import datasets
    from sklearn.dummy import DummyClassifier

    from stance.evaluation import DocumentLevel, score_predictions

    rows = [{"text": "Anna Berg won. Berg smiled.", "target": "Anna Berg"}]
    F = pd.DataFrame([{"text": "x", "target": "x"}] * 2)
    dl = DocumentLevel(DummyClassifier(strategy="most_frequent").fit(F, ["positive", "positive"]))
    assert dl.predict(rows).tolist() == dl.predict(datasets.Dataset.from_list(rows)).tolist() == ["positive"]
    with pytest.raises(TypeError, match="takes a DataFrame, a datasets.Dataset or a list of dicts"):
        dl.predict("Anna Berg won.")
    res = score_predictions(["a", "b", "a"], ["a", "b", "b"], groups=[None, float("nan"), "g"], n_boot=0)
    assert set(res.per_group) == {"", "g"} and res.per_group[""]["n"] == 2
