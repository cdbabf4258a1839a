"""5-fold cross-validation of router components and stacked blends (numpy only).

    nice -n 10 python3 bench/research/cv.py routeprofile-test llmrouter-dcrouter

Prints, per dataset and method: pooled routed quality, headroom captured, and the paired-bootstrap 95% interval
of (router - best single model of the training fold). Everything is chosen inside each training fold.
"""
import sys
import time

import numpy as np

from common import DATASETS, bootstrap_diff, folds, load, masked_mean, routed
from components import blend, cluster_component, group_prior, knn_component, ridge_component


def source_component(src_tr, ytr, mtr, nb_tr, nb_te, k=20, shrink=5):
    """Task prior with the data's `source` as the task: P(source | prompt) from the k nearest training prompts'
    sources (LOO), times each source's shrunk mean."""
    names, a = np.unique(src_tr, return_inverse=True)
    g = len(names)
    prior = masked_mean(ytr, mtr)
    s = np.zeros((g, ytr.shape[1]))
    c = np.zeros((g, ytr.shape[1]))
    np.add.at(s, a, ytr * mtr)
    np.add.at(c, a, mtr.astype(float))
    means = (s + shrink * prior) / (c + shrink)
    loo_own = (s[a] - ytr * mtr + shrink * prior) / (c[a] - mtr + shrink)

    def post(nb):
        p = np.zeros((len(nb), g))
        for j in range(min(k, nb.shape[1])):
            p[np.arange(len(nb)), a[nb[:, j]]] += 1
        return p / p.sum(1, keepdims=True)

    ptr = post(nb_tr)
    oof = ptr @ means
    oof += ptr[np.arange(len(a)), a][:, None] * (loo_own - means[a])
    return oof, post(nb_te) @ means


def run(name, methods_filter=None):
    d = load(name)
    x, y, mask, src = d['x'], d['y'], d['mask'], d['src']
    f = folds(src)
    n, m = y.shape
    preds = {}
    info = {}
    t0 = time.time()
    for k in range(5):
        tr, te = np.flatnonzero(f != k), np.flatnonzero(f == k)
        ytr, mtr = y[tr], mask[tr]
        prior = masked_mean(ytr, mtr)
        out = {}
        out['single'] = np.tile(prior, (len(te), 1)), None
        ko, kt, kinfo, (ii, si, it, st) = knn_component(x[tr], ytr, mtr, x[te])
        out['knn'] = kt, ko
        co, ct, cinfo = cluster_component(x[tr], ytr, mtr, x[te])
        out['cluster'] = ct, co
        ro, rt, rinfo = ridge_component(x[tr], ytr, mtr, x[te])
        out['ridge'] = rt, ro
        so, stt = source_component(src[tr], ytr, mtr, ii, it)
        out['source'] = stt, so
        for combo in [('cluster', 'knn'), ('cluster', 'knn', 'ridge'), ('source', 'knn', 'ridge'), ('source', 'cluster', 'knn', 'ridge')]:
            p, w = blend([out[c][1] for c in combo], [out[c][0] for c in combo], ytr, mtr)
            out['+'.join(combo)] = p, None
            info.setdefault('+'.join(combo), []).append(np.round(w, 2).tolist())
        info.setdefault('knn', []).append(kinfo)
        info.setdefault('cluster', []).append(cinfo)
        info.setdefault('ridge', []).append(rinfo)
        for key, (p, _) in out.items():
            preds.setdefault(key, np.zeros((n, m)))[te] = p
    oracle = np.where(mask, y, -np.inf).max(1).mean()
    base, _ = routed(preds['single'], y, mask)
    print(f'\n== {name}  n={n} M={m}  oracle {oracle:.4f}  best-single {base.mean():.4f}  ({time.time() - t0:.0f}s)')
    for key, p in preds.items():
        q, _ = routed(p, y, mask)
        mean, lo, hi = bootstrap_diff(q, base)
        head = (q.mean() - base.mean()) / (oracle - base.mean())
        print(f'{key:32s} {q.mean():.4f}  headroom {head:+.3f}  diff {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]  {info.get(key, "")}')
    sys.stdout.flush()


if __name__ == '__main__':
    for name in sys.argv[1:] or DATASETS:
        run(name)
