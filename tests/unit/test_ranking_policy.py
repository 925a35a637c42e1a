"""The ranking policy: Christmas songs wait for the season; "like X" is X's listeners and genres. Pure: stand-ins."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from recommender.occasions import in_playlists_for, titled
from recommender.ranking_policy import asks_for_the_season, likeness, seasonal_rows
from recommender.types import WeightedTag


def test_christmas_songs_are_known_by_title_and_wait_for_the_season() -> None:
    names = np.array(["Run Rudolph Run - Single Version", "Last Christmas", "Rudolph the Red-Nosed Reindeer",
                      "Joy to the World", "Feelin' Alright", "Carol of the Bells", "Santa Monica", "Snowman"])
    index = SimpleNamespace(about_occasion=lambda occasion: titled(names, occasion),
                            vocab=SimpleNamespace(column=lambda tag: None), track_genres=sp.csr_matrix((len(names), 1)))
    assert seasonal_rows(index).tolist() == [True, True, True, False, False, True, False, True]  # type: ignore[arg-type]
    assert asks_for_the_season("cozy winter evening", []) and not asks_for_the_season("some forró", [])
    assert asks_for_the_season("", [WeightedTag("christmas", 1.0)])


def test_a_playlist_made_for_the_occasion_vouches_for_its_songs_a_playlist_merely_named_for_it_does_not() -> None:
    """Jessie J's "Man With The Bag" names no Christmas word; it sits in "Christmas Soul", whose songs are
    mostly titled for Christmas. Coldplay's "Ghost Stories" is an album, not a Halloween playlist."""
    names = np.array(["Last Christmas", "Santa Baby", "Man With The Bag", "Magic", "Ghost Story", "Ink", "Oceans",
                      "Feelin' Alright"])
    member = [[1, 1, 1, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1, 0], [0, 0, 1, 0, 0, 0, 0, 1]]
    rows = sp.csr_matrix(np.array(member, np.float32) / np.sum(member, axis=1, keepdims=True))
    playlists = np.array(["Christmas Soul", "Coldplay - Ghost Stories", "Sexy Soul 2020"])
    made_for = {occasion: in_playlists_for(occasion, playlists, rows, titled(names, occasion)).tolist()
                for occasion in ("christmas", "halloween")}
    assert made_for["christmas"] == [True, True, True, False, False, False, False, False]
    assert not any(made_for["halloween"])
    assert not any(in_playlists_for("christmas", np.array(["Chill"]), rows[:1], titled(names, "christmas")))


def test_like_an_artist_weighs_their_listeners_their_genres_and_their_tags_alike() -> None:
    """A track both X's listeners play and in X's genres beats one with only either; among tracks in X's
    genres, the one tagged like X's songs leads; an artist no listener data knows still has genres and tags."""
    listeners = np.array([2.0, 2.0, 0.0, 0.0, 0.0])
    genres = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    tags = np.array([0.5, 0.5, 0.5, 0.5, 0.0])
    both, listened, genre_only, neither, untagged = likeness(listeners, genres, tags)
    assert both > max(listened, genre_only) and min(listened, genre_only) > neither
    assert genre_only > untagged
    assert np.argmax(likeness(None, genres, tags)) in (0, 2)
    assert likeness(None, np.zeros(5), np.zeros(5)).tolist() == [0.0] * 5


def test_like_an_artist_keeps_the_closest_genres_above_those_sharing_only_a_broad_one() -> None:
    """Closeness is sparse: at a 3-sd clip a track sharing only "pop" with Kygo tied one sharing tropical house."""
    closeness = np.zeros(400, np.float32)
    closeness[:20] = 0.3  # shares the broad genre
    closeness[20] = 0.9  # shares the niche one too
    fit = likeness(None, closeness, np.zeros(400, np.float32))
    assert fit[20] > fit[0] > fit[100]
