import json
import subprocess
import sys

import numpy as np
import pytest

from stance.cli import main


def test_evaluate_user_file_json(tmp_path, capsys, tiny_model_dir):
    f = tmp_path / "mine.csv"
    f.write_text("text,who,y\nBeijing is uneasy about the pact.,Beijing,uneasy\n"
                 "The senator praised the plan.,senator,supportive\n")
    rc = main(["evaluate", "--model", str(tiny_model_dir), "--data", str(f), "--task", "attitude",
               "--target-col", "who", "--label-col", "y", "--json", "--n-boot", "20"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["n"] == 2 and {"accuracy", "macro_f1", "ci95"} <= set(out)
    # macro-F1 averages the labels the file or the predictions hold, as scikit-learn does, not all seven
    held = {"uneasy", "supportive"} | {lab for lab, v in out["per_class"].items() if v["precision"] > 0}
    used = [lab for lab in out["per_class"] if lab not in out["labels_absent"]]
    assert held <= set(used) and len(used) + len(out["labels_absent"]) == 7 and len(used) <= 4
    assert out["macro_f1"] == pytest.approx(sum(out["per_class"][lab]["f1"] for lab in used) / len(used))


def test_evaluate_dataset_json(capsys, tiny_model_dir):
    rc = main(["evaluate", "--model", str(tiny_model_dir), "--dataset", "newsmtsc-rw", "--split", "dev", "--json",
               "--n-boot", "20"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["n"] == 343 and out["metric"] == "macro_f1"


def test_errors_are_one_clear_line(tmp_path, capsys, tiny_model_dir):
    assert main(["evaluate", "--model", str(tmp_path), "--dataset", "newsmtsc-rw"]) == 2
    assert "not one of the shipped models" in capsys.readouterr().err
    assert main(["evaluate", "--dataset", "nope"]) == 2
    assert "unknown data set 'nope'" in capsys.readouterr().err
    f = tmp_path / "x.csv"
    f.write_text("text,target,label\nSome text here.,text,furious\n")
    assert main(["evaluate", "--model", str(tiny_model_dir), "--data", str(f), "--task", "attitude"]) == 2
    assert "x.csv:2: label 'furious'" in capsys.readouterr().err


def test_predict_from_stdin(tiny_model_dir):
    rows = "\n".join(json.dumps({"text": t, "target": "Putin"}) for t in ["Putin shrugged it off.", "Putin smiled."])
    r = subprocess.run([sys.executable, "-m", "stance.cli", "predict", "--model", str(tiny_model_dir), "--task",
                        "attitude"], input=rows, capture_output=True, text=True, timeout=300)
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.returncode == 0 and len(lines) == 2, r.stderr
    from stance.estimator import StanceClassifier

    clf = StanceClassifier(task="attitude", model=str(tiny_model_dir))
    proba = clf.predict_proba([(x["text"], x["target"]) for x in lines])
    for line, p in zip(lines, proba):  # the library's own probabilities, and the label is their argmax
        assert list(line["scores"]) == list(clf.classes_)
        np.testing.assert_allclose(list(line["scores"].values()), p, atol=1e-3)
        assert line["label"] == clf.classes_[p.argmax()] and line["score"] == max(line["scores"].values())


def test_evaluate_prints_a_readable_summary_also_without_an_interval(tmp_path, capsys, tiny_model_dir):
    f = tmp_path / "mine.csv"
    f.write_text("text,target,label\nBeijing is uneasy about the pact.,Beijing,uneasy\n"
                 "The senator praised the plan.,senator,supportive\n")
    assert main(["evaluate", "--model", str(tiny_model_dir), "--data", str(f), "--task", "attitude",
                 "--n-boot", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("mine.csv: n=2 macro_f1=") and "95% CI" not in out[0]
    assert any(line.split()[0] == "uneasy" and line.endswith("n=1") for line in out[1:])
    assert main(["evaluate", "--model", str(tiny_model_dir), "--data", str(f), "--task", "attitude",
                 "--n-boot", "20"]) == 0
    assert "95% CI" in capsys.readouterr().out


def _train(tmp_path, model_dir, *extra):
    """``stance train`` on 20 attitude rows from ``model_dir`` into tmp_path/out; its return code."""
    f = tmp_path / "train.jsonl"
    rows = [{"text": "Anna praised the plan while Boris attacked it.", "target": n, "label": l}
            for n, l in [("Anna", "supportive"), ("Boris", "critical")] * 10]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    return main(["train", "--data", str(f), "--task", "attitude", "--model", str(model_dir), "--epochs", "1",
                 *extra, "--out", str(tmp_path / "out"), "--quiet"])


def test_train_command_saves_a_model(tmp_path, capsys, tiny_model_dir):
    rc = _train(tmp_path, tiny_model_dir)
    assert rc == 0 and (tmp_path / "out" / "adapter.safetensors").exists()
    assert "eval step" in (tmp_path / "out" / "train.log").read_text()
    said = json.loads(capsys.readouterr().out)
    from stance.estimator import StanceClassifier

    saved = StanceClassifier(task="attitude", model=said["saved"])  # the folder loads, with the classes it printed
    assert list(saved.predict_proba([("Anna praised the plan.", "Anna")]).shape) == [1, len(said["classes"])]
    assert said["classes"] == list(saved.classes_) and {"supportive", "critical"} <= set(said["classes"])


def test_train_command_with_branch_keeps_the_other_tasks(tmp_path, tiny_model_dir):
    rc = _train(tmp_path, tiny_model_dir, "--branch")
    assert rc == 0 and (tmp_path / "out" / "branches" / "attitude" / "adapter.safetensors").exists()
    from safetensors.torch import load_file

    a = load_file(str(tiny_model_dir / "adapter.safetensors"))
    b = load_file(str(tmp_path / "out" / "adapter.safetensors"))  # the shared weights: as they were
    assert set(b) == {k for k in a if not k.startswith("heads.attitude.")} and all((a[k] == b[k]).all() for k in b)


def test_bad_files_are_named_with_their_line(tmp_path, capsys, tiny_model_dir):
    def evaluate(f, task="attitude"):
        rc = main(["evaluate", "--model", str(tiny_model_dir), "--data", str(f), "--task", task, "--n-boot", "0"])
        return rc, capsys.readouterr()

    good = "text,target,label\nBeijing is uneasy about the pact.,Beijing,uneasy\n"
    f = tmp_path / "cp1252.csv"
    f.write_bytes((good + "The caf\xe9 owner praised the plan.,owner,supportive\n").encode("cp1252"))
    rc, out = evaluate(f)
    assert rc == 2 and "cp1252.csv:3: not UTF-8 text (byte 0xe9 at column 8)" in out.err
    f = tmp_path / "excel.csv"  # a byte-order mark, as Excel writes it, is not part of the first column's name
    f.write_bytes(b"\xef\xbb\xbf" + good.encode())
    assert evaluate(f)[0] == 0
    f = tmp_path / "short.csv"
    f.write_text(good + "The senator praised the plan.,senator\n")
    rc, out = evaluate(f)
    assert rc == 2 and "short.csv:3: 2 fields, the header has 3" in out.err
    f = tmp_path / "header.csv"
    f.write_text("text,target,label\n")
    assert evaluate(f)[1].err.strip().endswith("header.csv: no rows")
    f = tmp_path / "scalar.jsonl"
    f.write_text(json.dumps({"text": "Putin smiled.", "target": "Putin", "label": "neutral"}) + "\n5\n")
    assert "scalar.jsonl:2: expected a JSON object per line, got int" in evaluate(f)[1].err
    rc, out = evaluate(tmp_path / "excel.csv", task="sentimnt")
    assert rc == 2 and "model has no 'sentimnt' head; it has ['attitude', 'directed', 'sentiment', 'stance']" in out.err
    f = tmp_path / "pred.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [{"text": "Putin smiled.", "target": "Putin"}, {},
                                                    {"text": "   ", "target": "Putin"}]).replace("{}", ""))
    assert main(["predict", str(f), "--model", str(tiny_model_dir), "--task", "attitude"]) == 2
    assert "pred.jsonl:3: field 'text' is empty" in capsys.readouterr().err
    f = tmp_path / "holder.csv"  # the file's line, not the row's index among the rows read
    f.write_text("text,target,holder\nBob praised Al.,Al,Bob\n\nBob praised Al.,Al,Zed\n")
    assert main(["predict", str(f), "--model", str(tiny_model_dir), "--task", "directed"]) == 2
    assert "holder.csv:4: holder 'Zed' does not occur in the text" in capsys.readouterr().err


def test_a_new_task_trains_and_evaluates_with_its_own_labels_as_written(tmp_path, capsys, tiny_model_dir):
    rows = [("The tariff hurts farmers.", "tariff", "Economic"), ("The tariff is simply wrong.", "tariff", "Moral")]
    f = tmp_path / "frames.csv"
    f.write_text("text,target,label\n" + "".join(f"{t},{g},{y}\n" for t, g, y in rows * 6))
    assert main(["train", "--data", str(f), "--task", "frame", "--model", str(tiny_model_dir), "--epochs", "1",
                 "--batch-size", "4", "--out", str(tmp_path / "m"), "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == ["Economic", "Moral"]
    assert main(["evaluate", "--model", str(tmp_path / "m"), "--data", str(f), "--task", "frame", "--n-boot", "0",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n"] == 12 and set(res["per_class"]) == {"Economic", "Moral"}
    assert main(["evaluate", "--model", str(tiny_model_dir), "--data", str(f), "--task", "frame"]) == 2
    assert "has no 'frame' head" in capsys.readouterr().err


def test_output_paths_are_checked_before_any_work(tmp_path, capsys, tiny_model_dir):
    f = tmp_path / "rows.jsonl"
    f.write_text(json.dumps({"text": "Putin shrugged it off.", "target": "Putin"}) + "\n")
    (tmp_path / "afile").write_text("x")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "Putin shrugged it off."}) + "\n")
    calls = [(["predict", str(f), "--model", str(tiny_model_dir), "-o", str(tmp_path / "nodir" / "o.jsonl")],
              "folder .*nodir does not exist"),
             (["evaluate", "--model", str(tiny_model_dir), "--dataset", "newsmtsc-rw", "--png", str(tmp_path)],
              "is a folder; give a file name"),
             (["evaluate", "--model", str(tiny_model_dir), "--dataset", "newsmtsc-rw", "--png",
               str(tmp_path / "afile" / "cm.png")], r"afile does not exist \(it is a file\)"),
             (["train", "--data", str(f), "--task", "frame", "--out", str(tmp_path / "afile")], "is a file"),
             (["evaluate", "--model", str(tiny_model_dir), "--dataset", "newsmtsc-rw", "--png",
               str(tmp_path / "cm.xyz")], "matplotlib cannot write '.xyz' files"),
             (["score", str(corpus), "-o", str(tmp_path / "afile"), "--model", str(tiny_model_dir)], "is a file"),
             (["analyze", str(f), "--html", str(tmp_path / "nodir" / "x.html")], "nodir does not exist")]
    import re

    for argv, why in calls:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert re.search(why, err) and "Traceback" not in err, (argv, err)
    assert main(["analyze", str(f), "--topic", "  "]) == 2
    assert "topic '  ' is blank" in capsys.readouterr().err
    assert main(["analyze", str(f), "--topic", "\u200b"]) == 2


def test_predict_into_a_closed_pipe_ends_quietly(tmp_path, tiny_model_dir):
    f = tmp_path / "rows.jsonl"
    f.write_text("".join(json.dumps({"text": f"Putin shrugged it off {i}.", "target": "Putin"}) + "\n"
                         for i in range(400)))
    p = subprocess.run(f"{sys.executable} -m stance.cli predict {f} --model {tiny_model_dir} | head -1",
                       shell=True, capture_output=True, text=True, timeout=300)
    assert p.stdout.count("\n") == 1 and "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr, p.stderr
