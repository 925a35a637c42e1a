"""Independent fit evaluation for text -> playlist: judge returned tracks by listener-level checks on facts
no ranker uses as labels (audio features, album year, the artist's Spotify genres; never playlist labels)."""

from __future__ import annotations

import ast
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from recommender.names import artist_key

FEATURES = ("danceability", "energy", "speechiness", "acousticness", "instrumentalness",
            "liveness", "valence", "tempo", "loudness")
CHECKS = ("features", "year", "genres_any", "genres_none", "artists_any", "artists_none", "title_any", "title_none")
TYPES = ("mood", "activity", "weather", "time", "season", "genre", "era", "artist",
         "exclusion", "comparative", "mixed")
MAX_FEATURES = 3
FIELDS = ("id", "text", "lang", "type", "checks", "hard")
TRACKS_FILE = "tidytuesday/spotify_songs.csv.gz"
GENRES_FILE = "spotify_aggregates/data_w_genres_veronicasoden.csv.gz"


@dataclass
class FitRequest:
    id: str
    text: str
    lang: str
    type: str
    checks: dict[str, Any]
    hard: list[str]


def _is_range(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value)
            and value[0] <= value[1])


def _problem(raw: Any) -> str | None:
    """What is wrong with one parsed request line, or None."""
    if not isinstance(raw, dict) or set(FIELDS) - raw.keys():
        return "needs an object with id, text, lang, type, checks and hard"
    checks, hard = raw["checks"], raw["hard"]
    if raw["type"] not in TYPES or not isinstance(checks, dict) or not isinstance(hard, list):
        return f"unknown type {raw['type']!r}, or checks not an object, or hard not a list"
    for name, value in checks.items():
        if name not in CHECKS:
            return f"unknown check {name!r}"
        if name == "features" and not (isinstance(value, dict) and 0 < len(value) <= MAX_FEATURES
                                       and all(f in FEATURES and _is_range(r) for f, r in value.items())):
            return f"features needs 1..{MAX_FEATURES} known features, each [lo, hi]: {value!r}"
        if name == "year" and not _is_range(value):
            return f"year must be [lo, hi], got {value!r}"
        names = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
        if name not in ("features", "year") and not names:
            return f"{name} must be a non-empty list of strings"
    if bad := [h for h in hard if h not in checks or h == "features"]:
        return f"hard names {bad} are not present non-feature checks"
    return None


def load_requests(path: Path) -> list[FitRequest]:
    """Read one request per line; a malformed line raises ValueError naming the file and line."""
    requests = []
    lines = enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1)
    for number, line in ((n, text) for n, text in lines if text.strip()):
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error})") from error
        if problem := _problem(raw):
            raise ValueError(f"{path}:{number}: {problem}")
        requests.append(FitRequest(**{name: raw[name] for name in FIELDS}))
    return requests


def _parse_genres(text: Any) -> list[str]:
    try:
        value = ast.literal_eval(text) if isinstance(text, str) else []
    except (ValueError, SyntaxError):
        return []
    return [str(g).lower() for g in value] if isinstance(value, list) else []


class TrackFacts:
    """Per track_id: audio features, album year (0 unknown), artist key, the artist's Spotify genres and the
    title."""

    def __init__(self, tracks: pd.DataFrame, artists: pd.DataFrame) -> None:
        genres: dict[str, list[str]] = {}
        for key, text in zip(artists["artists"].astype(str).map(artist_key), artists["genres"]):
            if not genres.get(key):  # duplicate artist rows: keep the first non-empty list
                genres[key] = _parse_genres(text)
        tracks = tracks.dropna(subset=["track_id", "track_name", "track_artist"]).drop_duplicates("track_id")
        years = tracks["track_album_release_date"].astype(str).str[:4]
        self.ids: list[str] = list(tracks["track_id"])
        self.year = dict(zip(self.ids, pd.to_numeric(years, errors="coerce").fillna(0).astype(int)))
        self.artist = dict(zip(self.ids, tracks["track_artist"].astype(str).map(artist_key)))
        self.title = dict(zip(self.ids, tracks["track_name"].astype(str).str.lower()))
        self.genres = {tid: genres.get(key, []) for tid, key in self.artist.items()}
        values = tracks[list(FEATURES)].apply(pd.to_numeric, errors="coerce").to_dict("records")
        self.features: dict[str, dict[str, float]] = dict(zip(self.ids, values))

    @classmethod
    def from_data(cls, data_dir: Path) -> TrackFacts:
        return cls(pd.read_csv(Path(data_dir) / TRACKS_FILE), pd.read_csv(Path(data_dir) / GENRES_FILE))

    def passes(self, track_id: str, checks: dict[str, Any]) -> dict[str, bool]:
        """Outcome per check name; an unknown track fails every check."""
        if track_id not in self.features:
            return {name: False for name in checks}
        genres, artist, out = self.genres[track_id], self.artist[track_id], {}
        for name, value in checks.items():
            if name == "features":  # NaN never lies in a range, so a missing feature fails
                out[name] = all(lo <= self.features[track_id][f] <= hi for f, (lo, hi) in value.items())
            elif name == "year":
                out[name] = value[0] <= self.year[track_id] <= value[1]
            else:  # genres and titles match by substring, artists by normalised name
                if name.startswith("genres"):
                    hit = any(sub.lower() in g for g in genres for sub in value)
                elif name.startswith("title"):
                    hit = any(sub.lower() in self.title[track_id] for sub in value)
                else:
                    hit = artist in {artist_key(a) for a in value}
                out[name] = hit if name.endswith("_any") else not hit
        return out


def fit_at_k(facts: TrackFacts, request: FitRequest, track_ids: list[str], k: int = 10) -> dict[str, float]:
    """Share of the first k tracks passing all checks (and all hard checks); short lists are divided by k."""
    judged = [facts.passes(tid, request.checks) for tid in track_ids[:k]]
    fit = sum(all(r.values()) for r in judged) / k
    hard = sum(all(r[h] for h in request.hard) for r in judged) / k if request.hard else 1.0
    return {"fit": fit, "hard": hard, "n": len(judged)}


def random_fit(facts: TrackFacts, request: FitRequest, k: int = 10, seed: int = 0, draws: int = 20) -> float:
    """Mean fit@k of k tracks drawn uniformly from the catalog, the baseline for the lift."""
    rng, size = random.Random(seed), min(k, len(facts.ids))
    return sum(fit_at_k(facts, request, rng.sample(facts.ids, size), k)["fit"] for _ in range(draws)) / draws


def _block(rows: list[dict[str, Any]]) -> dict[str, Any]:
    fit, hard, rand = (sum(r[key] for r in rows) / max(len(rows), 1) for key in ("fit", "hard", "random"))
    return {"n": len(rows), "fit": fit, "hard": hard, "random": rand, "lift": fit / rand if rand else None}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean fit, hard and random fit with the lift (fit / random), overall, by type and by en vs other."""
    by_type = {t: _block([r for r in rows if r["type"] == t]) for t in sorted({r["type"] for r in rows})}
    langs = {"en": [r for r in rows if r["lang"] == "en"], "other": [r for r in rows if r["lang"] != "en"]}
    return {**_block(rows), "by_type": by_type, "by_lang": {k: _block(v) for k, v in langs.items() if v}}
