"""Does a dev-tuned neutral-fallback threshold beat the plain argmax? 2-fold CV within the dev splits (10 repeats).

    python tools/decision_rule_cv.py [MODEL]

Prints, per task, the argmax macro-F1 on dev, the best threshold on all of dev, and the mean out-of-fold gain.
"""
import sys, numpy as np
sys.path.insert(0,'.')
from stance.registry import load_model
from stance.data import load_dataset
from stance.inputs import as_items, labels_of
from sklearn.metrics import f1_score
m = load_model(sys.argv[1] if len(sys.argv)>1 else 'default')
def rule(P, ni, t):
    P2 = P.copy(); P2[:, ni] = -1
    best = P2.argmax(1); mx = P2.max(1)
    return np.where(mx >= t, best, ni)
for task, ds in [('attitude',['attitude']),('sentiment',['newsmtsc-rw','newsmtsc-mt']),('directed',['dse'])]:
    items, ys = [], []
    for d in ds:
        x = load_dataset(d,'dev'); items += as_items(x); ys += labels_of(x, None)
    labs = m.labels[task]; y = np.array([labs.index(v) for v in ys]); ni = labs.index('neutral')
    P = m.predict_proba(items, task)
    grid = np.arange(0.05, 0.95, 0.025)
    f = lambda idx, t: f1_score(y[idx], rule(P[idx], ni, t), average='macro', labels=range(len(labs)))
    rng = np.random.RandomState(0); gains=[]
    for rep in range(10):
        perm = rng.permutation(len(y)); A, B = perm[:len(y)//2], perm[len(y)//2:]
        for tr, te in [(A,B),(B,A)]:
            t = max(grid, key=lambda t: f(tr, t))
            gains.append(f(te, t) - f1_score(y[te], P[te].argmax(1), average='macro', labels=range(len(labs))))
    tall = max(grid, key=lambda t: f(np.arange(len(y)), t))
    print(task, 'n', len(y), 'argmax F1 %.4f' % f1_score(y, P.argmax(1), average='macro'), 'best t %.3f F1 %.4f' % (tall, f(np.arange(len(y)), tall)),
          'CV gain mean %.4f sd %.4f' % (np.mean(gains), np.std(gains)))
