"""Published reference figures (not measured here), with their sources. Metric names follow stance.evaluation."""

PUBLISHED = [
    {"dataset": "newsmtsc-rw", "system": "GRU-TSC (RoBERTa-base), published", "metric": "macro_f1", "score": 0.831,
     "source": "Hamborg & Donnay, EACL 2021, NewsMTSC paper (F1m, test)"},
    {"dataset": "newsmtsc-mt", "system": "GRU-TSC (RoBERTa-base), published", "metric": "macro_f1", "score": 0.825,
     "source": "Hamborg & Donnay, EACL 2021, NewsMTSC paper (F1m, test)"},
    {"dataset": "semeval2016-a", "system": "MITRE (2016 winner), published", "metric": "f_avg", "score": 0.6782,
     "source": "Mohammad et al., SemEval-2016 Task 6 overview (F_avg, task A)"},
    {"dataset": "semeval2016-b", "system": "pkudblab (2016 winner), published", "metric": "f_avg", "score": 0.5628,
     "source": "Mohammad et al., SemEval-2016 Task 6 overview (F_avg, task B)"},
    {"dataset": "pstance", "system": "BERTweet, published", "metric": "macro_f1", "score": 0.8053,
     "source": "Li et al., Findings of ACL 2021, P-Stance paper (in-target, macro-F1 as cited in the issue)"},
]
