"""Fit judge: each check kind, fit@k arithmetic, request validation and the shipped request set.
Pure and fast: tiny gz CSVs in tmp_path, no catalog build, no database."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from recommender.fit_judge import (
    CHECKS,
    TYPES,
    FitRequest,
    TrackFacts,
    fit_at_k,
    load_requests,
    random_fit,
    summarise,
)

REQUESTS = Path(__file__).resolve().parents[2] / "data" / "fit" / "requests.jsonl"
FEATURES = {"danceability": 0.5, "energy": 0.5, "speechiness": 0.05, "acousticness": 0.2,
            "instrumentalness": 0.0, "liveness": 0.1, "valence": 0.5, "tempo": 120.0, "loudness": -6.0}


def _track(tid: str, artist: str, date: str, **features: float) -> dict[str, object]:
    return {"track_id": tid, "track_name": f"song {tid}", "track_artist": artist, "track_popularity": 50,
            "track_album_id": "a", "track_album_name": "album", "track_album_release_date": date,
            "playlist_name": "p", "playlist_id": "p", "playlist_genre": "pop", "playlist_subgenre": "dance pop",
            "key": 1, "mode": 1, "duration_ms": 200000, **FEATURES, **features}


@pytest.fixture
def facts(tmp_path: Path) -> TrackFacts:
    tracks = pd.DataFrame([
        _track("sad", "Adele", "2011-01-19", valence=0.2, energy=0.3),
        _track("happy", "Beyoncé (feat. Jay-Z)", "2003", valence=0.9, energy=0.8),
        _track("old", "Queen", "1975-10", energy=0.9),
        _track("nogenre", "Nobody Known", "2019-05-01"),
        _track("sad", "Duplicate Row", "1950", valence=0.99),  # a later row of a known id is ignored
        {**_track("dropped", "x", "2019"), "track_artist": None},  # no artist: dropped
    ])
    genres = pd.DataFrame({"artists": ["Adele", "Beyonce", "Queen", "Queen"],
                           "genres": ["['british soul', 'pop']", "['dance pop', 'r&b']",
                                      "['classic rock', 'glam rock']", "not a list ["]})
    (tmp_path / "tidytuesday").mkdir()
    (tmp_path / "spotify_aggregates").mkdir()
    tracks.to_csv(tmp_path / "tidytuesday" / "spotify_songs.csv.gz", index=False)
    genres.to_csv(tmp_path / "spotify_aggregates" / "data_w_genres_veronicasoden.csv.gz", index=False)
    return TrackFacts.from_data(tmp_path)


def _request(checks: dict[str, object], hard: list[str] | None = None) -> FitRequest:
    return FitRequest("r", "text", "en", "mood", checks, hard or [])


def test_facts_built_from_files(facts: TrackFacts) -> None:
    assert sorted(facts.ids) == ["happy", "nogenre", "old", "sad"]
    assert facts.features["sad"]["valence"] == 0.2  # first occurrence wins
    assert (facts.year["sad"], facts.year["happy"], facts.year["old"]) == (2011, 2003, 1975)
    assert facts.genres["old"] == ["classic rock", "glam rock"]  # unparsable duplicate row ignored
    assert facts.genres["nogenre"] == []


def test_feature_check(facts: TrackFacts) -> None:
    sad = {"features": {"valence": [0.0, 0.45], "energy": [0.0, 0.65]}}
    assert facts.passes("sad", sad) == {"features": True}
    assert facts.passes("happy", sad) == {"features": False}
    assert facts.passes("sad", {"features": {"valence": [0.2, 0.2]}})["features"]  # inclusive bounds


def test_year_check(facts: TrackFacts) -> None:
    seventies = {"year": [1970, 1979]}
    assert facts.passes("old", seventies)["year"]
    assert not facts.passes("happy", seventies)["year"]


def test_genre_checks(facts: TrackFacts) -> None:
    checks = {"genres_any": ["rock"], "genres_none": ["r&b"]}
    assert facts.passes("old", checks) == {"genres_any": True, "genres_none": True}
    assert facts.passes("happy", checks) == {"genres_any": False, "genres_none": False}
    # an artist without genres fails genres_any and passes genres_none
    assert facts.passes("nogenre", checks) == {"genres_any": False, "genres_none": True}
    assert facts.passes("happy", {"genres_any": ["R&B"]})["genres_any"]  # request case does not matter


def test_artist_checks(facts: TrackFacts) -> None:
    checks = {"artists_any": ["beyonce", "QUEEN"], "artists_none": ["Queen"]}
    assert facts.passes("happy", checks) == {"artists_any": True, "artists_none": True}  # accents, feat. folded
    assert facts.passes("old", checks) == {"artists_any": True, "artists_none": False}
    assert facts.passes("sad", checks) == {"artists_any": False, "artists_none": True}


def test_title_checks(facts: TrackFacts) -> None:
    checks = {"title_any": ["SONG O"], "title_none": ["song sad"]}  # "song old", "song sad"; case folded
    assert facts.passes("old", checks) == {"title_any": True, "title_none": True}
    assert facts.passes("sad", checks) == {"title_any": False, "title_none": False}


def test_unknown_track_fails_everything(facts: TrackFacts) -> None:
    checks = {"genres_none": ["metal"], "artists_none": ["Queen"], "year": [0, 3000]}
    assert facts.passes("nope", checks) == {"genres_none": False, "artists_none": False, "year": False}


def test_fit_at_k_arithmetic(facts: TrackFacts) -> None:
    request = _request({"features": {"valence": [0.0, 0.45]}, "year": [2000, 2020]}, ["year"])
    # sad fits; happy passes the hard year only; old fails both; the unknown id fails both
    result = fit_at_k(facts, request, ["sad", "happy", "old", "nope"], k=10)
    assert result == {"fit": 0.1, "hard": 0.2, "n": 4}
    assert fit_at_k(facts, request, ["sad", "happy", "old"], k=2) == {"fit": 0.5, "hard": 1.0, "n": 2}
    assert fit_at_k(facts, request, [], k=10)["fit"] == 0.0


def test_hard_share_is_one_without_hard_checks(facts: TrackFacts) -> None:
    assert fit_at_k(facts, _request({"year": [1900, 1901]}), ["sad"], k=10) == {"fit": 0.0, "hard": 1.0, "n": 1}


def test_random_fit_baseline(facts: TrackFacts) -> None:
    everything = _request({"year": [1900, 2100]})
    assert random_fit(facts, everything, k=4) == 1.0
    assert random_fit(facts, everything, k=10) == pytest.approx(0.4)  # 4 catalog tracks, divided by k
    assert random_fit(facts, _request({"artists_any": ["Nobody"]}), k=2) == 0.0
    sad = _request({"features": {"valence": [0.0, 0.45]}})
    assert random_fit(facts, sad, k=1, seed=3) == random_fit(facts, sad, k=1, seed=3)


def test_summarise() -> None:
    rows = [{"id": "a", "type": "mood", "lang": "en", "fit": 0.8, "hard": 1.0, "random": 0.2},
            {"id": "b", "type": "era", "lang": "ko", "fit": 0.4, "hard": 0.5, "random": 0.2}]
    out = summarise(rows)
    assert out["fit"] == pytest.approx(0.6) and out["hard"] == pytest.approx(0.75)
    assert out["lift"] == pytest.approx(3.0)
    assert out["by_type"]["era"]["fit"] == pytest.approx(0.4)
    assert out["by_lang"]["en"]["lift"] == pytest.approx(4.0) and out["by_lang"]["other"]["n"] == 1


GOOD = {"id": "x", "text": "t", "lang": "en", "type": "mood", "checks": {"year": [1990, 1999]}, "hard": ["year"]}


@pytest.mark.parametrize("bad", [
    {**GOOD, "checks": {"mood": ["sad"]}},
    {**GOOD, "checks": {"features": {"happiness": [0, 1]}}},
    {**GOOD, "checks": {"features": {"valence": [0.9, 0.1]}}},
    {**GOOD, "hard": ["genres_any"]},
    {**GOOD, "type": "vibe"},
    {"id": "x", "text": "t"},
])
def test_load_requests_rejects_bad_line(tmp_path: Path, bad: dict[str, object]) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"requests\.jsonl:3"):
        load_requests(path)


def test_load_requests_reads_good_lines(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    assert load_requests(path) == [FitRequest("x", "t", "en", "mood", {"year": [1990, 1999]}, ["year"])]
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":1"):
        load_requests(path)


def test_shipped_requests() -> None:
    requests = load_requests(REQUESTS)
    assert len(requests) >= 220
    langs = Counter(r.lang for r in requests)
    assert sum(n for lang, n in langs.items() if lang != "en") >= 45
    assert all(langs[lang] >= 8 for lang in ("ko", "ja", "es", "fr", "de"))
    types = Counter(r.type for r in requests)
    assert set(types) == set(TYPES) and min(types.values()) >= 12
    assert types["mood"] >= 25 and types["activity"] >= 25
    assert len({r.id for r in requests}) == len(requests)
    for r in requests:
        assert r.checks and set(r.checks) <= set(CHECKS), r.id
        assert set(r.hard) <= set(r.checks) and "features" not in r.hard, r.id
        assert len(r.checks.get("features", {})) <= 3, r.id
