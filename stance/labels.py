"""Label sets of the built-in tasks. Every file, model and CLI uses exactly these names."""
from __future__ import annotations

TASK_LABELS: dict[str, list[str]] = {
    # How the passage portrays the marked target (NewsMTSC, PerSenT).
    "sentiment": ["negative", "neutral", "positive"],
    # The text's stance toward a target or topic (SemEval-2016, P-Stance).
    "stance": ["favor", "against", "none"],
    # DSE, from the holder's point of view: the holder endorses / blames the target, or is
    # endorsed / blamed by it ("endorsed_by": the target endorses the holder).
    "directed": ["neutral", "endorses", "endorsed_by", "blames", "blamed_by"],
    # ../shared/CODEBOOK.md
    "attitude": ["supportive", "critical", "uneasy", "dismissive", "conciliatory", "threatening", "neutral"],
}

# Labels a task's "nothing to report" answer is called by.
NEUTRAL_LABEL = {"sentiment": "neutral", "stance": "none", "directed": "neutral", "attitude": "neutral"}
