import json
import subprocess
import sys

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
    assert r.returncode == 0 and len(lines) == 2 and lines[0]["label"] in lines[0]["scores"]


def test_train_command_saves_a_model(tmp_path, capsys, tiny_model_dir):
    f = tmp_path / "train.jsonl"
    rows = [{"text": "Anna praised the plan while Boris attacked it.", "target": n, "label": l}
            for n, l in [("Anna", "supportive"), ("Boris", "critical")] * 10]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    rc = main(["train", "--data", str(f), "--task", "attitude", "--model", str(tiny_model_dir), "--epochs", "1",
               "--out", str(tmp_path / "out"), "--quiet"])
    assert rc == 0 and (tmp_path / "out" / "adapter.safetensors").exists()
    assert (tmp_path / "out" / "train.log").exists()
