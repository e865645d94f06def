"""A shipped model against the TF-IDF baseline on the DSE *dev* split, per class (never test).

    python tools/dse_dev_compare.py [MODEL]

Prints each system's macro-F1 and per-class precision / recall / F1 on dev, to see where the baseline wins.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(model: str = "default") -> None:
    from sklearn.metrics import classification_report, f1_score

    from stance import StanceClassifier, baselines
    from stance.data import load_dataset

    train, dev = load_dataset("dse", "train").to_pandas(), load_dataset("dse", "dev").to_pandas()
    systems = {"tfidf-logreg": baselines.tfidf_logreg().fit(train, train["label"]),
               model: StanceClassifier(task="directed", model=model)}
    for name, est in systems.items():
        pred = est.predict(dev)
        print(f"{name}: macro-F1 {100 * f1_score(dev['label'], pred, average='macro'):.2f} on DSE dev "
              f"(n = {len(dev)})")
        print(classification_report(dev["label"], pred, digits=3))


if __name__ == "__main__":
    main(*sys.argv[1:])
