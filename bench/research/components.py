"""Router components with exact leave-one-out (LOO) predictions on the training fold, for stacking.

Each component is fit on the training fold only and returns (oof, test): oof[i] is the prediction for training
row i from a fit that did not use row i's scores (exact for kNN, cluster and source priors and ridge), test the
prediction for the test rows. Hyper-parameters are chosen inside the training fold by LOO routed quality.
"""
import numpy as np

from common import masked_mean, routed


def topk_neighbours(xq, xt, k, exclude_self=False, chunk=2048):
    """Indices and cosine similarities of the k nearest training rows for every query row."""
    n = len(xq)
    idx = np.zeros((n, k), dtype=np.int64)
    sim = np.zeros((n, k), dtype=np.float32)
    for a in range(0, n, chunk):
        s = xq[a:a + chunk] @ xt.T
        if exclude_self:
            s[np.arange(len(s)), np.arange(a, a + len(s))] = -np.inf
        part = np.argpartition(-s, k, axis=1)[:, :k]
        ps = np.take_along_axis(s, part, 1)
        order = np.argsort(-ps, 1)
        idx[a:a + chunk] = np.take_along_axis(part, order, 1)
        sim[a:a + chunk] = np.take_along_axis(ps, order, 1)
    return idx, sim


def knn_predict(idx, sim, y, mask, prior, k, temp, shrink):
    """Weighted mean of the neighbours' scores, shrunk toward `prior` with pseudo-count `shrink`."""
    i, s = idx[:, :k], sim[:, :k]
    w = np.exp((s - s[:, :1]) / temp) if temp > 0 else np.ones_like(s)
    w = w[:, :, None] * mask[i]
    num = (w * y[i]).sum(1) + shrink * prior
    den = w.sum(1) + shrink
    return num / den


def knn_component(xtr, ytr, mtr, xte, ks=(10, 25, 50, 100, 200), temps=(0, 0.05, 0.1), shrinks=(0, 5, 20)):
    kmax = min(max(ks), len(xtr) - 1)
    ii, si = topk_neighbours(xtr, xtr, kmax, exclude_self=True)
    it, st = topk_neighbours(xte, xtr, kmax)
    prior = masked_mean(ytr, mtr)
    best = None
    for k in ks:
        k = min(k, kmax)
        for t in temps:
            for a in shrinks:
                q = routed(knn_predict(ii, si, ytr, mtr, prior, k, t, a), ytr, mtr)[0].mean()
                if best is None or q > best[0] + 1e-12:
                    best = (q, k, t, a)
    _, k, t, a = best
    return knn_predict(ii, si, ytr, mtr, prior, k, t, a), knn_predict(it, st, ytr, mtr, prior, k, t, a), dict(k=k, temp=t, shrink=a), (ii, si, it, st)


def spherical_kmeans(x, c, seed=0, iters=15):
    rng = np.random.default_rng(seed)
    cent = x[rng.choice(len(x), c, replace=False)].copy()
    for _ in range(iters):
        a = (x @ cent.T).argmax(1)
        for j in range(c):
            sel = a == j
            if sel.any():
                v = x[sel].sum(0)
                cent[j] = v / max(np.linalg.norm(v), 1e-12)
    return cent, (x @ cent.T).argmax(1)


def group_prior(atr, ate, ytr, mtr, ngroups, shrink, prior):
    """Shrunk group means; LOO for training rows (own scores removed from own group)."""
    s = np.zeros((ngroups, ytr.shape[1]))
    c = np.zeros((ngroups, ytr.shape[1]))
    np.add.at(s, atr, ytr * mtr)
    np.add.at(c, atr, mtr.astype(float))
    te = (s[ate] + shrink * prior) / (c[ate] + shrink)
    oof = (s[atr] - ytr * mtr + shrink * prior) / (c[atr] - mtr + shrink)
    return oof, te


def cluster_component(xtr, ytr, mtr, xte, cs=(5, 10, 20, 50, 100, 200), shrinks=(1, 5, 20, 50), seed=0):
    prior = masked_mean(ytr, mtr)
    best = None
    for c in cs:
        if c * 5 > len(xtr):
            continue
        cent, atr = spherical_kmeans(xtr, c, seed)
        ate = (xte @ cent.T).argmax(1)
        for a in shrinks:
            oof, te = group_prior(atr, ate, ytr, mtr, c, a, prior)
            q = routed(oof, ytr, mtr)[0].mean()
            if best is None or q > best[0] + 1e-12:
                best = (q, oof, te, dict(clusters=c, shrink=a))
    return best[1], best[2], best[3]


def ridge_component(ftr, ytr, mtr, fte, lams=(0.1, 1, 10, 100, 1000)):
    """Multi-output ridge with intercept; LOO residuals from the hat-matrix diagonal (missing scores -> model mean)."""
    prior = masked_mean(ytr, mtr)
    yt = np.where(mtr, ytr, prior)
    mu = ftr.mean(0)
    xc = ftr - mu
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    ym = yt.mean(0)
    uty = u.T @ (yt - ym)
    best = None
    for lam in lams:
        f = s ** 2 / (s ** 2 + lam)
        fit = u @ (f[:, None] * uty) + ym
        h = (u ** 2 * f).sum(1) + 1 / len(ftr)
        oof = yt - (yt - fit) / (1 - h)[:, None]
        q = routed(oof, ytr, mtr)[0].mean()
        if best is None or q > best[0] + 1e-12:
            w = vt.T @ ((s / (s ** 2 + lam))[:, None] * uty)
            best = (q, oof, (fte - mu) @ w + ym, dict(lam=lam))
    return best[1], best[2], best[3]


def simplex_grid(c, step=0.1):
    n = int(round(1 / step))
    out = []

    def rec(prefix, left):
        if len(prefix) == c - 1:
            out.append(prefix + [left])
            return
        for v in range(left + 1):
            rec(prefix + [v], left - v)

    rec([], n)
    return np.array(out, dtype=float) / n


def blend(oofs, tes, ytr, mtr, step=0.1):
    """Non-negative weights summing to 1 over the components, chosen by LOO routed quality."""
    best = None
    for w in simplex_grid(len(oofs), step):
        p = sum(wi * o for wi, o in zip(w, oofs))
        q = routed(p, ytr, mtr)[0].mean()
        if best is None or q > best[0] + 1e-12:
            best = (q, w)
    w = best[1]
    return sum(wi * t for wi, t in zip(w, tes)), w
