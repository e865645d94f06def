import copy
import json
from pathlib import Path

from benchmarks.__main__ import record_speed
from benchmarks.report import write_report

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results.json"


def test_each_speed_run_is_kept_and_the_report_lists_them_by_machine(tmp_path):
    results = json.loads(RESULTS.read_text())
    results.pop("speed_history", None)
    first = results["speed"]
    first["machine"].pop("cpu_flags", None)  # a run from before the CPU's features were recorded
    later = copy.deepcopy(first)
    later.update(date="2030-01-01T00:00:00+00:00", batched_bf16_speedup=7.5, batched_bf16_speedup_per_round=[7.0, 7.5],
                 machine={**first["machine"], "cpu": "Some Other CPU", "cpu_flags": ["avx2", "avx512_bf16"]})
    record_speed(results, later)
    assert [h["date"] for h in results["speed_history"]] == [first["date"], later["date"]]
    assert results["speed"]["date"] == later["date"]
    third = {**copy.deepcopy(later), "date": "2030-02-01T00:00:00+00:00"}
    record_speed(results, third)  # the run it replaces is already in the history: not listed twice
    assert [h["date"] for h in results["speed_history"]] == [first["date"], later["date"], third["date"]]
    (tmp_path / "plots").mkdir()
    text = write_report(results, tmp_path).read_text()
    assert sum(l.startswith(("| 2030-01-01", "| 2030-02-01", f"| {first['date'][:16]}"))
               for l in text.splitlines()) == 3
    assert "Some Other CPU | avx2, avx512_bf16 |" in text and "7.5 (7.0, 7.5)" in text
    assert f"| {first['date'][:16]} | {first['machine']['cpu']} | not recorded |" in text


def test_an_ensemble_is_scored_only_on_the_tasks_all_its_models_have():
    from benchmarks.accuracy import ENSEMBLES, make_system

    assert "default+mpnet-attitude" in ENSEMBLES
    est = make_system("default+mpnet-attitude", "attitude")
    assert est.model == "default+mpnet-attitude" and est.task == "attitude"
    assert make_system("default+mpnet-attitude", "sentiment") is None  # mpnet-attitude has no sentiment head
    assert make_system("default+not-shipped", "attitude") is None
    assert make_system("default", "sentiment").model == "default"


def test_the_article_count_of_attitude_articles_comes_from_the_run(tmp_path):
    results = json.loads(RESULTS.read_text())
    rows = [r for r in results["accuracy"] if r.get("dataset") == "attitude-articles" and "system" in r]
    assert rows
    (tmp_path / "plots").mkdir()
    for r in rows:
        r["articles"] = 7  # what a run recorded wins over what the data set holds now
    assert "actor of the 7 test articles the run read" in write_report(results, tmp_path).read_text()
    for r in rows:
        r.pop("articles")
        r["n"] += 1  # an older run over rows the data set no longer has: its article count is not guessed
    assert "(their number not recorded by it)" in write_report(results, tmp_path).read_text()


def test_a_skipped_data_set_keeps_its_earlier_figures_and_a_later_run_clears_the_skip(tmp_path):
    from benchmarks.__main__ import merge

    results = json.loads(RESULTS.read_text())
    (tmp_path / "plots").mkdir()
    dse = [r for r in results["accuracy"] if r.get("dataset") == "dse"]
    assert any(r.get("paired_test") for r in dse)
    skip = {"dataset": "dse", "split": "test", "skipped": "dse: missing file /nowhere/dse/test.txt"}
    results["accuracy"] = merge(results["accuracy"], [skip])
    assert [r for r in results["accuracy"] if r.get("dataset") == "dse" and r is not skip] == dse
    text = write_report(results, tmp_path).read_text()
    section = text.split("### dse (test)")[1].split("###")[0]
    assert "Skipped by the latest run: dse: missing file" in section and "| default | model |" in section
    again = [r for r in dse if not r.get("paired_test")]
    results["accuracy"] = merge(results["accuracy"], again)
    assert not [r for r in results["accuracy"] if "skipped" in r and r.get("dataset") == "dse"]
    assert "Skipped" not in write_report(results, tmp_path).read_text().split("### dse (test)")[1].split("###")[0]


def test_a_cpu_without_native_bf16_is_reported_as_running_fp32(tmp_path):
    results = json.loads(RESULTS.read_text())
    results.pop("speed_history", None)
    native = copy.deepcopy(results["speed"])
    native.update(bf16_native=True, bf16_encoder="traced", date="2030-01-01T00:00:00+00:00")
    record_speed(results, native)
    emulated = copy.deepcopy(native)
    emulated.update(bf16_native=False, bf16_encoder="none: ran fp32", date="2030-02-01T00:00:00+00:00")
    record_speed(results, emulated)
    assert results["speed_history"][-1]["bf16_native"] is False  # the history keeps it
    (tmp_path / "plots").mkdir()
    text = write_report(results, tmp_path).read_text()
    assert "this CPU has no native bfloat16, so it ran in fp32" in text and "of the fp32 ceiling |" in text
    assert "(not native here: emulated" in text and "TorchScript trace;" not in text
    rows = {l.split(" | ")[0]: l for l in text.splitlines() if l.startswith("| 2030-")}
    assert "| traced |" in rows["| 2030-01-01T00:00"] and "| none: ran fp32 |" in rows["| 2030-02-01T00:00"]
    native.update(date="2030-03-01T00:00:00+00:00")
    record_speed(results, native)
    text = write_report(results, tmp_path).read_text()
    assert "of the bf16 ceiling |" in text and "not native here" not in text


def test_the_matmul_ceiling_takes_the_shapes_it_is_given():
    import torch

    from benchmarks.speed import matmul_ceiling

    small = matmul_ceiling(torch.float32, reps=1, rounds=1, shapes=[(8, 8, 8)])
    assert 0 < small < matmul_ceiling(torch.float32, reps=2, rounds=1, shapes=[(256, 256, 256)])


def test_unknown_names_are_refused_and_out_leaves_the_readme_and_cards_alone(tmp_path, capsys):
    import pytest

    from benchmarks.__main__ import ROOT, main

    for argv, why in ((["--datasets", "semeval2016"], "unknown data set(s) ['semeval2016']"),
                      (["--systems", "defualt"], "unknown system(s) ['defualt']")):
        with pytest.raises(SystemExit):
            main(argv + ["--skip-speed", "--skip-corpus", "--out", str(tmp_path)])
        assert why in capsys.readouterr().err
    readme, card = (ROOT / "README.md").read_text(), (ROOT / "models" / "default" / "README.md").read_text()
    main(["--report-only", "--out", str(tmp_path)])
    assert (tmp_path / "RESULTS.md").exists()
    assert (ROOT / "README.md").read_text() == readme
    assert (ROOT / "models" / "default" / "README.md").read_text() == card


def test_a_run_without_bootstrap_and_skipped_systems_are_reported(tmp_path):
    results = {"runs": [], "accuracy": [
        {"dataset": "semeval2016-b", "split": "test", "system": "vader", "kind": "baseline", "score": 0.41,
         "ci95": [], "accuracy": 0.5, "macro_f1": 0.4, "metric": "f_avg", "n": 707, "per_class": {},
         "command": "python -m benchmarks --n-boot 0", "items_per_second": 10.0,
         "unseen_sentences_skipped": "x"},
        {"dataset": "semeval2016-b", "split": "test", "system": "tfidf-logreg",
         "skipped": "semeval2016-a: missing file trainingdata-all-annotations.txt"}]}
    (tmp_path / "plots").mkdir()
    section = write_report(results, tmp_path).read_text().split("### semeval2016-b (test)")[1]
    assert "| vader | baseline | **41.0** | — |" in section
    assert "Not scored by the latest run: tfidf-logreg (semeval2016-a: missing file" in section


def test_baselines_that_learn_nothing_run_without_a_training_split(tmp_path):
    import shutil

    from benchmarks.accuracy import run_accuracy

    from .conftest import need_data

    src = need_data("semeval2016", "testdata-taskB-all-annotations.txt")
    (tmp_path / "semeval2016").mkdir()
    shutil.copy(src, tmp_path / "semeval2016")  # no training file: TF-IDF cannot learn, VADER needs none
    rows, _ = run_accuracy(["semeval2016-b"], ["vader", "tfidf-logreg"], str(tmp_path), n_boot=0,
                           progress=lambda m: None)
    by = {r.get("system"): r for r in rows}
    assert by["vader"]["score"] > 0.3 and by["vader"]["ci95"] == []
    assert "trainingdata-all-annotations.txt" in by["tfidf-logreg"]["skipped"]


def test_rows_that_repeat_training_sentences_are_reported_apart(tmp_path):
    row = {"dataset": "dse", "split": "test", "kind": "model", "score": 0.65, "ci95": [0.6, 0.7], "accuracy": 0.7,
           "macro_f1": 0.65, "metric": "macro_f1", "n": 1623, "per_class": {}, "command": "c",
           "not_in_train": {"score": 0.6, "ci95": [0.55, 0.65], "n": 1222, "train": "dse/train"}}
    results = {"runs": [], "accuracy": [
        {**row, "system": "default"},
        {**row, "system": "tfidf-logreg", "kind": "baseline", "score": 0.62,
         "not_in_train": {"score": 0.55, "ci95": [0.5, 0.6], "n": 1222, "train": "dse/train"}},
        {"dataset": "dse", "split": "test", "paired_test": True, "model": "default", "baseline": "tfidf-logreg",
         "diff": 0.03, "ci95": [-0.01, 0.07], "p_value": 0.08,
         "not_in_train": {"n": 1222, "diff": 0.05, "ci95": [0.01, 0.09], "p_value": 0.01}}]}
    (tmp_path / "plots").mkdir()
    section = write_report(results, tmp_path).read_text().split("### dse (test)")[1]
    assert "401 of the 1623 test rows repeat a sentence of dse/train verbatim" in section
    assert "On the other 1222: default 60.0 (55.0–65.0); tfidf-logreg 55.0 (50.0–60.0)." in section
    assert "Paired bootstrap on those rows, default − tfidf-logreg: 5.0 points (95% CI 1.0 to 9.0" in section


def test_a_model_that_cannot_load_is_skipped_and_the_run_goes_on(tmp_path, monkeypatch):
    import shutil

    from benchmarks.accuracy import run_accuracy
    from stance.labels import TASK_LABELS
    from stance.modeling import StanceModel

    from .conftest import need_data

    src = need_data("semeval2016", "testdata-taskB-all-annotations.txt")
    (tmp_path / "data" / "semeval2016").mkdir(parents=True)
    shutil.copy(src, tmp_path / "data" / "semeval2016")
    StanceModel.tiny({"stance": TASK_LABELS["stance"]}).save(tmp_path / "models" / "broken")
    (tmp_path / "models" / "broken" / "adapter.safetensors").write_bytes(b"garbage")
    monkeypatch.setenv("STANCE_MODELS", str(tmp_path / "models"))
    rows, _ = run_accuracy(["semeval2016-b"], ["vader", "broken"], str(tmp_path / "data"), n_boot=0,
                           progress=lambda m: None)
    by = {r.get("system"): r for r in rows}
    assert "score" in by["vader"] and "missing or corrupt adapter weights" in by["broken"]["skipped"]
