"""Routed quality of the softmax group classifier alone after 30 / 100 / 300 L-BFGS-B iterations (5-fold CV).

    nice -n 10 python3 bench/research/iterations.py llmrouter-dcrouter [sample fraction]
"""
import sys, time, numpy as np
sys.path.insert(0, __import__('os').path.dirname(__file__))
from common import load, folds, masked_mean, routed, bootstrap_diff
from group import fit_softmax, softmax, group_means
name = sys.argv[1]
frac = float(sys.argv[2]) if len(sys.argv) > 2 else 1
d = load(name); x, y, mask, src = d['x'], d['y'], d['mask'], d['src']
if frac < 1:
    keep = np.sort(np.random.default_rng(0).permutation(len(y))[: int(round(frac * len(y)))])
    x, y, mask, src = x[keep], y[keep], mask[keep], src[keep]
f = folds(src); n, m = y.shape
res = {}
t0 = time.time()
for fo in range(5):
    tr, te = np.flatnonzero(f != fo), np.flatnonzero(f == fo)
    prior = masked_mean(y[tr], mask[tr])
    names, a = np.unique(src[tr], return_inverse=True)
    means, _ = group_means(a, len(names), y[tr], mask[tr], prior)
    res.setdefault('single', np.zeros((n, m)))[te] = prior
    for it in (30, 100, 300):
        w, b = fit_softmax(x[tr], a, len(names), 1e-5, iters=it)
        res.setdefault(f'clf-{it}', np.zeros((n, m)))[te] = softmax(x[te] @ w + b) @ means
base = routed(res['single'], y, mask)[0]
ref = routed(res['clf-300'], y, mask)[0]
oracle = np.where(mask, y, -np.inf).max(1).mean()
print(name, frac, f'{time.time()-t0:.0f}s')
for k, p in res.items():
    q = routed(p, y, mask)[0]
    print(k, round(q.mean(), 4), 'headroom', round((q.mean() - base.mean()) / (oracle - base.mean()), 3), 'vs clf-300', [round(100 * v, 2) for v in bootstrap_diff(q, ref)])
