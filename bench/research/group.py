"""Group (source) classifier vs neighbour-vote estimates of P(group | prompt) for the local prior (numpy + scipy).

    nice -n 10 python3 bench/research/group.py routeprofile-test llmrouter-dcrouter

Routers compared (5-fold CV stratified by source, seed 0, everything chosen inside the training fold):
- local-loo: the shipped local prior (k, beta by exact leave-one-out, src/train/local-prior.ts);
- local-k20b0: the same with k = 20, beta = 0 fixed (neighbour-vote source prior);
- local-1se: (k, beta) by the 1-SE rule toward the smoother setting (larger k, smaller beta);
- clf: sum_g P(g | x) Qbar_g, P from a multinomial logistic regression on the embedding (L2 by inner 3-fold
  cross-fitted log-loss), Qbar_g the shrunk group means (the paper's Stage-1 classifier, on source labels);
- clf+knn: (1 - beta) * clf + beta * kNN(raw scores), (k, beta) by routed quality of the cross-fitted
  classifier and leave-one-out kNN on the training fold;
- clf+knn-1se: same, 1-SE rule.
"""
import os
import sys
import time

import numpy as np
from scipy.optimize import minimize

from common import DATASETS, bootstrap_diff, folds, load, masked_mean, routed
from components import topk_neighbours

KS = (10, 20, 50, 100)
BETAS = (0, 0.25, 0.5, 1)
LAMS = tuple(float(v) for v in os.environ.get('LAMS', '1e-4,1e-3,1e-2').split(','))
SHRINK = 5


def softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def fit_softmax(x, a, g, lam, iters=300):
    """Multinomial logistic regression, mean log-loss + lam/2 |W|^2 (bias unpenalized), L-BFGS."""
    n, d = x.shape
    onehot = np.zeros((n, g))
    onehot[np.arange(n), a] = 1

    def f(theta):
        w = theta[: d * g].reshape(d, g)
        b = theta[d * g:]
        z = x @ w + b
        z -= z.max(1, keepdims=True)
        lse = np.log(np.exp(z).sum(1))
        loss = (lse - (z * onehot).sum(1)).mean() + 0.5 * lam * (w * w).sum()
        p = np.exp(z - lse[:, None])
        r = (p - onehot) / n
        gw = x.T @ r + lam * w
        gb = r.sum(0)
        return loss, np.concatenate([gw.ravel(), gb])

    res = minimize(f, np.zeros(d * g + g), jac=True, method='L-BFGS-B', options=dict(maxiter=iters))
    w = res.x[: d * g].reshape(d, g)
    return w, res.x[d * g:]


def inner_folds(a, k=3, seed=1):
    rng = np.random.default_rng(seed)
    f = np.zeros(len(a), dtype=int)
    for s in np.unique(a):
        idx = np.flatnonzero(a == s)
        rng.shuffle(idx)
        f[idx] = np.arange(len(idx)) % k
    return f


def group_means(a, g, ytr, mtr, prior):
    s = np.zeros((g, ytr.shape[1]))
    c = np.zeros((g, ytr.shape[1]))
    np.add.at(s, a, ytr * mtr)
    np.add.at(c, a, mtr.astype(float))
    means = (s + SHRINK * prior) / (c + SHRINK)
    loo_own = (s[a] - ytr * mtr + SHRINK * prior) / (c[a] - mtr + SHRINK)
    return means, loo_own


def select(table, n, smooth_key):
    """table: list of (key, per-row routed scores). Best mean, or 1-SE: the smoothest key within 1 SE of best."""
    means = [(k, q.mean()) for k, q in table]
    best_k, best_q = max(means, key=lambda t: t[1])
    best_row = dict(table)[best_k]
    out = {'best': best_k}
    cands = []
    for k, q in table:
        d = best_row - q
        se = d.std(ddof=1) / np.sqrt(n)
        if q.mean() >= best_q - se:
            cands.append(k)
    out['1se'] = max(cands, key=smooth_key)
    return out


def run(name):
    d = load(name)
    x, y, mask, src = d['x'], d['y'], d['mask'], d['src']
    frac = float(os.environ.get('SAMPLE', '1'))
    if frac < 1:  # seeded subsample of rows (research speed only; reported as such)
        keep = np.sort(np.random.default_rng(0).permutation(len(y))[: int(round(frac * len(y)))])
        x, y, mask, src = x[keep], y[keep], mask[keep], src[keep]
    f = folds(src)
    n, m = y.shape
    preds, info = {}, {}
    t0 = time.time()
    for fo in range(5):
        tr, te = np.flatnonzero(f != fo), np.flatnonzero(f == fo)
        ytr, mtr, xtr, xte = y[tr], mask[tr], x[tr], x[te]
        prior = masked_mean(ytr, mtr)
        names, a = np.unique(src[tr], return_inverse=True)
        g = len(names)
        means, loo_own = group_means(a, g, ytr, mtr, prior)
        out = {'single': np.tile(prior, (len(te), 1))}
        kmax = max(KS)
        ii, _ = topk_neighbours(xtr, xtr, kmax, exclude_self=True)
        it, _ = topk_neighbours(xte, xtr, kmax)
        yf = np.where(mtr, ytr, means[a])  # unobserved -> own group mean (as the TS code)
        gm_tr = means[a]
        # --- neighbour-vote local prior, LOO table
        table, tepred = [], {}
        for k in KS:
            same = a[ii[:, :k]] == a[:, None]
            gm_nb = np.where(same[:, :, None], loo_own[:, None, :], gm_tr[ii[:, :k]])
            y_nb = np.where(mtr[ii[:, :k]], ytr[ii[:, :k]], gm_nb)
            for b in BETAS:
                oof = (b * y_nb + (1 - b) * gm_nb).mean(1)
                table.append(((k, b), routed(oof, ytr, mtr)[0]))
                tepred[(k, b)] = (b * yf[it[:, :k]] + (1 - b) * gm_tr[it[:, :k]]).mean(1)
        sel = select(table, len(tr), lambda kb: (-kb[1], kb[0]))
        out['local-loo'] = tepred[sel['best']]
        out['local-1se'] = tepred[sel['1se']]
        out['local-k20b0'] = tepred[(20, 0)]
        out['local-k100b0'] = tepred[(100, 0)]
        info.setdefault('local-loo', []).append(sel['best'])
        info.setdefault('local-1se', []).append(sel['1se'])
        # multi-k average, beta 0 and beta 0.25
        out['local-multik-b0'] = np.mean([tepred[(k, 0)] for k in KS], 0)
        # --- classifier: lambda by inner cross-fitted log-loss
        inf = inner_folds(a)
        oofp = {}
        best = None
        for lam in LAMS:
            p = np.zeros((len(tr), g))
            for j in range(3):
                fit_idx, ev = np.flatnonzero(inf != j), np.flatnonzero(inf == j)
                w, bb = fit_softmax(xtr[fit_idx], a[fit_idx], g, lam)
                p[ev] = softmax(xtr[ev] @ w + bb)
            oofp[lam] = p
            ll = -np.log(np.maximum(p[np.arange(len(tr)), a], 1e-12)).mean()
            if best is None or ll < best[0]:
                best = (ll, lam)
        lam = best[1]
        w, bb = fit_softmax(xtr, a, g, lam)
        pte = softmax(xte @ w + bb)
        ptr = oofp[lam]
        clf_oof = ptr @ means + ptr[np.arange(len(tr)), a][:, None] * (loo_own - means[a])
        clf_te = pte @ means
        out['clf'] = clf_te
        info.setdefault('clf', []).append(lam)
        # classifier + raw kNN
        table2, te2 = [], {}
        for k in KS:
            same = a[ii[:, :k]] == a[:, None]
            gm_nb = np.where(same[:, :, None], loo_own[:, None, :], gm_tr[ii[:, :k]])
            y_nb = np.where(mtr[ii[:, :k]], ytr[ii[:, :k]], gm_nb).mean(1)
            yte = yf[it[:, :k]].mean(1)
            for b in BETAS:
                if b == 0 and k != KS[-1]:
                    continue
                oof = (1 - b) * clf_oof + b * y_nb
                table2.append(((k, b), routed(oof, ytr, mtr)[0]))
                te2[(k, b)] = (1 - b) * clf_te + b * yte
        sel2 = select(table2, len(tr), lambda kb: (-kb[1], kb[0]))
        out['clf+knn'] = te2[sel2['best']]
        out['clf+knn-1se'] = te2[sel2['1se']]
        # auto: the better family on the training fold (LOO local prior vs cross-fitted classifier + kNN)
        q_local = max(q.mean() for _, q in table)
        q_clf = max(q.mean() for _, q in table2)
        q_clf0 = dict(table2)[(KS[-1], 0)].mean()
        out['auto'] = te2[sel2['best']] if q_clf > q_local else tepred[sel['best']]
        out['auto-clf0'] = clf_te if q_clf0 > q_local else tepred[sel['best']]
        info.setdefault('auto', []).append(('clf' if q_clf > q_local else 'local', round(q_clf - q_local, 4)))
        info.setdefault('auto-clf0', []).append(('clf' if q_clf0 > q_local else 'local', round(q_clf0 - q_local, 4)))
        info.setdefault('clf+knn', []).append(sel2['best'])
        info.setdefault('clf+knn-1se', []).append(sel2['1se'])
        # classifier mixed with the neighbour vote (average of the two P estimates)
        out['clf/2+local-k20b0/2'] = 0.5 * clf_te + 0.5 * tepred[(20, 0)]
        for key, p in out.items():
            preds.setdefault(key, np.zeros((n, m)))[te] = p
        print(f'  fold {fo} done {time.time() - t0:.0f}s', file=sys.stderr, flush=True)
    oracle = np.where(mask, y, -np.inf).max(1).mean()
    base, _ = routed(preds['single'], y, mask)
    ref, _ = routed(preds['local-loo'], y, mask)
    print(f'\n== {name}  n={n} M={m} G={len(np.unique(src))}  oracle {oracle:.4f}  best-single {base.mean():.4f}  ({time.time() - t0:.0f}s, load {os.getloadavg()[0]:.1f})')
    for key, p in preds.items():
        q, _ = routed(p, y, mask)
        mean, lo, hi = bootstrap_diff(q, base)
        r, rl, rh = bootstrap_diff(q, ref)
        head = (q.mean() - base.mean()) / (oracle - base.mean())
        print(f'{key:22s} {q.mean():.4f}  headroom {head:+.3f}  vs single {100*mean:+.2f} [{100*lo:+.2f}, {100*hi:+.2f}]  vs local-loo {100*r:+.2f} [{100*rl:+.2f}, {100*rh:+.2f}]  {info.get(key, "")}')
    sys.stdout.flush()


if __name__ == '__main__':
    for name in sys.argv[1:] or DATASETS:
        run(name)
