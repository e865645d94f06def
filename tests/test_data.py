import json

import pytest

from stance.data import DataError, clean_dse_sentence, load_dataset, load_file

from .conftest import ATTITUDE_SOURCES, DATA, MIXTURE_SOURCES, need_data, need_sources


def test_newsmtsc_is_shipped_and_spans_match():
    ds = load_dataset("newsmtsc-rw", "test")
    assert len(ds) == 803
    for r in ds.select(range(50)):
        assert r["text"][r["target_start"]:r["target_end"]] == r["target"]
    assert set(ds[:]["label"]) == {"negative", "neutral", "positive"}
    assert len(load_dataset("newsmtsc-mt", "test")) == 1034


def test_dse_loader_real_file():
    need_data("dse", "test.txt")
    ds = load_dataset("dse", "test")
    assert len(ds) == 1623
    r = ds[0]
    assert r["text"][r["holder_start"]:r["holder_end"]] == r["holder"] == "Breitbart News"
    assert r["text"][r["target_start"]:r["target_end"]] == "Trump"
    assert "[" not in r["text"][:20]


def test_dse_brackets_cut_inside_a_word_are_widened():
    text, spans = clean_dse_sentence("Police in [Los Angele]s met [ Obama].")
    assert [text[a:b] for a, b in spans] == ["Los Angeles", "Obama"]


def test_semeval_cp1252_training_file_and_fixed_dev_split():
    need_data("semeval2016", "trainingdata-all-annotations.txt")
    tr, dev = load_dataset("semeval2016-a", "train"), load_dataset("semeval2016-a", "dev")
    assert len(tr) + len(dev) == 2814
    assert not set(tr[:]["id"]) & set(dev[:]["id"])
    assert len(load_dataset("semeval2016-a", "test")) == 1249
    b = load_dataset("semeval2016-b", "test")
    assert len(b) == 707 and set(b[:]["group"]) == {"Donald Trump"}
    assert b[0]["target_start"] is None  # a topic, not a span
    for ds in (tr, dev, b):  # the organisers' placeholder hashtag is read as no real text has it: not at all
        assert not any("#semst" in t.lower() for t in ds[:]["text"])


def test_semeval_placeholder_hashtag_is_removed(tmp_path):
    (tmp_path / "semeval2016").mkdir()
    (tmp_path / "semeval2016" / "testdata-taskA-all-annotations.txt").write_text(
        "ID\tTarget\tTweet\tStance\n1\tAtheism\tGod is great #faith #SemST\tAGAINST\n"
        "2\tAtheism\t#SemST\tNONE\n3\tAtheism\tThe #SemSTudy of #SemST faith\tNONE\n")
    texts = load_dataset("semeval2016-a", "test", tmp_path)[:]["text"]
    # a tweet that is nothing but the tag keeps it (no empty texts); a longer word that starts like it stays
    assert texts == ["God is great #faith", "#SemST", "The #SemSTudy of faith"]


def test_pstance():
    need_data("pstance", "raw_test_trump.csv")
    ps = load_dataset("pstance", "test")
    assert len(ps) == 2157 and set(ps[:]["label"]) == {"favor", "against"}


def test_persent():
    need_data("persent", "dev.csv")
    pe = load_dataset("persent", "dev")
    assert len(pe) == 578


def test_attitude_split_by_passage_and_rebuilt_text():
    need_sources(ATTITUDE_SOURCES)
    splits = {s: load_dataset("attitude", s) for s in ("train", "dev", "test")}
    texts = {s: set(d[:]["text"]) for s, d in splits.items()}
    assert not texts["train"] & texts["test"] and not texts["train"] & texts["dev"] and not texts["dev"] & texts["test"]
    total = sum(len(d) for d in splits.values())
    assert total >= 1500
    for d in splits.values():
        for r in d.select(range(20)):
            assert r["text"][r["target_start"]:r["target_end"]] == r["target"]


def test_attitude_articles_rebuilt_from_persent_and_split_by_article(tmp_path):
    need_data("persent", "dev.csv")
    from stance.attitude_data import ARTICLES, load_article_rows
    from stance.labels import TASK_LABELS

    dev, test = load_dataset("attitude-articles", "dev"), load_dataset("attitude-articles", "test")
    assert len(dev) == 345 and len(test) == 365  # two rounds; not_actor entries are left out
    assert not set(dev[:]["text"]) & set(test[:]["text"])
    assert set(dev[:]["label"]) | set(test[:]["label"]) <= set(TASK_LABELS["attitude"])
    for r in dev:
        assert 0 <= r["target_start"] < r["target_end"] <= len(r["text"])
        assert r["text"][r["target_start"]:r["target_end"]].strip()
    # a record whose mention is not where it says is named with its line
    lines = ARTICLES.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[2])
    bad["start"] += 1
    lines[2] = json.dumps(bad)
    p = tmp_path / "articles.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"articles.jsonl:3: mention"):
        load_article_rows(bad["split"], DATA, p)


def test_training_mixture_leaves_out_other_benchmarks_held_out_sentences():
    """Attitude passages that are DSE/NewsMTSC dev or test sentences (or PerSenT's) stay in the data set but never
    reach training: the model must not read the text of a sentence another benchmark scores it on."""
    need_sources(MIXTURE_SOURCES)
    from stance.attitude_data import held_out_elsewhere
    from stance.recipes import mixture

    ids = load_dataset("attitude", "train")[:]["id"]
    assert any(held_out_elsewhere(i) for i in ids)  # the filter has something to do
    dse_test = {t for t in load_dataset("dse", "test")[:]["text"]} | set(load_dataset("dse", "dev")[:]["text"])
    train, _ = mixture()
    seen = {it.text for it in train["attitude"].items}
    assert not seen & dse_test
    assert len(seen) < len(set(load_dataset("attitude", "train")[:]["text"]))


def test_unknown_dataset_and_missing_folder_name_the_problem(tmp_path):
    with pytest.raises(DataError, match="unknown data set"):
        load_dataset("nope")
    with pytest.raises(DataError, match=r"dse: missing file .*valid.txt"):
        load_dataset("dse", "dev", tmp_path)
    with pytest.raises(DataError, match="has no 'train' split"):
        load_dataset("persent", "train")


def test_load_file_csv_jsonl_and_errors(tmp_path):
    p = tmp_path / "mine.jsonl"
    p.write_text(json.dumps({"text": "Beijing is uneasy.", "who": "Beijing", "y": "uneasy"}) + "\n")
    ds = load_file(p, "attitude", target_col="who", label_col="y")
    assert ds[0]["target_start"] == 0 and ds[0]["label"] == "uneasy"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "target": "a", "label": "neutral"}\n{not json}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2: not valid JSON"):
        load_file(bad, "attitude")
    c = tmp_path / "c.csv"
    c.write_text("text,target,label\nThe senator praised it.,senator,happy\n")
    with pytest.raises(DataError, match=r"c.csv:2: label 'happy'"):
        load_file(c, "attitude")
    with pytest.raises(DataError, match=r"missing column 'tgt'"):
        load_file(c, "attitude", target_col="tgt")
    topic = tmp_path / "t.csv"
    topic.write_text("text,target,label\nWe must act on the climate now.,Climate Change,favor\n")
    assert load_file(topic, "stance")[0]["target_start"] is None


def test_a_recipe_can_pin_the_attitude_rounds_it_read():
    need_sources(MIXTURE_SOURCES)
    import json

    from stance.attitude_data import ANNOTATIONS
    from stance.recipes import mixture

    rounds = {}
    for line in ANNOTATIONS.open(encoding="utf-8"):
        r = json.loads(line)
        if r["split"] == "train" and not r.get("held_out_elsewhere"):
            rounds[r["round"]] = rounds.get(r["round"], 0) + 1
    all_rounds, _ = mixture()
    upto5, _ = mixture(attitude_max_round=5)
    upto6, _ = mixture(attitude_max_round=6)
    # the mixture holds each attitude pair twice (oversampled); pinning at N leaves out the rounds after N
    later = max(rounds)
    assert len(all_rounds["attitude"].items) - len(upto5["attitude"].items) == 2 * sum(
        rounds[r] for r in range(6, later + 1))
    assert len(upto6["attitude"].items) - len(upto5["attitude"].items) == 2 * rounds[6]
    assert len(upto5["sentiment"].items) == len(all_rounds["sentiment"].items)


def test_a_label_typo_in_a_benchmark_file_names_file_and_line(tmp_path):
    (tmp_path / "semeval2016").mkdir()
    (tmp_path / "semeval2016" / "testdata-taskA-all-annotations.txt").write_text(
        "ID\tTarget\tTweet\tStance\n1\tAtheism\tGod is great\tAGAINST\n2\tAtheism\tNo god\tAGAINS\n")
    with pytest.raises(DataError, match=r"testdata-taskA-all-annotations.txt:3: stance 'AGAINS' is not FAVOR"):
        load_dataset("semeval2016-a", "test", tmp_path)
    (tmp_path / "persent").mkdir()
    (tmp_path / "persent" / "dev.csv").write_text("DOC,ENTITY\nx,y\n")
    with pytest.raises(DataError, match=r"dev.csv:2: missing column\(s\) \['DOCUMENT_INDEX'"):
        load_dataset("persent", "dev", tmp_path)


def test_topic_stance_news_records_are_consistent():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "stance" / "resources" / "topic_stance" / "news.jsonl"
    recs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 164 and {r["split"] for r in recs} == {"dev", "test"}
    for r in recs:
        assert r["text"][r["actor_start"]:r["actor_end"]] == r["actor"]
        assert r["text"][r["topic_start"]:r["topic_end"]] == r["topic"]
        assert not (r["topic_start"] < r["actor_end"] and r["actor_start"] < r["topic_end"])
        assert r["paraphrase"].lower() not in r["text"].lower()
        assert r["stance"] in ("favor", "against", "none") and r["second_reading"] in (None, "favor", "against", "none")
    assert sum(r["second_reading"] is not None for r in recs) == 84


def test_topic_stance_news_rebuilds_from_its_annotation_files(tmp_path, monkeypatch):
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("tsn", root / "tools" / "topic_stance_news.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(tool, "DATA", tmp_path / "news.jsonl")
    tool.merge(root / "stance" / "resources" / "topic_stance" / "annotation")
    assert (tmp_path / "news.jsonl").read_bytes() == (root / "stance" / "resources" / "topic_stance" /
                                                      "news.jsonl").read_bytes()


def test_load_file_finds_spans_as_predict_does_and_keeps_holders_and_label_case(tmp_path):
    from stance.inputs import as_items

    p = tmp_path / "rows.jsonl"
    rows = [{"text": "Critics told us the US plan failed.", "target": "US", "label": "Negative"},
            {"text": "İzmir voters: Ekrem praised Ali.", "target": "ali", "label": "POSITIVE"},
            {"text": "Bob praised Carol, and Carol thanked Bob.", "target": "Carol", "holder": "Bob",
             "label": "neutral"}]
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    ds = load_file(p, "sentiment")
    marked = [r["text"][r["target_start"]:r["target_end"]] for r in ds]
    assert marked == ["US", "Ali", "Carol"]  # as written first, then ignoring case, offsets into the text itself
    assert [(i.target_start, i.target_end) for i in as_items(rows)] == [(r["target_start"], r["target_end"])
                                                                       for r in ds]
    assert ds[2]["holder"] == "Bob" and (ds[2]["holder_start"], ds[2]["holder_end"]) == (0, 3)
    assert ds["label"] == ["negative", "positive", "neutral"]  # a built-in label set: matched ignoring case
    frames = tmp_path / "frames.csv"
    frames.write_text("text,target,label\nThe tariff hurts farmers.,tariff,Economic\nThe tariff is wrong.,tariff,"
                      "Moral\n")
    assert load_file(frames, "frame")["label"] == ["Economic", "Moral"]  # a new task: labels as written
    with pytest.raises(DataError, match=r"frames.csv:2: label 'Economic' in column 'label' is not one of"):
        load_file(frames, "frame", labels=["security", "moral"])
    assert load_file(frames, "frame", labels=["economic", "moral"])["label"] == ["economic", "moral"]
    assert load_file(frames, "frame", labels=["moral"], new_labels=True)["label"] == ["Economic", "moral"]
    bad = tmp_path / "bad.csv"
    bad.write_text("text,target,label,holder\nThe tariff hurts.,tariff,neutral,\nThe tariff hurts., ,neutral,\n")
    with pytest.raises(DataError, match=r"bad.csv:3: empty target in column 'target'"):
        load_file(bad, "sentiment")
    bad.write_text("text,target,label,holder\nThe tariff hurts.,tariff,neutral,Carol\n")
    with pytest.raises(DataError, match=r"bad.csv:2: holder 'Carol' in column 'holder' does not occur"):
        load_file(bad, "directed")


def test_corrupted_benchmark_files_are_errors_naming_file_and_line(tmp_path):
    (tmp_path / "dse").mkdir()
    (tmp_path / "dse" / "test.txt").write_bytes(
        "[Obama] praised [Merkel] .\tObama\tMerkel\t1\n".encode() + b"[Caf\xe9] met [Lee] .\tCafe\tLee\t0\n")
    with pytest.raises(DataError, match=r"test.txt:2: not UTF-8 text \(byte 0xe9"):
        load_dataset("dse", "test", tmp_path)
    (tmp_path / "pstance").mkdir()
    for who in ("trump", "biden", "bernie"):
        (tmp_path / "pstance" / f"raw_test_{who}.csv").write_text(
            'Tweet,Target,Stance\n"Great\nrally",Donald Trump,FAVOR\nSad day,Donald Trump\n')
    with pytest.raises(DataError, match=r"raw_test_trump.csv:4: 2 fields, the header has 3"):
        load_dataset("pstance", "test", tmp_path)
    (tmp_path / "semeval2016").mkdir()
    (tmp_path / "semeval2016" / "testdata-taskB-all-annotations.txt").write_text(
        "ID\tTarget\tTweet\tStance\n1\tDonald Trump\tA line\u2028break in a tweet #SemST\tFAVOR\n")
    ds = load_dataset("semeval2016-b", "test", tmp_path)
    assert ds[0]["text"] == "A line\u2028break in a tweet" and ds[0]["label"] == "favor"


def test_user_csv_files_name_the_first_line_of_a_record_and_refuse_repeated_columns(tmp_path):
    f = tmp_path / "mine.csv"
    long = "word " * 40_000  # beyond the csv module's default field limit
    f.write_text(f'text,target,label\n"{long}Putin smiled.",Putin,neutral\n"Two\nlines",Two,happy\n')
    with pytest.raises(DataError, match=r"mine.csv:3: label 'happy'"):
        load_file(f, "sentiment")
    f.write_text("text,target,label,text\nPutin smiled.,Putin,neutral,Other text\n")
    with pytest.raises(DataError, match=r"mine.csv:1: column\(s\) \['text'\] appear more than once"):
        load_file(f, "sentiment")


def test_a_tsv_or_spreadsheet_is_refused_by_its_suffix(tmp_path):
    from stance.data import DataError, read_rows

    f = tmp_path / "mine.tsv"
    f.write_text("text\ttarget\tlabel\nThe plan works.\tplan\tpositive\n")
    with pytest.raises(DataError, match=r"mine.tsv: .tsv files are not read; save it as CSV"):
        read_rows(f, default="jsonl")
