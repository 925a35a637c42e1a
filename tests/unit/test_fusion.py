"""Learned fusion and the text signals. Pure: no catalog, no database."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.fusion import Z_CLIP, Fusion, learn_fusion, z
from recommender.ranker import StandardisedRows
from recommender.shortlist import SHORTLIST_MIN, Shortlist
from recommender.text_match import TextMatch, content_words, playlist_matrix


def test_fusion_learns_to_trust_the_signal_that_finds_the_tracks() -> None:
    rng = np.random.default_rng(0)
    n = 500
    queries = []
    for _ in range(30):
        positives = rng.choice(n, 20, replace=False)
        useful = rng.normal(size=n).astype(np.float32)
        useful[positives] += 3.0
        noise = rng.normal(size=n).astype(np.float32)
        queries.append((lambda u=useful, v=noise: ({"playlists": u, "words": v}, None), positives, None))
    fusion, fit = learn_fusion(queries, n)
    assert fusion.weights["playlists"] > 5 * max(fusion.weights["words"], 0.01)
    assert fit["pairs_ordered"] > 0.9
    assert all(w >= 0 for w in fusion.weights.values())


def test_fusion_learns_within_what_the_constraints_allow() -> None:
    """A signal that only tells the allowed tracks from the rest says nothing once the constraints have
    filtered: serving ranks within them, so the fusion learns there."""
    rng = np.random.default_rng(1)
    n = 600
    queries = []
    for _ in range(30):
        allowed = np.zeros(n, dtype=bool)
        allowed[rng.choice(n, 150, replace=False)] = True
        inside = np.flatnonzero(allowed)
        positives = np.concatenate([rng.choice(inside, 15, replace=False), rng.choice(np.flatnonzero(~allowed), 15)])
        genre = np.where(allowed, 3.0, 0.0).astype(np.float32) + rng.normal(scale=0.1, size=n).astype(np.float32)
        words = rng.normal(size=n).astype(np.float32)
        words[positives] += 2.0
        queries.append((lambda g=genre, w=words, a=allowed: ({"genres": g, "words": w}, a), positives, None))
    fusion, _ = learn_fusion(queries, n)
    assert fusion.weights["words"] > 5 * max(fusion.weights["genres"], 0.01)


def test_combine_standardises_and_skips_missing_signals() -> None:
    fusion = Fusion({"tags": 1.0, "sound": 2.0})
    score = fusion.combine({"tags": np.array([0.0, 10.0]), "popularity": np.array([5.0, 0.0])})
    assert score[1] > score[0]  # popularity has no weight here; tags are standardised, not raw


def test_playlists_named_like_the_request_lend_their_tracks() -> None:
    emb = np.eye(3, dtype=np.float32)
    match = TextMatch(emb, playlist_matrix([np.array([0, 1]), np.array([2]), np.array([3])], 4),
                      np.zeros((4, 3), np.float32), np.eye(3, dtype=np.float32), np.zeros((4, 3), np.float32))
    near_first = match.playlists(np.array([1.0, 0.0, 0.0], np.float32))
    assert near_first[0] > 0 and near_first[1] > 0 and near_first[2] == 0


def test_content_words_fold_accents_and_drop_short_words() -> None:
    assert content_words("Forró Fiesta in LA!") == ["forro", "fiesta"]


def test_profiles_projected_on_their_principal_directions_keep_their_scores() -> None:
    from recommender.text_match import principal_basis

    rng = np.random.default_rng(1)
    profiles = (rng.normal(size=(300, 8)) @ rng.normal(size=(8, 32))).astype(np.float32)  # rank 8 in 32 dims
    basis = principal_basis(profiles, dims=8)
    match = TextMatch(np.zeros((1, 32), np.float32), playlist_matrix([np.array([0])], 300), profiles @ basis, basis,
                      profiles)
    query = rng.normal(size=32).astype(np.float32)
    assert np.allclose(match.words(query), profiles @ query, atol=1e-3)
    assert np.allclose(match.genres(query), profiles @ query, atol=1e-4)


def test_a_request_whose_signals_all_weigh_nothing_still_scores_every_track() -> None:
    """A learned weight can be zero: the request's score is then flat, one per track, not a bare number."""
    scores = Fusion({"words": 0.0, "sound": 0.0}).combine({"words": np.arange(5, dtype=np.float32)})
    assert scores.shape == (5,) and not scores.any()


def test_standardising_is_over_the_whole_catalog_clipped_and_leaves_the_signal_alone() -> None:
    x = np.random.default_rng(0).normal(3.0, 2.0, 5000).astype(np.float32)
    x[0] = 40.0
    out = z(x)
    plain = (x.astype(np.float64) - x.mean()) / x.std()
    assert np.allclose(out, plain.clip(-Z_CLIP, Z_CLIP), atol=1e-4) and out[0] == Z_CLIP and x[0] == 40.0
    assert np.allclose(z(x, clip=None), plain, atol=1e-4)
    assert z(np.full(10, 7.0)).tolist() == [0.0] * 10


def test_rows_scored_on_a_subset_are_standardised_as_over_all_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """CF scores only the tracks with listening history and CBF the rest, each on the catalog-wide scale."""
    rng = np.random.default_rng(1)
    m, v = rng.normal(size=(3000, 16)).astype(np.float32), rng.normal(size=16).astype(np.float32)
    rows = rng.choice(3000, 40, replace=False)
    assert np.allclose(StandardisedRows(m).scores(v, rows), z(m @ v, clip=None)[rows], atol=1e-4)
    monkeypatch.setattr(StandardisedRows, "CHUNK", 1000)  # the moments summed in parts
    bias = (m[:, 0] * 0.5 + rng.normal(size=3000)).astype(np.float32)  # correlated with a column
    for subset in (rows, np.arange(2900)):  # a few rows, or most of them
        assert np.allclose(StandardisedRows(m, bias).scores(v, subset), z(m @ v + bias, clip=None)[subset], atol=1e-4)
    assert StandardisedRows(np.ones((5, 3), np.float32)).scores(np.ones(3, np.float32), np.arange(2)).tolist() == [0, 0]


def test_a_sample_can_stand_in_for_the_catalog_when_standardising() -> None:
    x = np.random.default_rng(2).normal(5.0, 3.0, 1000).astype(np.float32)
    over = np.arange(0, 1000, 3)
    ref = x[over].astype(np.float64)
    assert np.allclose(z(x, clip=None, over=over), (x - ref.mean()) / ref.std(), atol=1e-4)
    assert np.allclose(z(x, over=np.arange(1000)), z(x), atol=1e-6)


def test_the_second_stage_scores_the_best_of_the_first_and_the_sample() -> None:
    """Ruled-out tracks (-inf) are not shortlisted; the sample's positions point at the sample."""
    first = np.arange(20_000, dtype=np.float32)
    first[-3:] = -np.inf
    shortlist = Shortlist(20_000, share=0.01, sample=100)
    rows, sample = shortlist.rows(first)
    assert set(rows[:len(rows) - 100].tolist()) == set(range(19_997 - SHORTLIST_MIN, 19_997))
    few = np.full(20_000, -np.inf, np.float32)
    few[:300] = 1.0  # a filter allows only 300 tracks
    rows, sample = shortlist.rows(few)
    assert sorted(rows[:len(rows) - 100].tolist()) == list(range(300))
    assert rows[sample].tolist() == shortlist.sample.tolist() and len(set(shortlist.sample.tolist())) == 100
