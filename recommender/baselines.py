"""Baselines every model is measured against, behind one small interface:
`fit(user_items)` then `scores(rows)` — the shape of the `implicit` library."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp


class Scorer(Protocol):
    name: str

    def fit(self, user_items: sp.csr_matrix) -> "Scorer": ...

    def scores(self, rows: np.ndarray) -> np.ndarray: ...


def binarise(m: sp.csr_matrix) -> sp.csr_matrix:
    out = m.tocsr(copy=True).astype(np.float32)
    out.data[:] = 1.0
    return out


def item_neighbours(user_items: sp.csr_matrix, neighbours: int, shrink: float) -> sp.csr_matrix:
    """Item–item cosine over co-occurrence, shrunk towards zero for rarely co-occurring items; row i keeps
    item i's `neighbours` strongest."""
    x = binarise(user_items)
    co = (x.T @ x).tocsr().astype(np.float32)
    norms = np.sqrt(co.diagonal())
    co.setdiag(0)
    co.eliminate_zeros()
    co = co.tocoo()
    sim = co.data / (norms[co.row] * norms[co.col] + shrink)
    sim_m = sp.csr_matrix((sim, (co.row, co.col)), shape=co.shape)
    rows, cols, vals = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0, np.float32)]
    for i in range(sim_m.shape[0]):
        lo, hi = sim_m.indptr[i], sim_m.indptr[i + 1]
        if hi - lo > neighbours:
            keep = lo + np.argpartition(-sim_m.data[lo:hi], neighbours)[:neighbours]
        else:
            keep = np.arange(lo, hi)
        rows.append(np.full(len(keep), i))
        cols.append(sim_m.indices[keep])
        vals.append(sim_m.data[keep])
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=sim_m.shape)


class Popularity:
    name = "popularity"

    def fit(self, user_items: sp.csr_matrix) -> "Popularity":
        self._pop = np.asarray(binarise(user_items).sum(axis=0)).ravel().astype(np.float32)
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self._pop, (len(rows), 1))


class ItemKNN:
    """Item–item cosine over co-occurrence, top-`neighbours` per item (Sarwar et al.)."""

    name = "itemknn"

    def __init__(self, neighbours: int = 100, shrink: float = 10.0) -> None:
        self.neighbours, self.shrink = neighbours, shrink

    def fit(self, user_items: sp.csr_matrix) -> "ItemKNN":
        self._x = binarise(user_items)
        self._sim = item_neighbours(self._x, self.neighbours, self.shrink)
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray((self._x[rows] @ self._sim).todense(), dtype=np.float32)


class EASE:
    """Embarrassingly Shallow Autoencoder (Steck 2019): closed-form item–item weights.

    l2 = 100 was the best of 50/100/200/250/500 on a HetRec split with a seed the protocol does not use.
    The inverse is cubic in the items, so it is taken over items with at least `min_support` training
    users (on HetRec: 17.5k → ~6.5k items, 160 s → ~10 s on 2 cores, NDCG@100 within 0.001); the others
    score zero."""

    name = "ease"

    def __init__(self, l2: float = 100.0, min_support: int = 2) -> None:
        self.l2, self.min_support = l2, min_support

    def fit(self, user_items: sp.csr_matrix) -> "EASE":
        x = binarise(user_items)
        self._n_items = x.shape[1]
        self._active = np.flatnonzero(np.asarray(x.sum(axis=0)).ravel() >= self.min_support)
        self._x = x[:, self._active].tocsr()
        gram = (self._x.T @ self._x).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.l2
        p = np.linalg.inv(gram)
        b = p / (-np.diag(p))
        b[np.diag_indices_from(b)] = 0.0
        self._b = b.astype(np.float32)
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), self._n_items), dtype=np.float32)
        out[:, self._active] = np.asarray(self._x[rows] @ self._b)
        return out

    @property
    def weights(self) -> np.ndarray:
        """(active, active) the item–item weights."""
        return self._b

    @property
    def active(self) -> np.ndarray:
        """The items the weights cover (the rest score zero)."""
        return self._active


class ALS:
    """Implicit-feedback matrix factorisation (Hu, Koren, Volinsky) from the `implicit` library."""

    name = "als"

    def __init__(self, factors: int = 64, regularization: float = 0.05, iterations: int = 20,
                 alpha: float = 10.0, seed: int = 0) -> None:
        self.params = dict(factors=factors, regularization=regularization, iterations=iterations,
                           alpha=alpha, random_state=seed)

    def fit(self, user_items: sp.csr_matrix) -> "ALS":
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):  # implicit asks for single-threaded BLAS (and checks at construction)
            self._model = AlternatingLeastSquares(**self.params, calculate_training_loss=False)
            self._model.fit(binarise(user_items), show_progress=False)
        return self

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._model.user_factors[rows] @ self._model.item_factors.T, dtype=np.float32)
