"""Add an attitude label of your own ("defiant") with a few dozen examples, through the same ``fit`` API.

    .venv/bin/python examples/few_shot_defiant.py            # under a minute on a 2-core CPU

The shipped model's attitude head gets one more output; the old labels keep what they learned, and the adapters
are fine-tuned on your examples (10% held out for early stopping and calibration).
"""
from pathlib import Path

import pandas as pd

import stance

HERE = Path(__file__).parent

examples = pd.read_json(HERE / "defiant.jsonl", lines=True)
# small batches: with 54 rows, batches of 32 would give early stopping two steps an epoch to judge by
clf = stance.StanceClassifier(task="attitude", model="default", new_labels=True, epochs=4, learning_rate=5e-4,
                              batch_size=8)
clf.fit(examples)  # text / target / label columns
print("labels:", [str(c) for c in clf.classes_])
seen = clf.predict(examples)
print(f"training rows predicted right: {(seen == examples['label']).mean():.0%}")

tests = [("The mayor refused to close the market, saying she would not bow to pressure from the ministry.", "mayor"),
         ("The ministry voiced concern about crowds at the market.", "ministry")]
for (text, who), label in zip(tests, clf.predict(tests)):
    print(f"{who:>10}: {label:12s} | {text}")

clf.save(HERE / "defiant-model")  # a folder of adapters and heads; load it with stance.load(path, task="attitude")
