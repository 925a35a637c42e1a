"""Picking the list from a ranking: diversity rules, and what happens when the constraints leave few artists."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from recommender.diversify import MAX_YEAR_WIDENING, MIN_YEAR_TRACKS, pick, year_span


def _index(artists: list[str], titles: list[str] | None = None) -> SimpleNamespace:
    ids = [f"t{i}" for i in range(len(artists))]
    titles = titles or [f"song{i}" for i in range(len(artists))]
    return SimpleNamespace(track_ids=np.array(ids), artist_keys=np.array(artists), row_of={t: i for i, t in enumerate(ids)},
                           song_key=lambda row: f"{artists[row]}|{titles[row]}",
                           song_title=lambda row: titles[row].partition(" - ")[0])


def test_two_per_artist_while_enough_artists_remain() -> None:
    index = _index([a for a in "abcdefgh" for _ in range(3)])  # 8 artists, 3 tracks each
    rows = pick(index, range(24), 10)  # type: ignore[arg-type]
    artists = [index.artist_keys[r] for r in rows]
    assert len(rows) == 10 and max(artists.count(a) for a in set(artists)) == 2


def test_few_artists_left_by_the_constraints_still_fill_the_list() -> None:
    index = _index([a for a in "abcd" for _ in range(4)])  # "80s city pop": four artists
    allowed = np.ones(16, dtype=bool)
    rows = pick(index, range(16), 10, allowed=allowed)  # type: ignore[arg-type]
    assert len(rows) == 10 and len(set(rows)) == 10
    first_eight = [index.artist_keys[r] for r in rows[:8]]
    assert all(first_eight.count(a) == 2 for a in "abcd")  # the cap holds until it must give way


def test_another_artists_recording_of_a_title_waits_until_nothing_else_fills_the_list() -> None:
    # "christmas songs": three covers of one standard ranked high
    titles = ["silent night", "silent night", "jingle bells", "silent night", "let it snow", "white christmas"]
    index = _index(list("abcdef"), titles)
    assert pick(index, range(6), 4) == [0, 2, 4, 5]  # type: ignore[arg-type]
    assert pick(index, range(6), 6) == [0, 2, 4, 5, 1, 3]  # type: ignore[arg-type]  # a short list takes them back
    remixed = _index(list("aabc"), ["one kiss", "one kiss - jauz remix", "mama", "blue"])  # a remix too
    assert pick(remixed, range(4), 3) == [0, 2, 3]  # type: ignore[arg-type]


def test_a_named_year_widens_only_while_the_catalog_has_too_few_of_its_songs() -> None:
    years = np.array([2019] * MIN_YEAR_TRACKS + [1996] * 10 + [1995, 1997] * 60 + [1990] * 1000)
    index = SimpleNamespace(years=years)
    assert year_span(index, 2018, 2019) == (2018, 2019)  # type: ignore[arg-type]
    assert year_span(index, 1995, 1996) == (1995 - MAX_YEAR_WIDENING, 1996 + MAX_YEAR_WIDENING)  # type: ignore[arg-type]
