import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import get_scorer, roc_auc_score

from stance.baselines import KeywordAttitude, VaderBaseline

ROWS = pd.DataFrame({"text": ["We strongly support the great new plan.", "The plan is a terrible, awful disaster.",
                              "The plan was announced on Monday.", "Critics hate the plan, a sad failure.",
                              "A wonderful plan, we love it.", "The plan has three parts."] * 4,
                     "target": ["the plan"] * 24})
Y = ["favor", "against", "none", "against", "favor", "none"] * 4


@pytest.mark.parametrize("task", ["sentiment", "stance", "attitude", "directed"])
def test_classes_are_sorted_so_probability_scorers_read_the_right_columns(task):
    clf = VaderBaseline(task=task).fit(ROWS, None)
    assert list(clf.classes_) == sorted(clf.classes_)
    assert list(KeywordAttitude().fit(ROWS).classes_) == sorted(KeywordAttitude().fit(ROWS).classes_)


def test_a_multi_class_auc_scorer_scores_the_stance_baseline_right():
    clf = VaderBaseline(task="stance").fit(ROWS, Y)
    proba = clf.predict_proba(ROWS)
    # columns named by classes_, put in sorted order: what roc_auc_score assumes of its columns
    order = np.argsort(clf.classes_)
    want = roc_auc_score(Y, proba[:, order], multi_class="ovr")
    assert get_scorer("roc_auc_ovr")(clf, ROWS, Y) == pytest.approx(want)
    assert list(clf.predict(ROWS[:3])) == ["favor", "against", "none"]
