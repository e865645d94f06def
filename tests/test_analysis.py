import json

import pytest

import stance
from stance.analysis import read_article

from .conftest import need_mpnet

pytestmark = pytest.mark.slow

# What a careful reader gives each actor of the demo article (../shared/CODEBOOK.md). Where the text supports two
# readings both are accepted: North Korea and Kim act for Russia (supportive) but voice no attitude (neutral).
EXPECTED = {
    "Vladimir Putin": {"dismissive"},
    "China": {"uneasy"},
    "Xi Jinping": {"conciliatory"},
    "Wang Yi": {"uneasy"},
    "United States": {"uneasy"},
    "Volodymyr Zelenskyy": {"neutral"},
    "Ian Bremmer": {"neutral"},
    "North Korea": {"supportive", "neutral"},
    "Russia": {"neutral", "supportive"},
    "Kim Jong-un": {"neutral", "supportive"},
}


@pytest.fixture(scope="module")
def demo(demo_text):
    return stance.analyze(demo_text)


def _right(demo):
    got = {name: demo.actor(name).attitude.label for name in EXPECTED}
    return [n for n in EXPECTED if got[n] in EXPECTED[n]], got


def test_demo_attitudes_regression_floor(demo):
    right, got = _right(demo)
    # What the shipped model gets right today (see models/default/README.md); a model that loses one of these fails.
    assert {"Vladimir Putin", "Wang Yi", "United States", "Volodymyr Zelenskyy"} <= set(right), got
    assert len(right) >= 4, got


@pytest.mark.xfail(strict=True, reason="issue 4 target (8 of 10 demo actors right) is not reached by the shipped "
                                      "attitude head yet; see models/default/README.md")
def test_demo_attitudes_issue_target(demo):
    right, got = _right(demo)
    assert len(right) >= 8, got


@pytest.fixture(scope="module")
def demo_mpnet(demo_text):
    need_mpnet()
    return stance.analyze(demo_text, attitude_model="mpnet-attitude")


def test_demo_with_mpnet_attitudes_regression_floor(demo_mpnet):
    right, got = _right(demo_mpnet)
    # What the shipped mpnet-attitude model gets right today (7 of 10); a model that loses one of these fails.
    # (Zelenskyy, who only relays where North Korean forces may fight, came back with the reported-speech stage;
    # Xi Jinping, who called for an end to the war, with the third stage's wider reporting frames.)
    assert {"Vladimir Putin", "China", "Wang Yi", "United States", "Kim Jong-un",
            "Volodymyr Zelenskyy", "Xi Jinping"} <= set(right), got
    assert demo_mpnet.attitude_model == "mpnet-attitude"


@pytest.mark.xfail(strict=True, reason="issue 4 target (8 of 10 demo actors right) is not reached with the "
                                      "mpnet-attitude model either (7 of 10); see README.md, Where it stands")
def test_demo_with_mpnet_attitudes_issue_target(demo_mpnet):
    right, got = _right(demo_mpnet)
    assert len(right) >= 8, got


def test_attitude_model_without_an_attitude_head_is_refused(tmp_path, demo_text):
    from stance.modeling import StanceModel

    StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]}).save(tmp_path / "s")
    with pytest.raises(ValueError, match="has no attitude head"):
        stance.analyze(demo_text, attitude_model=str(tmp_path / "s"))


def test_json_shape_and_offsets(demo, demo_text):
    d = json.loads(demo.to_json())
    a = d["actors"][0]
    assert set(a) >= {"name", "type", "aliases", "mentions", "attitude", "sentiment", "stance", "evidence"}
    assert set(a["attitude"]) == {"label", "score", "scores"}
    assert abs(sum(a["attitude"]["scores"].values()) - 1) < 1e-3
    for actor in demo.actors:
        for e in actor.evidence:
            assert demo_text[e.start:e.end] == e.text
            assert e.mention.start >= e.start and e.mention.end <= e.end
        if actor.attitude.label != "neutral":
            assert any(e.attitude == actor.attitude.label for e in actor.evidence)


STRIKE = ("Union leader Ann Smith said workers are right to strike and that she stands with them. "
          "Mayor John Brown called the strike a disgrace and told the workers to go back to work.")


def test_topic_gives_stance(demo_text):
    res = stance.analyze(demo_text, topic="ending the war in Ukraine")
    st = res.actor("China").stance
    assert st.topic == "ending the war in Ukraine" and st.label in {"favor", "against", "none"}
    strike = stance.analyze(STRIKE, topic="the strike")
    # each actor's own stance where its sentence quotes the topic: opposite stances in one article
    assert strike.actor("Ann Smith").stance.label == "favor" and strike.actor("John Brown").stance.label == "against"
    assert strike.actor("John Brown").stance.quoted == 1


def test_a_topic_not_quoted_gives_the_sentence_stance(tiny_model_dir):
    from stance.analysis import analyze

    text = "Olaf Scholz praised the deal on Monday. Emmanuel Macron met Scholz in Paris."
    res = analyze(text, topic="the deal", model=str(tiny_model_dir))
    assert res.actor("Olaf Scholz").stance.quoted == 1  # "the deal" in his first sentence, not in the second
    assert res.actor("Emmanuel Macron").stance.quoted == 0
    as_json = {a["name"]: a["stance"] for a in json.loads(res.to_json())["actors"]}
    assert as_json["Olaf Scholz"]["quoted"] == 1 and as_json["Olaf Scholz"]["topic"] == "the deal"


def test_a_blank_topic_is_refused_and_a_byte_order_mark_hides_no_actor(tiny_model_dir):
    from stance.analysis import analyze

    with pytest.raises(ValueError, match="topic '   ' is blank"):
        analyze("Mayor John Brown called the strike a disgrace.", topic="   ", model=str(tiny_model_dir))
    text = "\ufeffBeijing is unsettled by the pact."
    res = analyze(text, model=str(tiny_model_dir))
    assert [a.name for a in res.actors] == ["China"] and res.text == text
    m = res.actors[0].mentions[0]
    assert text[m.start:m.end] == "Beijing"
    # Windows line ends: the same actors as with \n, offsets into the text as given
    lf = "Angela Merkel met Emmanuel Macron.\nMacron praised the deal."
    crlf = lf.replace("\n", "\r\n")
    got = {n: analyze(t, model=str(tiny_model_dir)) for n, t in (("lf", lf), ("crlf", crlf))}
    assert [(a.name, len(a.mentions)) for a in got["crlf"].actors] == [(a.name, len(a.mentions))
                                                                       for a in got["lf"].actors]
    assert all(crlf[m.start:m.end] == m.text for a in got["crlf"].actors for m in a.mentions)
    assert all(crlf[e.start:e.end] == e.text for a in got["crlf"].actors for e in a.evidence)


def test_a_name_across_a_crlf_line_end_is_reported_as_the_text_gives_it(tiny_model_dir):
    from stance.analysis import analyze

    # hard-wrapped copy with Windows line ends: a name broken over the line end ("Vladimir\r\nPutin") was reported
    # with the finder's own copy of it ("Vladimir \nPutin"), which the offsets do not slice from the text
    text = "Analysts said Vladimir\r\nPutin was bluffing.\r\nThe United\r\nStates rejected the claim."
    res = analyze(text, model=str(tiny_model_dir))
    spans = [m for a in res.actors for m in a.mentions] + [e.mention for a in res.actors for e in a.evidence]
    assert any("\r\n" in m.text for m in spans)
    assert all(text[m.start:m.end] == m.text for m in spans)


def test_edge_inputs(tmp_path):
    assert stance.analyze("").actors == [] and stance.analyze("  \n ").actors == []
    assert stance.analyze("  \n ").table() == "No actors found (the text is empty)."
    assert stance.analyze("It rained all day.").table() == "No actors found."
    assert stance.analyze("", attitude_model="default").attitude_model == "default"  # recorded also when empty
    assert stance.analyze("the cat sat on the mat and slept.").actors == []
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\xe9 owners in Paris protested.".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt:1: not UTF-8 text \(byte 0xe9 at column 4\)"):
        read_article(str(bad))
    bad.write_text("Café owners in Paris protested.", encoding="utf-16")
    with pytest.raises(ValueError, match=r"latin1.txt: UTF-16 text; convert it to UTF-8, e.g. iconv -f utf-16"):
        read_article(str(bad))
    with pytest.raises(ValueError, match="is a folder, not a file"):
        read_article(str(tmp_path))
    binf = tmp_path / "x.bin"
    binf.write_bytes(b"\x00\x01\x02abc")
    with pytest.raises(ValueError, match="binary file"):
        read_article(str(binf))


def test_long_article_is_read_in_passages():
    sentence = ("Chancellor Olaf Scholz warned that the deal could collapse, and " + "officials said " * 60
                + "nothing more.")
    tail = " ".join(f"On day {i}, Olaf Scholz praised the plan again." for i in range(20))
    res = stance.analyze(sentence + "\n\n" + tail)
    scholz = res.actor("Olaf Scholz")
    assert scholz is not None and len(scholz.evidence) >= 2
    assert any("window" in w for w in res.warnings)  # the 190-token sentence was not silently truncated


# --- ArticleAttitude: article-level attitude from any passage-level system ------------------------------------
class _Fixed:
    """A passage-level attitude system whose probabilities are given per passage text (first word matched)."""

    classes_ = ["supportive", "critical", "uneasy", "dismissive", "conciliatory", "threatening", "neutral"]

    def __init__(self, table):
        self.table, self.seen = table, []

    def predict_proba(self, F):
        import numpy as np

        out = []
        for r in F.to_dict("records"):
            self.seen.append(r["text"][r["target_start"]:r["target_end"]])
            out.append(next(p for k, p in self.table.items() if r["text"].startswith(k)))
        return np.array(out, dtype=float)


def _p(label, p):
    import numpy as np

    v = np.full(7, (1 - p) / 6)
    v[_Fixed.classes_.index(label)] = p
    return v


ARTICLE = ("Germany praised the plan on Monday. Berlin also met the envoy. The Germans fear a long delay. "
           "Canada said nothing.")


def _rows(text, name):
    import pandas as pd

    i = text.index(name)
    return pd.DataFrame([{"text": text, "target": name, "target_start": i, "target_end": i + len(name)}])


def test_article_attitude_rules_on_fixed_passage_probabilities():
    from stance.analysis import ArticleAttitude

    sysm = _Fixed({"Germany": _p("supportive", 0.55), "Berlin": _p("neutral", 0.9), "The Germans": _p("uneasy", 0.7),
                   "Canada": _p("neutral", 0.8)})
    X = _rows(ARTICLE, "Germany")
    # Berlin and the Germans are Germany's mentions too: three passages, one per sentence
    assert ArticleAttitude(sysm).predict(X).tolist() == ["uneasy"]  # 0.7 of support beats 0.55
    assert sorted(sysm.seen) == ["Berlin", "Germans", "Germany"]
    assert ArticleAttitude(sysm, min_evidence=0.75).predict(X).tolist() == ["neutral"]
    assert ArticleAttitude(sysm, min_evidence=0.6).predict(X).tolist() == ["uneasy"]
    assert ArticleAttitude(sysm, rule="mean").predict(X).tolist() == ["neutral"]
    assert ArticleAttitude(sysm).predict(_rows(ARTICLE, "Canada")).tolist() == ["neutral"]


def test_article_attitude_bad_rows_are_named():
    from stance.analysis import ArticleAttitude

    sysm = _Fixed({"": _p("neutral", 0.9)})
    X = _rows(ARTICLE, "Canada")
    X.loc[0, ["target_start", "target_end"]] = [len(ARTICLE) + 5, len(ARTICLE) + 9]
    with pytest.raises(ValueError, match="row 0 .*outside the article"):
        ArticleAttitude(sysm).predict(X)
    with pytest.raises(ValueError, match="missing: target_start, target_end"):
        ArticleAttitude(sysm).predict(X[["text", "target"]])
    with pytest.raises(ValueError, match="rule must be"):
        ArticleAttitude(sysm, rule="vote").predict(X)


def test_article_attitude_follows_the_estimator_contract():
    from sklearn.base import clone

    from stance.analysis import ArticleAttitude

    sysm = _Fixed({"": _p("neutral", 0.9)})
    est = ArticleAttitude(sysm, min_evidence=0.6)
    twin = clone(est)
    assert twin.get_params()["min_evidence"] == 0.6 and twin.fit(None) is twin
    assert list(twin.classes_) == list(sysm.classes_)  # the passage system's, read when asked
    assert twin.set_params(rule="mean").rule == "mean"
    with pytest.raises(ValueError, match="invalid parameter .rules."):
        twin.set_params(rules="mean")


def test_article_attitude_gives_analyze_labels_with_the_shipped_model(demo, demo_text):
    import pandas as pd

    from stance import StanceClassifier
    from stance.analysis import ArticleAttitude

    X = pd.DataFrame([{"text": demo_text, "target": a.name, "target_start": a.mentions[0].start,
                       "target_end": a.mentions[0].end} for a in demo.actors])
    got = ArticleAttitude(StanceClassifier(task="attitude", model="default")).predict(X).tolist()
    assert got == [a.attitude.label for a in demo.actors]


def test_the_table_has_a_stance_column_only_with_a_topic(tiny_model_dir):
    from stance.analysis import analyze

    text = "Chancellor Olaf Scholz praised the deal. Scholz met Emmanuel Macron in Paris."
    plain = analyze(text, model=str(tiny_model_dir)).table().splitlines()
    assert plain[0].split() == ["actor", "type", "attitude", "sentiment", "mentions"]
    assert "    " not in plain[1]  # no empty column between sentiment and mentions
    topical = analyze(text, topic="the deal", model=str(tiny_model_dir)).table().splitlines()
    assert topical[0].split() == ["actor", "type", "attitude", "sentiment", "stance", "mentions"]
    assert topical[2].split()[-3] in ("favor", "against", "none")


def test_the_table_lines_up_names_in_wide_characters():
    from stance.analysis import Actor, ArticleAnalysis, Label

    def actor(name):
        return Actor(name, "person", [name], [], Label("neutral", 0.5, {}), Label("neutral", 0.5, {}), None, [])

    # CJK characters take two columns in a terminal: "习近平" was padded as three columns and pushed its row's
    # type, attitude and sentiment three columns left of the header's
    lines = ArticleAnalysis("", [actor("习近平"), actor("Joe Biden"), actor("Zoë")]).table().splitlines()
    cols = [line.index("person") + sum(c >= "\u1100" for c in line[:line.index("person")]) for line in lines[2:]]
    assert cols == [lines[0].index("type")] * 3


def test_possessor_passages_show_no_attitude():
    import numpy as np
    from stance.analysis import _aggregate, _prepare, _finder

    labels = ["neutral", "uneasy", "critical"]
    probs = np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1]])
    assert _aggregate("attitude", labels, probs).label == "uneasy"
    assert _aggregate("attitude", labels, probs, silent=[True, False]).label == "neutral"
    text = "The deal alarmed Russia's adversaries. Russia's warning came later. Russia's allies and Russia met."
    plain, marked = (_prepare(text, _finder(None), possessors=p) for p in (False, True))
    by = {(q.sentence, q.mention.start, q.bystander) for q in marked.pairs}
    assert {(q.sentence, q.mention.start) for q in plain.pairs} == {(0, 17), (1, 39), (2, 68)}
    # the third sentence is marked at the mention that is no bystander
    assert by == {(0, 17, True), (1, 39, False), (2, 88, False)}


def test_article_attitude_without_rows_predicts_no_rows(tiny_model):
    from stance.analysis import ArticleAttitude
    from stance.estimator import StanceClassifier

    X = _rows(ARTICLE, "Germany")
    aa = ArticleAttitude(StanceClassifier(task="attitude", model=tiny_model))
    assert len(aa.predict(X)) == 1
    # not "DataFrame needs columns 'text' and 'target' ...; it has []" about a frame that has them
    assert aa.predict(X.iloc[:0]).tolist() == []


def test_a_long_unquoted_topic_is_cut_with_a_warning(tiny_model_dir):
    text = "Angela Merkel praised the plan. Emmanuel Macron agreed."
    long_topic = " ".join(["the new European climate and energy policy"] * 8)
    res = stance.analyze(text, topic=long_topic, model=str(tiny_model_dir))
    assert any("the stance head read its first 32 tokens only" in w for w in res.warnings), res.warnings
    assert not stance.analyze(text, topic="the plan", model=str(tiny_model_dir)).warnings


def test_the_table_prints_a_hard_wrapped_passage_on_one_line():
    from stance.analysis import Actor, ArticleAnalysis, Evidence, Label, Mention

    text = "Putin dismissed the\nreport as  nonsense."
    lab = Label("dismissive", 0.9, {"dismissive": 0.9, "neutral": 0.1})
    ev = Evidence(text, 0, len(text), "dismissive", 0.9, "neutral", Mention("Putin", 0, 5))
    a = Actor("Vladimir Putin", "person", ["Putin"], [Mention("Putin", 0, 5)], lab,
              Label("neutral", 0.8, {"neutral": 0.8}), None, [ev])
    out = ArticleAnalysis(text, [a], None, "default").table()
    assert "“Putin dismissed the report as nonsense.”" in out and f"[0:{len(text)}]" in out
