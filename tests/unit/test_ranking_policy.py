"""The season rule: Christmas songs wait for a request that asks for the season. Pure: a stand-in index."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from recommender.ranking_policy import asks_for_the_season, seasonal_rows
from recommender.types import WeightedTag


def test_christmas_songs_are_known_by_title_and_wait_for_the_season() -> None:
    names = ["Run Rudolph Run - Single Version", "Last Christmas", "Rudolph the Red-Nosed Reindeer",
             "Joy to the World", "Feelin' Alright", "Carol of the Bells"]
    index = SimpleNamespace(names=np.array(names), vocab=SimpleNamespace(column=lambda tag: None),
                            track_genres=sp.csr_matrix((len(names), 1)))
    assert seasonal_rows(index).tolist() == [True, True, True, False, False, True]  # type: ignore[arg-type]
    assert asks_for_the_season("cozy winter evening", []) and not asks_for_the_season("some forró", [])
    assert asks_for_the_season("", [WeightedTag("christmas", 1.0)])
