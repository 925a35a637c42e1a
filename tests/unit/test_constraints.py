"""What Chat2Tag reads from a request with patterns alone (recommender/constraints.py): no encoder, no catalog."""

from __future__ import annotations

import pytest

from recommender.constraints import (
    ConstraintReader,
    count_in,
    era_in,
    script_language,
    small_talk_in,
)


@pytest.mark.parametrize(("text", "count"), [("20 songs for a road trip", 20), ("give me twenty tracks", 20),
                                             ("top 5 rainy songs", 5), ("a playlist for tonight", None)])
def test_how_many_tracks_were_asked_for(text: str, count: int | None) -> None:
    assert count_in(text) == count


@pytest.mark.parametrize(("text", "era"), [("80s rock", "80s"), ("music from the nineties", "90s"),
                                           ("1990s hip hop", "90s"), ("songs from 2015", "2015"),
                                           ("éxitos de los 2000", "00s"), ("driving 2000 km", None),
                                           ("1987-1997 old skool jamz", "1987-1997"),
                                           ("80s-90s pop", "80s-90s"), ("old school hip hop", "80s-90s"),
                                           ("brand new releases only", "new releases"),
                                           ("the latest hits", "new releases"), ("new wave classics", None),
                                           ("rainy sunday morning", None)])
def test_the_era_a_request_names(text: str, era: str | None) -> None:
    assert era_in(text) == era


@pytest.mark.parametrize(("text", "lang"), [("비 오는 날", "ko"), ("雨の日の曲", "ja"), ("rainy day", None)])
def test_a_script_names_its_language(text: str, lang: str | None) -> None:
    assert script_language(text) == lang


@pytest.mark.parametrize(("text", "kind"), [("hi", "greeting"), ("thanks!", "thanks"), ("who are you", "who"),
                                            ("rainy day", None), ("hi, play something for a rainy day", None)])
def test_small_talk_is_told_from_a_request(text: str, kind: str | None) -> None:
    assert small_talk_in(text) == kind


@pytest.mark.parametrize(("last", "following", "across"), [("road", "trip", True), ("house", "party", False),
                                                            ("country", "music", False)])
def test_a_genre_name_gives_way_to_a_moment_it_runs_into(last: str, following: str, across: bool) -> None:
    """"country road trip" is country and a road trip; "deep house party" is still deep house."""
    assert ConstraintReader._moment_across(last, following) is across
