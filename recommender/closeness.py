"""Closeness to an artist named in "like X": the cosine of each track's profile (its genres, its tags) with the
mean profile of X's tracks."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def unit_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """The rows scaled to unit length (an empty row stays empty)."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return (sp.diags(1 / np.maximum(norms, 1e-9)) @ matrix).tocsr().astype(np.float32)


def closeness_to(unit: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """(n,) each row's cosine with the mean of `rows` (`unit`: rows of unit length); zeros when `rows` is empty."""
    if len(rows) == 0:
        return np.zeros(unit.shape[0], np.float32)
    profile = np.asarray(unit[rows].mean(axis=0)).ravel()
    return (unit @ (profile / max(float(np.linalg.norm(profile)), 1e-9))).astype(np.float32)
