"""Readers for the datasets shipped in data/ (see DATA_LICENSES.md)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

AUDIO_COLUMNS = [
    "danceability", "energy", "key", "loudness", "mode", "speechiness",
    "acousticness", "instrumentalness", "liveness", "valence", "tempo", "duration_ms",
]


@dataclass
class RawData:
    hetrec_artists: pd.DataFrame  # id, name
    hetrec_tags: pd.DataFrame  # tagID, tagValue
    hetrec_plays: pd.DataFrame  # userID, artistID, weight
    hetrec_tagged: pd.DataFrame  # userID, artistID, tagID
    songs: pd.DataFrame  # TidyTuesday (playlist, track) rows
    artist_features: pd.DataFrame  # artists + audio feature means
    artist_genres: pd.DataFrame  # artists, genres (list)
    deezer: pd.DataFrame  # artist_name, track_name, valence, arousal (Deezer mood set, all splits)


def _read_hetrec(root: Path, name: str, **kw: object) -> pd.DataFrame:
    return pd.read_csv(root / "hetrec_lastfm_2k" / f"{name}.dat.gz", sep="\t", **kw)  # type: ignore[arg-type]


def _parse_list(text: object) -> list[str]:
    if not isinstance(text, str) or not text.startswith("["):
        return []
    try:
        value = ast.literal_eval(text)  # a literal list of strings in the source CSV, never user input
    except (ValueError, SyntaxError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def load_raw(data_dir: Path) -> RawData:
    data_dir = Path(data_dir)
    artists = _read_hetrec(data_dir, "artists", usecols=["id", "name"], quoting=3)
    tags = _read_hetrec(data_dir, "tags", encoding="latin-1")
    plays = _read_hetrec(data_dir, "user_artists")
    tagged = _read_hetrec(data_dir, "user_taggedartists", usecols=["userID", "artistID", "tagID"])
    songs = pd.read_csv(data_dir / "tidytuesday" / "spotify_songs.csv.gz")
    songs = songs.dropna(subset=["track_id", "track_name", "track_artist"])
    feats = pd.read_csv(data_dir / "spotify_aggregates" / "data_by_artist.csv.gz", sep=";", usecols=range(15))
    genres = pd.read_csv(data_dir / "spotify_aggregates" / "data_w_genres_veronicasoden.csv.gz")
    genres["genres"] = genres["genres"].map(_parse_list)
    deezer = pd.concat([pd.read_csv(data_dir / "deezer_mood" / f"{part}.csv.gz",
                                    usecols=["artist_name", "track_name", "valence", "arousal"])
                        for part in ("train", "validation", "test")], ignore_index=True)
    return RawData(artists, tags, plays, tagged, songs, feats, genres, deezer)
