"""The ranking metrics every evaluation reports, checked against scikit-learn's reference NDCG and a direct count."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import ndcg_score

from recommender.metrics import holdout_split, paired_difference, rank_metrics

CUTOFFS = (5, 10, 50)


def _interactions(rows: int, items: int, density: float, seed: int) -> sp.csr_matrix:
    m = sp.random(rows, items, density=density, random_state=seed, format="csr")
    m.data[:] = 1.0
    return m


def test_ndcg_matches_sklearn_and_recall_counts_the_hits_with_train_items_left_out() -> None:
    rows, items = 60, 400
    train, test = holdout_split(_interactions(rows, items, 0.08, seed=3), fraction=0.3, seed=11)
    scores = np.random.default_rng(5).random((rows, items))  # continuous: no ties to break
    evaluated = np.flatnonzero(np.diff(test.indptr) > 0)
    ours = rank_metrics(scores[evaluated], train, test, evaluated, cutoffs=CUTOFFS)

    masked = scores[evaluated].copy()
    masked[train[evaluated].toarray() > 0] = -1e9  # what a model may not recommend again
    relevant = test[evaluated].toarray() > 0
    for k in CUTOFFS:
        reference = [ndcg_score(relevant[i:i + 1], masked[i:i + 1], k=k) for i in range(len(evaluated))]
        np.testing.assert_allclose(ours[f"ndcg@{k}"], reference, rtol=1e-6)
        top = np.argsort(-masked, axis=1)[:, :k]
        recall = [relevant[i, top[i]].sum() / min(relevant[i].sum(), k) for i in range(len(evaluated))]
        np.testing.assert_allclose(ours[f"recall@{k}"], recall, rtol=1e-6)


def test_a_perfect_ranking_scores_one_and_a_reversed_one_scores_less() -> None:
    test = sp.csr_matrix(np.array([[0, 1, 1, 0, 0, 0]], dtype=np.float32))
    train = sp.csr_matrix((1, 6), dtype=np.float32)
    perfect = rank_metrics(np.array([[0.1, 0.9, 0.8, 0.2, 0.3, 0.4]]), train, test, np.array([0]), cutoffs=(2, 5))
    reversed_ = rank_metrics(np.array([[0.9, 0.1, 0.2, 0.8, 0.7, 0.6]]), train, test, np.array([0]), cutoffs=(2, 5))
    assert perfect["ndcg@2"][0] == 1.0 and perfect["recall@2"][0] == 1.0
    assert reversed_["ndcg@5"][0] < perfect["ndcg@5"][0] and reversed_["recall@2"][0] == 0.0


def test_the_holdout_keeps_every_interaction_exactly_once() -> None:
    m = _interactions(30, 200, 0.1, seed=1)
    train, test = holdout_split(m, fraction=0.2, seed=0)
    assert (train + test - m).count_nonzero() == 0 and train.multiply(test).count_nonzero() == 0


def test_paired_difference_separates_a_real_gap_from_noise() -> None:
    rng = np.random.default_rng(0)
    base = rng.random(500)
    real = paired_difference(base + 0.05, base)
    noise = paired_difference(base + rng.normal(0, 0.05, 500), base)
    assert real["ci95"][0] > 0 and noise["ci95"][0] < 0 < noise["ci95"][1]
