"""The Tag model's EASE half: tags that travel together. Pure: small matrices, no catalog."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommender.tag_completion import TagCompletion, standardised_rows

SHOEGAZE, DREAM_POP, METAL, THRASH, POP = range(5)


def _artists() -> sp.csr_matrix:
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(200):  # shoegaze and dream pop go together, metal and thrash go together
        pair = [SHOEGAZE, DREAM_POP] if rng.random() < 0.5 else [METAL, THRASH]
        rows.append(pair + ([POP] if rng.random() < 0.2 else []))
    r = np.repeat(np.arange(len(rows)), [len(x) for x in rows])
    return sp.csr_matrix((np.ones(len(r), np.float32), (r, np.concatenate(rows))), shape=(len(rows), 5))


def test_completion_predicts_the_tag_that_travels_with_the_ones_a_row_has() -> None:
    completion = TagCompletion.fit(_artists())
    scores = completion.complete(sp.csr_matrix(np.array([[1, 0, 0, 0, 0]], np.float32)))[0]
    assert scores[DREAM_POP] > scores[METAL] and scores[DREAM_POP] > scores[THRASH]


def test_a_track_carrying_only_the_asked_tag_fits_it_and_forty_tags_do_not_fit_better() -> None:
    completion = TagCompletion.fit(_artists())
    tracks = sp.csr_matrix(np.array([
        [1, 0, 0, 0, 0],  # new: labelled shoegaze only
        [0, 1, 0, 0, 0],  # dream pop: shoegaze by association
        [0, 0, 1, 1, 1],  # metal
        [1, 1, 1, 1, 1],  # carries everything
    ], np.float32))
    asked = np.zeros(5, np.float32)
    asked[SHOEGAZE] = 1.0
    fit = completion.towards(completion.prepare(tracks), asked)
    assert fit[0] > fit[3] > fit[2] and fit[1] > fit[2]
    assert not completion.towards(completion.prepare(tracks), np.zeros(5, np.float32)).any()


def test_rows_are_standardised_one_by_one() -> None:
    out = standardised_rows(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]))
    assert np.allclose(out[0].mean(), 0) and np.allclose(out[0].std(), 1) and not out[1].any()
