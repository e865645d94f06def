import pytest

from stance.backbone import backbone_path
from stance.encoding import H_OPEN, T_CLOSE, T_OPEN, InputError, Item, collate, encode


@pytest.fixture(scope="module")
def tok():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(backbone_path("minilm"))


def test_target_marked_in_place_two_targets_differ(tok):
    text = "Obama praised Putin."
    a, b = encode(tok, [Item(text, 0, 5), Item(text, 14, 19)])
    assert a.markers != b.markers
    ta = tok.convert_ids_to_tokens(a.input_ids[a.target_pos + 1])
    tb = tok.convert_ids_to_tokens(b.input_ids[b.target_pos + 1])
    assert (ta, tb) == ("obama", "putin")
    assert a.markers.count(T_OPEN) == 1 and a.markers.count(T_CLOSE) == 1


def test_holder_and_topic(tok):
    e = encode(tok, [Item("Trump blamed China.", 13, 18, holder_start=0, holder_end=5)])[0]
    assert e.holder_pos >= 0 and e.markers[e.holder_pos] == H_OPEN
    t = encode(tok, [Item("We need action now", topic="Climate Change")])[0]
    after = tok.convert_ids_to_tokens(t.input_ids[t.target_pos + 1:t.target_pos + 3])
    assert after == ["climate", "change"] and t.target_pos > 5


def test_truncation_keeps_the_target(tok, caplog):
    from transformers.utils import logging as hf_logging

    text = "word " * 600 + "Putin shrugged."
    start = text.index("Putin")
    hf_logging.enable_propagation()  # transformers' records reach caplog
    try:
        e = encode(tok, [Item(text, start, start + 5)], max_length=64)[0]
    finally:
        hf_logging.disable_propagation()
    assert len(e.input_ids) == 64 and e.truncated
    assert tok.convert_ids_to_tokens(e.input_ids[e.target_pos + 1]) == "putin"
    # windowed on purpose: no warning from the tokenizer that the model would fail on the whole sentence
    assert "sequence length is longer" not in caplog.text


def test_bad_spans_raise_with_row():
    with pytest.raises(InputError, match="row 3: target span"):
        Item("short", 2, 40).validate(3)
    with pytest.raises(InputError, match="row 0: empty text"):
        Item("  ", 0, 1).validate(0)


def test_half_spans_and_missing_labels_name_the_row():
    import pandas as pd

    from stance.inputs import as_items, labels_of

    with pytest.raises(InputError, match=r"row 1: target_start and target_end go together \(got 4 and None\)"):
        as_items([{"text": "Putin smiled.", "target": "Putin"}, {"text": "Putin smiled.", "target_start": 4}])
    df = pd.DataFrame({"text": ["Putin smiled."] * 2, "target_start": [0, 0], "target_end": [5, None]})
    with pytest.raises(InputError, match="row 1: target_start and target_end go together"):
        as_items(df)
    with pytest.raises(InputError, match="row 2: missing label"):
        labels_of(pd.DataFrame({"text": ["a", "b", "c"], "label": ["favor", "none", None]}), None)


def test_collate_dynamic_padding(tok):
    enc = encode(tok, [Item("a b c d e f", 0, 1), Item("a", 0, 1)])
    b = collate(enc)
    assert b["input_ids"].shape[1] == max(len(e.input_ids) for e in enc)
    assert b["attention_mask"].sum().item() == sum(len(e.input_ids) for e in enc)


def test_collate_rounds_length_up_without_changing_the_mask(tok):
    enc = encode(tok, [Item("a b c d e f", 0, 1), Item("a", 0, 1)])
    b = collate(enc, multiple_of=8)
    assert b["input_ids"].shape[1] % 8 == 0 and b["input_ids"].shape[1] >= max(len(e.input_ids) for e in enc)
    assert b["attention_mask"].sum().item() == sum(len(e.input_ids) for e in enc)
