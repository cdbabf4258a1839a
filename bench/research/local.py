"""The local prior family: kNN over training prompts of task-smoothed targets (numpy, 5-fold CV).

    nice -n 10 python3 bench/research/local.py routeprofile-test llmrouter-dcrouter

local(p, M) = mean over the k nearest training prompts i of  beta * y_i(M) + (1 - beta) * Qbar_{g(i)}(M)
where g(i) is row i's group (its `source`, or a spherical k-means cluster when the data has no source) and Qbar the
group's mean shrunk toward the model's mean with pseudo-count a. beta = 1 is plain kNN, beta = 0 a soft task prior
(P(task | prompt) from the neighbours' tasks times the task means). (k, beta) are chosen by exact leave-one-out routed
quality on the training fold. A ridge head (stage 2 stand-in) is blended with weight alpha chosen the same way.
"""
import sys

import numpy as np

from common import DATASETS, bootstrap_diff, folds, load, masked_mean, routed
from components import ridge_component, spherical_kmeans, topk_neighbours

import os

KS = tuple(int(v) for v in os.environ.get('KS', '10,20,50,100').split(','))
BETAS = tuple(float(v) for v in os.environ.get('BETAS', '0,0.25,0.5,1').split(','))
VARIANTS = os.environ.get('VARIANTS', 'source,kmeans10,kmeans30').split(',')
ALPHAS = (0, 0.1, 0.2, 0.3, 0.5)


def smoothed_targets(groups, ytr, mtr, shrink, prior):
    g = groups.max() + 1
    s = np.zeros((g, ytr.shape[1]))
    c = np.zeros((g, ytr.shape[1]))
    np.add.at(s, groups, ytr * mtr)
    np.add.at(c, groups, mtr.astype(float))
    means = (s + shrink * prior) / (c + shrink)
    return means[groups], s, c


def local_fit(xtr, ytr, mtr, xte, groups, shrink=5):
    prior = masked_mean(ytr, mtr)
    kmax = max(KS)
    ii, si = topk_neighbours(xtr, xtr, kmax, exclude_self=True)
    it, st = topk_neighbours(xte, xtr, kmax)
    gm, s, c = smoothed_targets(groups, ytr, mtr, shrink, prior)
    yf = np.where(mtr, ytr, prior)
    # LOO for the training rows: a neighbour j's group mean must not contain row i's own scores when g(j) = g(i).
    best = None
    for k in KS:
        same = groups[ii[:, :k]] == groups[:, None]
        loo_mean = (s[groups] - ytr * mtr + shrink * prior) / (c[groups] - mtr + shrink)
        gm_nb = gm[ii[:, :k]]
        gm_nb = np.where(same[:, :, None], loo_mean[:, None, :], gm_nb)
        y_nb = yf[ii[:, :k]]
        for b in BETAS:
            oof = (b * y_nb + (1 - b) * gm_nb).mean(1)
            q = routed(oof, ytr, mtr)[0].mean()
            if best is None or q > best[0] + 1e-12:
                best = (q, k, b, oof)
    _, k, b, oof = best
    te = (b * yf[it[:, :k]] + (1 - b) * gm[it[:, :k]]).mean(1)
    return oof, te, dict(k=k, beta=b)


def norm(p):
    lo, hi = p.min(1, keepdims=True), p.max(1, keepdims=True)
    return np.where(hi > lo, (p - lo) / np.maximum(hi - lo, 1e-12), 0.5)


def run(name):
    d = load(name)
    x, y, mask, src = d['x'], d['y'], d['mask'], d['src']
    f = folds(src)
    n, m = y.shape
    preds, info = {}, {}
    for k in range(5):
        tr, te = np.flatnonzero(f != k), np.flatnonzero(f == k)
        ytr, mtr = y[tr], mask[tr]
        out = {'single': (np.tile(masked_mean(ytr, mtr), (len(te), 1)), None)}
        _, gsrc = np.unique(src[tr], return_inverse=True)
        variants = {'local-source': gsrc} if 'source' in VARIANTS else {}
        for c in (10, 30):
            if f'kmeans{c}' in VARIANTS:
                cent, a = spherical_kmeans(x[tr], c, seed=0)
                variants[f'local-kmeans{c}'] = a
        ro, rt, _ = ridge_component(x[tr], ytr, mtr, x[te])
        out['ridge'] = rt, ro
        for key, groups in variants.items():
            oof, tep, inf = local_fit(x[tr], ytr, mtr, x[te], groups)
            out[key] = tep, oof
            info.setdefault(key, []).append(inf)
            best = None
            for a in ALPHAS:
                q = routed(a * norm(ro) + (1 - a) * norm(oof), ytr, mtr)[0].mean()
                if best is None or q > best[0] + 1e-12:
                    best = (q, a)
            a = best[1]
            out[key + '+ridge'] = a * norm(rt) + (1 - a) * norm(tep), None
            info.setdefault(key + '+ridge', []).append(a)
        for key, (p, _) in out.items():
            preds.setdefault(key, np.zeros((n, m)))[te] = p
    oracle = np.where(mask, y, -np.inf).max(1).mean()
    base, _ = routed(preds['single'], y, mask)
    print(f'\n== {name}  n={n} M={m}  oracle {oracle:.4f}  best-single {base.mean():.4f}')
    for key, p in preds.items():
        q, _ = routed(p, y, mask)
        mean, lo, hi = bootstrap_diff(q, base)
        head = (q.mean() - base.mean()) / (oracle - base.mean())
        print(f'{key:28s} {q.mean():.4f}  headroom {head:+.3f}  diff {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]  {info.get(key, "")}')
    sys.stdout.flush()


if __name__ == '__main__':
    for name in sys.argv[1:] or DATASETS:
        run(name)
