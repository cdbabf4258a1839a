"""Shared loading, cross-validation and scoring for the router research scripts (numpy only).

Data: /work/shared/data/<dataset>/routing.jsonl and the frozen all-MiniLM-L6-v2 embeddings of every prompt in
file order (/work/emb/<dataset>.f32, N x 384 float32, ids in <dataset>.ids.json), as in docs/training.md.
Folds: 5, stratified by `source`, seeded. Headroom captured = (router - best single) / (oracle - best single),
the best single model chosen on the training fold; intervals: paired bootstrap over pooled test prompts.
"""
import json
import os

import numpy as np

DATA = os.environ.get('FINEROUTER_DATA', '/work/shared/data')
EMB = os.environ.get('FINEROUTER_EMB', '/work/emb')
DATASETS = ['routeprofile-test', 'llmrouter-dcrouter', 'routerdc-7model', 'mmlu-pro-29models', 'routellm-gpt4-mixtral']


def load(name):
    recs = [json.loads(line) for line in open(f'{DATA}/{name}/routing.jsonl')]
    ids = json.load(open(f'{EMB}/{name}.ids.json'))
    assert ids == [r['id'] for r in recs], 'embedding ids must follow the file order'
    x = np.fromfile(f'{EMB}/{name}.f32', dtype=np.float32).reshape(len(recs), -1)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    models = []
    for r in recs:
        for m in r['scores']:
            if m not in models:
                models.append(m)
    n, m = len(recs), len(models)
    y = np.zeros((n, m))
    mask = np.zeros((n, m), dtype=bool)
    cost = np.full((n, m), np.nan)
    for i, r in enumerate(recs):
        for j, k in enumerate(models):
            if k in r['scores']:
                y[i, j] = r['scores'][k]
                mask[i, j] = True
            c = (r.get('costs') or {}).get(k)
            if c is not None:
                cost[i, j] = c
    src = np.array([r.get('source', '?') for r in recs])
    prompts = [r['prompt'] for r in recs]
    return dict(name=name, x=x, y=y, mask=mask, cost=cost, src=src, models=models, prompts=prompts)


def folds(src, k=5, seed=0):
    """Fold id per row, stratified by source (each source dealt round-robin after a seeded shuffle)."""
    rng = np.random.default_rng(seed)
    f = np.zeros(len(src), dtype=int)
    for s in np.unique(src):
        idx = np.flatnonzero(src == s)
        rng.shuffle(idx)
        f[idx] = (np.arange(len(idx)) + rng.integers(k)) % k
    return f


def masked_mean(y, mask, axis=0):
    return (y * mask).sum(axis) / np.maximum(mask.sum(axis), 1)


def routed(pred, y, mask):
    """Observed score of argmax(pred) per row; unobserved models are never picked."""
    p = np.where(mask, pred, -np.inf)
    pick = p.argmax(1)
    return y[np.arange(len(y)), pick], pick


def bootstrap_diff(a, b, reps=2000, seed=0):
    rng = np.random.default_rng(seed)
    d = a - b
    n = len(d)
    means = np.array([d[rng.integers(0, n, n)].mean() for _ in range(reps)])
    return d.mean(), np.percentile(means, 2.5), np.percentile(means, 97.5)
