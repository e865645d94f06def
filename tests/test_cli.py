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
    assert rc == 2 and "--data needs --task, one of sentiment, stance, directed, attitude (got 'sentimnt')" in out.err
    f = tmp_path / "pred.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [{"text": "Putin smiled.", "target": "Putin"}, {},
                                                    {"text": "   ", "target": "Putin"}]).replace("{}", ""))
    assert main(["predict", str(f), "--model", str(tiny_model_dir), "--task", "attitude"]) == 2
    assert "pred.jsonl:3: field 'text' is empty" in capsys.readouterr().err
