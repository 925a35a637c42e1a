"""Catalog truth: two acts sharing a name are kept apart, and valence/arousal come from Deezer or a fit on
the audio features. Pure: a stand-in encoder, small frames, no database."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from recommender.catalog_truth import (
    genre_neighbours,
    genre_sounds,
    shared_names,
    valence_arousal,
)
from recommender.datasets import AUDIO_COLUMNS

FAMILIES = {"rap": 0, "hip hop": 0, "gangster rap": 0, "rnb": 0, "anime": 1, "anime rock": 1, "j pop": 1,
            "rock": 2, "classic rock": 2, "glam rock": 2, "hard rock": 2}


class FamilyEncoder:
    """Genres of one family embed alike, of different families orthogonally."""

    dim = 3

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.eye(3, dtype=np.float32)[[FAMILIES[t] for t in texts]]


def test_a_name_shared_by_two_acts_keeps_the_side_that_matches_the_tracks() -> None:
    lastfm = {"eve": Counter({"hip hop": 5, "rap": 3, "rnb": 3}), "queen": Counter({"classic rock": 9, "rock": 4})}
    spotify = {"eve": ["anime", "anime rock"], "queen": ["glam rock", "rock"]}
    labels = {"eve": Counter({"rap": 4, "gangster rap": 2}), "queen": Counter({"rock": 3})}
    assert shared_names(lastfm, spotify, labels, FamilyEncoder()) == {"eve": "spotify"}
    # The tracks read as anime: then it is Last.fm's rapper who is someone else.
    labels["eve"] = Counter({"j pop": 3})
    assert shared_names(lastfm, spotify, labels, FamilyEncoder()) == {"eve": "lastfm"}


def test_valence_and_arousal_come_from_deezer_where_joined_and_are_predicted_elsewhere() -> None:
    rng = np.random.default_rng(0)
    n = 400
    features = pd.DataFrame(rng.uniform(0, 1, size=(n, len(AUDIO_COLUMNS))), columns=AUDIO_COLUMNS)
    tracks = features.assign(name=[f"song {i}" for i in range(n)], artist="band")
    measured = tracks.iloc[:300]
    deezer = pd.DataFrame({"artist_name": "Band", "track_name": measured["name"].str.title(),
                           "valence": 3 * measured["valence"] - 1.5, "arousal": 3 * measured["energy"] - 1.5})
    va, joined, report = valence_arousal(tracks, deezer)
    assert joined[:300].all() and not joined[300:].any()
    assert report["deezer_joined"] == 300 and report["r2_valence"] > 0.5 and report["r2_arousal"] > 0.5
    assert ((va >= 0) & (va <= 1)).all()
    # Predicted for the unjoined: higher Spotify valence, higher predicted valence.
    rest = tracks.iloc[300:]
    assert np.corrcoef(rest["valence"], va[300:, 0])[0, 1] > 0.7


def test_a_genre_is_absent_when_no_track_carries_it_and_no_word_of_it_is_everyday() -> None:
    from types import SimpleNamespace

    from recommender.index import absent_genres

    tags = ["forro", "samba", "yoga"]
    vocab = SimpleNamespace(column={t: i for i, t in enumerate(tags)}.get)
    world = ["forro", "forro tradicional", "samba", "yoga", "final fantasy", "klezmer", "dance pop", "karaoke"]
    carried = np.array(["dance pop"])
    tag_tracks = np.array([0, 40, 0])  # forro on no track, samba on forty
    absent = absent_genres(world, carried, tag_tracks, vocab, common=["final", "fantasy", "yoga"])  # type: ignore[arg-type]
    assert absent.tolist() == ["forro", "forro tradicional", "klezmer"]


def test_a_genre_one_listener_gave_a_well_tagged_artist_is_not_the_artists() -> None:
    """Gloria Estefan's lone "anime" vote among tags several people gave is dropped; her moods stay, however
    few gave them, and an artist one listener tagged keeps that listener's genres."""
    from types import SimpleNamespace

    from recommender.index import artist_tag_weights

    tags = ["latin", "pop", "anime", "romantic"]
    vocab = SimpleNamespace(column={t: i for i, t in enumerate(tags)}.get,
                            categories=["genre", "genre", "genre", "mood"])
    catalog = SimpleNamespace(artist_genres={}, artist_tags={
        "gloria estefan": Counter({"latin": 9, "pop": 4, "anime": 1, "romantic": 1}),
        "fire bomber": Counter({"anime": 1})})
    gloria = artist_tag_weights(catalog, vocab, "gloria estefan")  # type: ignore[arg-type]
    assert set(gloria) == {0, 1, 3} and gloria[0] > gloria[1] > gloria[3] > 0
    assert set(artist_tag_weights(catalog, vocab, "fire bomber")) == {2}  # type: ignore[arg-type]


def test_a_genre_sounds_like_all_of_spotifys_artists_of_it_where_that_sets_it_apart() -> None:
    """Post rock is instrumental and dark across its artists, the catalog's or not (a compound counts); a genre
    whose artists are merely loud says too little to answer with, and two artists are too few."""
    usual = {"energy": 0.6, "valence": 0.5, "danceability": 0.6, "acousticness": 0.3, "instrumentalness": 0.01,
             "speechiness": 0.05, "tempo": 120.0}
    rows = [(f"pop {i}", ["pop"], {}) for i in range(20)]
    rows += [(f"post {i}", [genre], {"instrumentalness": 0.8, "valence": 0.2})
             for i, genre in enumerate(["post-rock", "post-rock", "post-rock", "japanese post-rock"])]
    rows += [(f"anime {i}", ["anime"], {"energy": 0.85}) for i in range(3)]
    rows += [(f"klezmer {i}", ["klezmer"], {"acousticness": 0.95, "valence": 0.9}) for i in range(2)]
    features = pd.DataFrame([{"artists": name, **usual, **own} for name, _, own in rows])
    genres = pd.DataFrame({"artists": [name for name, _, _ in rows], "genres": [g for _, g, _ in rows]})
    sounds = genre_sounds(features, genres)
    assert sounds["post rock"] == {"valence": 0.2, "instrumentalness": 0.8}
    assert "japanese post rock" not in sounds  # one artist
    assert "anime" not in sounds and "klezmer" not in sounds and "pop" not in sounds


def test_a_genres_neighbours_are_the_genres_its_artists_carry_beside_it_nearest_first() -> None:
    """Shoegaze acts are mostly dream pop, some noise pop; one act that is also "children's music" and two that are
    also rock are not enough to make those its neighbours."""
    acts = [["shoegaze", "dream pop"]] * 5 + [["shoegaze", "dream pop", "noise pop"]] * 3 + [["shoegaze", "kids"]]
    acts += [["dream pop"]] * 4 + [["noise pop"]] * 2 + [["kids"]] * 9 + [["rock"]] * 40 + [["shoegaze", "rock"]] * 2
    genres = pd.DataFrame({"artists": [f"act {i}" for i in range(len(acts))], "genres": acts})
    near = genre_neighbours(genres)
    assert [n for n, _ in near["shoegaze"]] == ["dream pop", "noise pop"]
    assert near["shoegaze"][0][1] > near["shoegaze"][1][1] >= 0.25
    assert "shoegaze" in [n for n, _ in near["dream pop"]] and "kids" not in near
