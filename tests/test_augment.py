from stance.augment import OUTLETS, PEOPLE, reported_speech
from stance.encoding import Item
from stance.labels import TASK_LABELS
from stance.training import TaskData

LABELS = TASK_LABELS["attitude"]
NEUTRAL = LABELS.index("neutral")
DATA = TaskData(
    [Item("The union accused the company of breaking its promises.", 4, 9),
     Item("Officials in Tokyo privately fear the pact could draw them into the conflict.", 13, 18),
     Item("The president arrived in Hanoi on Sunday.", 4, 13),
     Item("Moscow vowed a firm response if the missiles are deployed.", 0, 6),
     Item("He said \"we will not\" and left.", 0, 2)],
    [LABELS.index(y) for y in ("critical", "uneasy", "neutral", "threatening", "dismissive")])


def test_reporter_is_neutral_and_holder_keeps_its_label():
    aug = reported_speech(DATA, LABELS, n=10, seed=1)
    assert len(aug.items) % 2 == 0 and aug.items
    originals = {DATA.items[k].text[DATA.items[k].target_start:DATA.items[k].target_end].lower(): DATA.labels[k]
                 for k in range(len(DATA.items))}
    for rep, hold, yr, yh in zip(aug.items[::2], aug.items[1::2], aug.labels[::2], aug.labels[1::2]):
        assert rep.text == hold.text
        assert yr == NEUTRAL and rep.text[rep.target_start:rep.target_end] in PEOPLE + OUTLETS
        span = hold.text[hold.target_start:hold.target_end].lower()
        assert originals[span] == yh != NEUTRAL  # neutral passages and quoted ones are not framed
        assert '"' not in hold.text


def test_deterministic_and_bounded():
    a, b = reported_speech(DATA, LABELS, n=2, seed=3), reported_speech(DATA, LABELS, n=2, seed=3)
    assert a.items == b.items and len(a.items) == 4
    assert len(reported_speech(DATA, LABELS, n=100, seed=0).items) == 2 * 3  # three passages can be framed
    assert len(reported_speech(DATA, LABELS, n=100, seed=0, repeats=3).items) == 2 * 3 * 3  # each in three frames


def test_no_invented_reporter_is_an_actor_of_the_demo_article(demo_text):
    for name in PEOPLE + OUTLETS:
        assert name.removeprefix("the ").removeprefix("The ") not in demo_text
    for name in PEOPLE:
        assert name.split()[-1] not in demo_text  # no surname either


def test_second_frame_set_adds_frames_and_keeps_the_first_set_as_it_was():
    import re

    from stance.augment import ROLES2, VERBS2, WHEN2

    first = reported_speech(DATA, LABELS, n=100, seed=4, repeats=20)
    assert reported_speech(DATA, LABELS, n=100, seed=4, repeats=20, frames=1).items == first.items
    second = reported_speech(DATA, LABELS, n=100, seed=4, repeats=20, frames=2)
    assert len(second.items) == len(first.items) == 2 * 3 * 20
    new = re.compile("|".join(map(re.escape, ROLES2 + WHEN2 + [" believes "])))
    texts = {i.text for i in second.items}
    assert sum(bool(new.search(t)) for t in texts) >= 10  # about half the frames are second-set ones
    assert not any(new.search(t) for t in {i.text for i in first.items} if "believes" not in t)
    for rep, hold, yr, yh in zip(second.items[::2], second.items[1::2], second.labels[::2], second.labels[1::2]):
        assert yr == NEUTRAL and rep.text[rep.target_start:rep.target_end] in PEOPLE + OUTLETS
        assert yh != NEUTRAL and hold.text[hold.target_start:hold.target_end].lower() in {
            "union", "tokyo", "moscow"}
    # none of them is a frame of the reporter probe (tools/reporter_probe.py), which checks frames training never saw
    assert not any(p in t for t in texts for p in ("As ", "who follows the region", "concluded", "a conference"))
    assert not set(VERBS2) & {"thinks", "concluded", "put it"}
    import pytest

    with pytest.raises(ValueError, match="frame sets are 1 and 2"):
        reported_speech(DATA, LABELS, n=1, frames=3)


def test_second_frame_set_names_no_actor_of_the_demo_article(demo_text):
    from stance.augment import ROLES2, WHEN2

    for phrase in ROLES2 + WHEN2:
        assert phrase not in demo_text


def test_bystanders_hold_nothing_and_the_holder_keeps_its_label():
    from stance.augment import BYSTANDERS, bystanders

    aug = bystanders(DATA, LABELS, n=50, seed=3)
    names = {b.removeprefix("the ") for b in BYSTANDERS}
    holders = {"Tokyo": "uneasy", "Moscow": "threatening"}  # "The union" follows "The"; "He" is a pronoun
    seen = set()
    for it, y in zip(aug.items, aug.labels):
        span = it.text[it.target_start:it.target_end]
        if span in names:
            assert y == NEUTRAL
            assert f"{span}'s " in it.text
            seen.add("possessor" if it.text.index(span) < 20 else "object")
        else:
            assert LABELS[y] == holders[span], (span, it.text)
    assert seen == {"possessor", "object"}
    assert bystanders(DATA, LABELS, n=50, seed=3).items == aug.items  # deterministic
    assert len(bystanders(DATA, LABELS, n=2, seed=3).items) == 2


def test_bystander_words_are_not_the_demo_article_s_or_the_probe_s(demo_text):
    import sys
    from pathlib import Path

    from stance.augment import BYSTANDERS, LINKS, RELATIONS, THINGS

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import bystander_probe as probe

    for w in BYSTANDERS + RELATIONS + LINKS + THINGS:
        assert w.removeprefix("the ") not in demo_text, w
    assert not set(BYSTANDERS) & set(probe.NAMES) and not set(RELATIONS) & set(probe.RELATIONS)
    assert not set(LINKS) & set(probe.LINKS) and not set(THINGS) & set(probe.THINGS)
