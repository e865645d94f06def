import json
import socket

import numpy as np
import pytest
import torch

from stance.backbone import ModelError
from stance.encoding import Item
from stance.modeling import LoRALinear, StanceModel, TracedEncoder, bf16_native

ITEMS = [Item("Biden praised Trump.", 0, 5, holder_start=14, holder_end=19), Item("I love it", topic="Atheism")]


def test_save_load_roundtrip(tmp_path, tiny_model):
    tiny_model.save(tmp_path / "m")
    m2 = StanceModel.load(tmp_path / "m")
    for task in ("sentiment", "stance", "directed", "attitude"):
        np.testing.assert_allclose(tiny_model.predict_proba(ITEMS, task), m2.predict_proba(ITEMS, task), atol=1e-6)
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["tasks"]["attitude"][0] == "supportive"


def test_float16_save_halves_the_file_and_loads_back(tmp_path):
    tiny_model = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]})
    with torch.no_grad():  # non-zero adapters, so the test sees them
        for m in tiny_model.lora_modules():
            m.lora_b.normal_(0, 0.05)
    items = [Item("The mayor praised the new bridge.", 4, 9), Item("Critics slammed the senator.", 20, 27)]
    before = tiny_model.predict_proba(items, "sentiment", bf16=False)
    full, half = tiny_model.save(tmp_path / "f32"), tiny_model.save(tmp_path / "f16", dtype="float16")
    size = lambda d: (d / "adapter.safetensors").stat().st_size  # noqa: E731
    assert size(half) < 0.6 * size(full)
    back = StanceModel.load(half)
    assert all(p.dtype == torch.float32 for p in back.parameters())
    np.testing.assert_allclose(back.predict_proba(items, "sentiment", bf16=False), before, atol=2e-3)


def test_lora_merge_is_exact():
    torch.manual_seed(0)
    lin = LoRALinear(torch.nn.Linear(8, 4), r=2, alpha=4)
    torch.nn.init.normal_(lin.lora_b)
    x = torch.randn(3, 8)
    y = lin(x)
    lin.merge(True)
    assert torch.allclose(lin(x), y, atol=1e-5)
    lin.merge(False)
    assert torch.allclose(lin(x), y, atol=1e-5)


def test_growing_the_adapters_keeps_the_function_and_saves_the_new_rank(tmp_path):
    m = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]})
    with torch.no_grad():
        for lin in m.lora_modules():
            lin.lora_b.normal_(0, 0.05)
    items = [Item("The mayor praised the new bridge.", 4, 9), Item("Critics slammed the senator.", 20, 27)]
    before = m.predict_proba(items, "sentiment", bf16=False)
    r0, scale = m.hp["lora_r"], m.hp["lora_alpha"] / m.hp["lora_r"]
    m.grow_adapters(2 * r0)
    assert all(lin.lora_a.shape[0] == 2 * r0 and lin.lora_b.shape[1] == 2 * r0 for lin in m.lora_modules())
    assert m.hp["lora_alpha"] / m.hp["lora_r"] == scale
    np.testing.assert_allclose(m.predict_proba(items, "sentiment", bf16=False), before, atol=1e-5)
    new_a = m.lora_modules()[0].lora_a[r0:]
    assert new_a.abs().sum() > 0 and new_a.requires_grad  # the new directions can learn (B's new columns are 0)
    back = StanceModel.load(m.save(tmp_path / "wide"))
    assert back.hp["lora_r"] == 2 * r0
    np.testing.assert_allclose(back.predict_proba(items, "sentiment", bf16=False), before, atol=1e-5)
    with pytest.raises(ValueError, match="shrink"):
        m.grow_adapters(r0)


def test_corrupt_and_foreign_folders(tmp_path, tiny_model_dir):
    with pytest.raises(ModelError, match="no config.json"):
        StanceModel.load(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bert", "hidden_size": 8}')
    with pytest.raises(ModelError, match="not a stance model folder"):
        StanceModel.load(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text((tiny_model_dir / "config.json").read_text())
    (bad / "backbone.safetensors").write_bytes((tiny_model_dir / "backbone.safetensors").read_bytes())
    (bad / "adapter.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="adapter.safetensors: missing or corrupt"):
        StanceModel.load(bad)
    (bad / "config.json").write_text("{broken")
    with pytest.raises(ModelError, match="corrupt config"):
        StanceModel.load(bad)
    (bad / "config.json").write_text("[1, 2, 3]")
    with pytest.raises(ModelError, match="not a stance model folder"):
        StanceModel.load(bad)
    (bad / "config.json").write_text('{"format": "stance-model/1"}')
    with pytest.raises(ModelError, match="config.json: corrupt config .missing or malformed hyperparameters"):
        StanceModel.load(bad)
    (bad / "config.json").write_text('{"format": "stance-model/1"}', encoding="utf-16")
    with pytest.raises(ModelError, match="config.json: corrupt config"):
        StanceModel.load(bad)
    good = json.loads((tiny_model_dir / "config.json").read_text())
    (bad / "adapter.safetensors").write_bytes((tiny_model_dir / "adapter.safetensors").read_bytes())
    for broken, why in [({"temperature": None}, r"no calibration temperature for task\(s\) \['sentiment'"),
                        ({"temperature": {k: v for k, v in good["temperature"].items() if k != "stance"}},
                         r"no calibration temperature for task\(s\) \['stance'\]"),
                        ({"temperature": {**good["temperature"], "stance": "x"}}, "a temperature is not a number"),
                        ({"hyperparameters": {**good["hyperparameters"], "foo": 1}},
                         "corrupt config .hyperparameters: .*unexpected keyword argument 'foo'")]:
        (bad / "config.json").write_text(json.dumps({**good, **broken}))
        with pytest.raises(ModelError, match=why):
            StanceModel.load(bad)
    (bad / "config.json").write_text(json.dumps(good))
    assert StanceModel.load(bad).labels == good["tasks"]


def test_extend_labels_keeps_old_rows(tiny_model):
    import copy

    m = copy.deepcopy(tiny_model)
    before = m.heads["attitude"].net[-1].weight.detach().clone()
    m.extend_labels("attitude", ["defiant"])
    assert m.labels["attitude"][-1] == "defiant"
    assert torch.equal(m.heads["attitude"].net[-1].weight[:7], before)
    assert m.predict_proba(ITEMS, "attitude").shape == (2, 8)


def test_loading_never_touches_the_network(monkeypatch, tiny_model_dir):
    def refuse(*a, **k):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    m = StanceModel.load(tiny_model_dir)
    assert m.predict_proba(ITEMS[:1], "sentiment").shape == (1, 3)


def test_bf16_inference_uses_a_twin_that_follows_weight_changes(monkeypatch):
    monkeypatch.setenv("STANCE_BF16", "1")  # the bf16 path, whatever this CPU does natively
    m = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]})
    items = [Item("The mayor praised the new bridge.", 4, 9), Item("Critics slammed the senator.", 20, 27)]
    fp32 = m.predict_proba(items, "sentiment", bf16=False)
    bf16 = m.predict_proba(items, "sentiment", bf16=True)
    np.testing.assert_allclose(bf16, fp32, atol=2e-2)
    twin = m.bf16_twin()
    assert twin is m.bf16_twin()  # cached while the weights stay the same
    assert all(p.dtype == torch.bfloat16 for p in twin.parameters())
    assert all(p.dtype == torch.float32 for p in m.parameters())  # the model itself is untouched
    # the CPU copy runs the plain attention (faster in bf16 at news-sentence lengths); the model keeps its own
    assert twin.encoder.config._attn_implementation == "eager"
    assert m.encoder.config._attn_implementation != "eager"
    import copy

    assert "_twin" not in copy.deepcopy(m).__dict__  # copies (estimator.fit) and pickles leave it behind
    with torch.no_grad():  # a change of the weights (as an optimiser step makes) must reach bf16 predictions
        m.heads["sentiment"].net[-1].bias.copy_(torch.tensor([0.0, 0.0, 8.0]))
    assert m.bf16_twin() is not twin
    after = m.predict_proba(items, "sentiment", bf16=True)
    assert (after.argmax(1) == 2).all()
    np.testing.assert_allclose(after, m.predict_proba(items, "sentiment", bf16=False), atol=2e-2)


def test_bf16_copy_runs_its_encoder_as_a_checked_trace(monkeypatch):
    monkeypatch.setenv("STANCE_BF16", "1")
    m = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]})
    twin = m.bf16_twin()
    assert isinstance(twin.encoder, TracedEncoder)
    items = [Item("The mayor praised the new bridge over the river on Sunday.", 4, 9),
             Item("Critics slammed the senator.", 20, 27), Item("Kim visited Moscow.", 0, 3),
             Item("Officials in the capital said the talks with the union would resume next week.", 0, 9)]
    traced = m.predict_proba(items, "sentiment", bf16=True)  # batch and length shapes it was not traced on
    twin.encoder = twin.encoder.eager
    np.testing.assert_array_equal(m.predict_proba(items, "sentiment", bf16=True), traced)


def test_bf16_only_where_the_hardware_has_it(monkeypatch):
    # emulated bfloat16 (AVX2-only laptops, ARM) runs several times slower than fp32 (tools/bf16_isa.py), so
    # bf16=True falls back to fp32 there: same predictions as fp32, and no bfloat16 copy is made
    m = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]})
    items = [Item("The mayor praised the new bridge.", 4, 9), Item("Critics slammed the senator.", 20, 27)]
    monkeypatch.setenv("STANCE_BF16", "0")
    assert not bf16_native("cpu")
    np.testing.assert_array_equal(m.predict_proba(items, "sentiment", bf16=True),
                                  m.predict_proba(items, "sentiment", bf16=False))
    assert "_twin" not in m.__dict__
    monkeypatch.setenv("STANCE_BF16", "1")
    assert bf16_native("cpu")
    m.predict_proba(items, "sentiment", bf16=True)
    assert "_twin" in m.__dict__
    monkeypatch.setenv("STANCE_BF16", "yes")
    with pytest.raises(ValueError, match="STANCE_BF16 must be 0"):
        m.predict_proba(items, "sentiment", bf16=True)
    monkeypatch.delenv("STANCE_BF16")
    assert bf16_native("meta") is False  # no bfloat16 hardware known for other device kinds


def test_a_trace_that_differs_from_its_encoder_is_refused():
    class ShapeDependent(torch.nn.Module):  # Python control flow on the input: a trace freezes one branch
        def __init__(self, encoder):
            super().__init__()
            self.enc, self.config = encoder, encoder.config

        def get_input_embeddings(self):
            return self.enc.get_input_embeddings()

        def forward(self, inputs_embeds, attention_mask):
            out = self.enc(inputs_embeds=inputs_embeds, attention_mask=attention_mask)
            if int(attention_mask.sum()) > 20:
                out.last_hidden_state = out.last_hidden_state * 2
            return out

    enc = StanceModel.tiny({"sentiment": ["negative", "neutral", "positive"]}).encoder
    assert TracedEncoder.trace(enc) is not None
    assert TracedEncoder.trace(ShapeDependent(enc)) is None


def _branched(seed=3):
    """A tiny model whose sentiment is answered by a branch with adapters of its own."""
    from stance.labels import TASK_LABELS

    m = StanceModel.tiny({t: TASK_LABELS[t] for t in ("sentiment", "stance")}, seed=0)
    b = m.new_branch("sentiment")
    torch.manual_seed(seed)
    with torch.no_grad():  # the branch's own adapters and head, so it answers differently
        for mod in b.lora_modules():
            mod.lora_b.normal_(0, 0.2)
        for p in b.heads["sentiment"].parameters():
            p.add_(torch.randn_like(p) * 0.5)
    return m, b


def test_a_branch_answers_its_task_and_leaves_the_others_to_the_shared_adapters():
    m, b = _branched()
    own = {t: m.predict_proba(ITEMS, t, bf16=False) for t in ("sentiment", "stance")}
    assert sorted(b.labels) == ["sentiment"] and not b.branches  # new_branch keeps the one head
    m.attach_branch("sentiment", b)
    np.testing.assert_allclose(m.predict_proba(ITEMS, "sentiment", bf16=False),
                               b.predict_proba(ITEMS, "sentiment", bf16=False), atol=1e-6)
    assert not np.allclose(m.predict_proba(ITEMS, "sentiment", bf16=False), own["sentiment"], atol=1e-3)
    np.testing.assert_allclose(m.predict_proba(ITEMS, "stance", bf16=False), own["stance"], atol=1e-6)
    both = m.logits(ITEMS, ["stance", "sentiment"], bf16=False)  # one call, the tasks in the order asked
    assert list(both) == ["stance", "sentiment"]
    np.testing.assert_allclose(torch.softmax(both["sentiment"], -1).numpy(),
                               b.predict_proba(ITEMS, "sentiment", bf16=False), atol=1e-6)
    assert "sentiment" not in m.heads and m.labels["sentiment"] == b.labels["sentiment"]  # the unused head goes
    assert m.detach_branch("sentiment") is b and not m.branches and sorted(m.labels) == ["stance"]
    with pytest.raises(ValueError, match="no task 'sentiment' to branch"):  # the task left with its branch
        m.attach_branch("sentiment", b)


def test_a_model_with_a_branch_can_branch_another_task():
    m, b = _branched()
    m.attach_branch("sentiment", b)
    other = m.new_branch("stance")  # a copy of the shared model, which has no sentiment head of its own
    assert sorted(other.labels) == ["stance"] and not other.branches and list(other.heads) == ["stance"]
    m.attach_branch("stance", other)
    assert sorted(m.branches) == ["sentiment", "stance"] and sorted(m.labels) == ["sentiment", "stance"]
    np.testing.assert_allclose(m.predict_proba(ITEMS, "stance", bf16=False),
                               other.predict_proba(ITEMS, "stance", bf16=False), atol=1e-6)


def test_a_branch_is_saved_in_its_subfolder_and_loads_back(tmp_path):
    m, b = _branched()
    m.attach_branch("sentiment", b)
    before = {t: m.predict_proba(ITEMS, t, bf16=False) for t in ("sentiment", "stance")}
    m.save(tmp_path / "m", branch_dtype="float16")
    from safetensors.torch import load_file

    shared = load_file(str(tmp_path / "m" / "adapter.safetensors"))
    own = load_file(str(tmp_path / "m" / "branches" / "sentiment" / "adapter.safetensors"))
    assert not any(k.startswith("heads.sentiment") for k in shared) and "heads.sentiment.net.4.weight" in own
    assert {v.dtype for v in shared.values()} == {torch.float32} and {v.dtype for v in own.values()} == {torch.float16}
    assert json.loads((tmp_path / "m" / "config.json").read_text())["branches"] == ["sentiment"]
    back = StanceModel.load(tmp_path / "m")
    assert sorted(back.branches) == ["sentiment"] and sorted(back.labels) == ["sentiment", "stance"]
    for t, p in before.items():
        np.testing.assert_allclose(back.predict_proba(ITEMS, t, bf16=False), p, atol=3e-3)
    back.detach_branch("sentiment")
    back.save(tmp_path / "m")  # saved again without it: the old subfolder goes
    assert not (tmp_path / "m" / "branches").exists()
    again = StanceModel.load(tmp_path / "m")
    assert not again.branches and sorted(again.labels) == ["stance"]


def test_a_missing_branch_folder_is_a_clear_error(tmp_path):
    m, b = _branched()
    m.attach_branch("sentiment", b)
    m.save(tmp_path / "m")
    import shutil

    shutil.rmtree(tmp_path / "m" / "branches" / "sentiment")
    with pytest.raises(ModelError, match="'sentiment' branch .*missing"):
        StanceModel.load(tmp_path / "m")


def test_a_branch_must_match_the_task_and_labels():
    m, b = _branched()
    with pytest.raises(ValueError, match="no 'stance' head"):
        m.attach_branch("stance", b)
    b.extend_labels("sentiment", ["mixed"])
    with pytest.raises(ValueError, match="differ"):
        m.attach_branch("sentiment", b)
    m.extend_labels("sentiment", ["mixed"])
    m.attach_branch("sentiment", b)
    with pytest.raises(ValueError, match="has a branch already"):
        m.new_branch("sentiment")
    m.extend_labels("sentiment", ["sarcastic"])  # goes to the branch's head, and the labels follow
    assert m.labels["sentiment"] == b.labels["sentiment"] == ["negative", "neutral", "positive", "mixed", "sarcastic"]
    assert m.predict_proba(ITEMS, "sentiment", bf16=False).shape == (2, 5)


def test_a_branch_with_other_labels_is_refused():
    m, b = _branched()
    b.extend_labels("sentiment", ["mixed"])
    with pytest.raises(ValueError, match="labels .* differ"):
        m.attach_branch("sentiment", b)


def test_training_a_branched_task_on_the_shared_head_is_refused():
    from stance.training import TaskData, TrainingArguments, train

    m, b = _branched()
    m.attach_branch("sentiment", b)
    data = {"sentiment": TaskData([ITEMS[0]] * 4, [0, 1, 2, 0])}
    with pytest.raises(ValueError, match="answered by the model's 'sentiment' branch"):
        train(m, data, None, TrainingArguments(epochs=1))


def test_bf16_copy_leaves_the_branches_to_themselves(monkeypatch):
    import stance.modeling as mm

    monkeypatch.setattr(mm, "bf16_native", lambda device="cpu": True)
    m, b = _branched()
    m.attach_branch("sentiment", b)
    assert not m.bf16_twin().branches and m.branches["sentiment"] is b
    np.testing.assert_allclose(m.predict_proba(ITEMS, "sentiment", bf16=True),
                               b.predict_proba(ITEMS, "sentiment", bf16=True), atol=1e-6)
