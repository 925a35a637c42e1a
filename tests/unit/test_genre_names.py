"""Genres as Spotify writes them: exact hard constraints beyond the tag vocabulary. Pure, no catalog."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.genre_names import GenreNames, appended, is_compound, name_matrix


@pytest.mark.parametrize(("name", "genre", "covered"), [
    ("classic city pop", "city pop", True), ("san diego rap", "rap", True), ("europop", "pop", True),
    ("pop rap", "pop", True), ("trap", "rap", False), ("uk pop", "k pop", False), ("city pop", "city pop", True),
    # a style leading a louder one is that one's kind: ZZ Top's "country rock" is not country
    ("country rock", "country", False), ("country rock", "rock", True), ("contemporary country", "country", True),
    ("jazz rap", "jazz", False), ("country pop", "country", True),
])
def test_a_genre_covers_its_compounds_word_by_word(name: str, genre: str, covered: bool) -> None:
    assert is_compound(name, genre) is covered


def _genres() -> GenreNames:
    names, matrix = name_matrix([["classic city pop", "j-pop"], ["san diego rap"], ["trap"], ["dance pop"], [],
                                 ["trap mexicano"]] + [["classic city pop"]] * 3)
    return GenreNames(names, matrix)


def test_rows_carrying_a_genre_include_its_family_and_compounds() -> None:
    genres = _genres()
    assert genres.carrying(["city pop"]).tolist() == [True, False, False, False, False, False, True, True, True]
    # "no rap" rules out trap too: the family, not the substring
    assert genres.carrying(["rap"]).tolist()[:6] == [False, True, True, False, False, True]
    assert not genres.carrying(["bossa nova"]).any()


def test_only_names_ending_in_a_known_genre_become_nameable() -> None:
    nameable = _genres().nameable(3, heads={"pop", "rap"})
    assert "city pop" in nameable and "classic city pop" in nameable
    assert "mexicano" not in nameable and "classic" not in nameable and "san diego rap" not in nameable  # 1 row


def test_appended_rows_keep_the_old_ones_and_add_new_names() -> None:
    names, matrix = name_matrix([["trap"], ["dance pop"]])
    names, matrix = appended(names, matrix, np.array([False, True]), [["classic city pop"]])
    assert matrix.shape == (2, 2) and GenreNames(names, matrix).carrying(["city pop"]).tolist() == [False, True]


def test_closeness_counts_a_rare_shared_genre_above_a_common_one() -> None:
    """"Like X": sharing X's niche genre counts for more than sharing its broad one."""
    names, matrix = name_matrix([["sheffield indie", "rock"], ["sheffield indie"], ["rock"], ["rock"], ["rock"],
                                 ["trap"], []])
    close = GenreNames(names, matrix).closeness(np.array([0]))
    assert close[0] == pytest.approx(1.0, abs=1e-5)
    assert close[1] > close[2] > 0 and close[5] == close[6] == 0
    assert not GenreNames(names, matrix).closeness(np.array([], dtype=int)).any()


def test_closeness_counts_a_shared_style_above_a_shared_place() -> None:
    """"Songs like Blinding Lights" (canadian pop): a British pop star is closer than a Canadian rapper."""
    names, matrix = name_matrix([["canadian pop"], ["canadian hip hop"], ["uk pop"], ["canadian pop", "pop"], []])
    close = GenreNames(names, matrix).closeness(np.array([0]))
    assert close[2] > close[1] == 0
    assert close[3] > close[2] and close[4] == 0


def test_ruling_out_a_style_rules_out_the_louder_compounds_it_leads() -> None:
    names, matrix = name_matrix([["country rock"], ["contemporary country"], ["country rap", "rap"], ["rock"]])
    genres = GenreNames(names, matrix)
    assert genres.carrying(["country"]).tolist() == [False, True, False, False]  # "only country"
    assert sorted(genres.led_by(["country"])) == ["country rap", "country rock"]  # "no country" rules these out too
    assert genres.led_by(["rock"]) == []
