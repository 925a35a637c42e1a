"""Ranking metrics and the seeded hold-out split shared by every protocol."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

CUTOFFS = (10, 20, 100)

# Parts of the served ranker the text protocols also report (its fusion without the request's constraints, plain
# sentence similarity within them): they say where its lead comes from and are never the "best other" model.
ABLATIONS = ("served_unconstrained", "cbf_constrained")


def holdout_split(matrix: sp.csr_matrix, fraction: float, seed: int, min_items: int = 5
                  ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Per row, hold out `fraction` of its items (rows with fewer than `min_items` stay whole in train)."""
    rng = np.random.default_rng(seed)
    m = matrix.tocsr()
    train_rows, test_rows = [], []
    for r in range(m.shape[0]):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        n = hi - lo
        mask = np.zeros(n, dtype=bool)
        if n >= min_items:
            mask[rng.choice(n, size=max(1, int(round(n * fraction))), replace=False)] = True
        train_rows.append(np.flatnonzero(~mask) + lo)
        test_rows.append(np.flatnonzero(mask) + lo)

    def pick(positions: list[np.ndarray]) -> sp.csr_matrix:
        keep = np.zeros(m.nnz, dtype=bool)
        keep[np.concatenate(positions)] = True
        out = m.copy()
        out.data = np.where(keep, out.data, 0)
        out.eliminate_zeros()
        return out

    return pick(train_rows), pick(test_rows)


def drop_pairs(m: sp.csr_matrix, pairs: sp.csr_matrix) -> sp.csr_matrix:
    """`m` without the entries where `pairs` is non-zero: what a hold-out takes out of the training data."""
    out = m.tocsr().copy()
    out = out - out.multiply(pairs.astype(bool))
    out.eliminate_zeros()
    return out.tocsr()


def rank_metrics(scores: np.ndarray, train: sp.csr_matrix, test: sp.csr_matrix, rows: np.ndarray,
                 cutoffs: tuple[int, ...] = CUTOFFS) -> dict[str, np.ndarray]:
    """NDCG@k and Recall@k per row; train items are excluded from the ranking (scores (len(rows), n_items))."""
    kmax = max(cutoffs)
    scores = np.array(scores, dtype=np.float32, copy=True)
    for i, r in enumerate(rows):
        scores[i, train.indices[train.indptr[r]:train.indptr[r + 1]]] = -np.inf
    top = np.argpartition(-scores, kmax, axis=1)[:, :kmax]
    order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
    top = np.take_along_axis(top, order, axis=1)
    discounts = 1.0 / np.log2(np.arange(2, kmax + 2))
    out: dict[str, list[float]] = {f"{m}@{k}": [] for k in cutoffs for m in ("ndcg", "recall")}
    for i, r in enumerate(rows):
        relevant = set(test.indices[test.indptr[r]:test.indptr[r + 1]].tolist())
        hits = np.fromiter((t in relevant for t in top[i]), dtype=bool, count=kmax)
        for k in cutoffs:
            ideal = discounts[: min(len(relevant), k)].sum()
            out[f"ndcg@{k}"].append(float((hits[:k] * discounts[:k]).sum() / ideal))
            out[f"recall@{k}"].append(float(hits[:k].sum() / min(len(relevant), k)))
    return {k: np.asarray(v) for k, v in out.items()}


def summarise(per_row: dict[str, np.ndarray]) -> dict[str, float]:
    return {k: round(float(v.mean()), 4) for k, v in per_row.items()}


def paired_difference(a: np.ndarray, b: np.ndarray, seed: int = 0, resamples: int = 2000) -> dict[str, float]:
    """Mean of a − b over the same rows and its 95 % paired-bootstrap interval: whether a gap between two
    models on one split is larger than which rows happened to be drawn."""
    diff = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return {"mean": round(float(diff.mean()), 4), "ci95": [round(float(lo), 4), round(float(hi), 4)]}


def latency_spread(timings_ms: list[float]) -> dict[str, float]:
    """Median and nearest-rank 99th percentile, in ms: how every benchmark here reports latency."""
    ordered = sorted(timings_ms)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"p50_ms": round(float(np.median(ordered)), 2), "p99_ms": round(p99, 2)}
