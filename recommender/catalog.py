"""Assemble the catalog from the raw datasets: tracks with their tags, artists
joined across datasets by normalised name, HetRec listening history, and the
TidyTuesday playlists kept for training and evaluation."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recommender.catalog_truth import genre_labels, genre_neighbours, genre_sounds, shared_names, valence_arousal
from recommender.datasets import AUDIO_COLUMNS, RawData
from recommender.encoder import TextEncoder
from recommender.names import artist_key
from recommender.tagging import decade_of_year, normalise_tag


@dataclass
class Catalog:
    tracks: pd.DataFrame  # index track_id: name, artist, artist_key, popularity, year, audio features,
    # va_valence / va_arousal in [0, 1] (Deezer where joined, else predicted from the audio features)
    artists: pd.DataFrame  # index artist_key: name, hetrec_ids, genres, features known
    own_tags: dict[str, list[str]]  # track_id -> tags from its own metadata (genre, subgenre, era)
    artist_tags: dict[str, Counter[str]]  # artist_key -> tag -> times users assigned it (normalised spelling)
    artist_genres: dict[str, list[str]]  # artist_key -> Spotify genres
    plays: pd.DataFrame  # user_id, artist_key, weight (HetRec)
    playlists: pd.DataFrame  # playlist_id, name, genre, subgenre, track_ids
    world_genres: list[str] = field(default_factory=list)  # every genre Spotify names, catalog or not ("forro")
    genre_sounds: dict[str, dict[str, float]] = field(default_factory=dict)  # `catalog_truth.genre_sounds`
    genre_neighbours: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # `catalog_truth.genre_neighbours`
    raw_tag_count: int = 0
    report: dict[str, int] = field(default_factory=dict)

    def trusted_tags(self) -> set[str]:
        """Tags from curated metadata (playlist genres, Spotify artist genres, decades), not free-form user tags."""
        trusted = {t for tags in self.own_tags.values() for t in tags}
        trusted.update(g for genres in self.artist_genres.values() for g in genres)
        return trusted

    def tag_exposure(self) -> Counter[str]:
        """How many tracks or artists carry each (normalised) tag."""
        exposure: Counter[str] = Counter()
        for tags in self.own_tags.values():
            exposure.update(set(tags))
        for counts in self.artist_tags.values():
            exposure.update(counts.keys())
        for genres in self.artist_genres.values():
            exposure.update(set(genres))
        return exposure


def _year(date: object) -> int:
    try:
        return int(str(date)[:4])
    except ValueError:
        return 0


LASTFM_SUFFIX = " (last.fm)"  # the key of a Last.fm artist kept apart from a namesake in the track catalog


def build_catalog(raw: RawData, encoder: TextEncoder) -> Catalog:
    songs = raw.songs.copy()
    songs["artist_key"] = songs["track_artist"].astype(str).map(artist_key)
    songs = songs[songs["artist_key"] != ""]

    # One row per track; the playlists it appears in become its genre tags.
    first = songs.drop_duplicates("track_id").set_index("track_id")
    tracks = pd.DataFrame(
        {
            "name": first["track_name"].astype(str),
            "artist": first["track_artist"].astype(str),
            "artist_key": first["artist_key"],
            "popularity": first["track_popularity"].astype(float),
            "year": first["track_album_release_date"].map(_year).astype(int),
        }
    )
    for col in AUDIO_COLUMNS:
        tracks[col] = first[col].astype(float)

    own_tags: dict[str, list[str]] = defaultdict(list)
    for tid, genre, sub in songs[["track_id", "playlist_genre", "playlist_subgenre"]].itertuples(index=False):
        for tag in (normalise_tag(str(genre)), normalise_tag(str(sub))):
            if tag not in own_tags[tid]:
                own_tags[tid].append(tag)
    for tid, year in tracks["year"].items():
        decade = decade_of_year(int(year))
        if decade:
            own_tags[tid].append(decade)

    # Artists: HetRec ∪ TidyTuesday, joined by normalised name.
    het = raw.hetrec_artists.copy()
    het["artist_key"] = het["name"].astype(str).map(artist_key)
    het = het[het["artist_key"] != ""]
    hetrec_key = dict(zip(het["id"], het["artist_key"]))
    names: dict[str, str] = {}
    hetrec_ids: dict[str, list[int]] = defaultdict(list)
    for aid, name, key in het[["id", "name", "artist_key"]].itertuples(index=False):
        names.setdefault(key, str(name))
        hetrec_ids[key].append(int(aid))
    for key, name in zip(tracks["artist_key"], tracks["artist"]):
        names.setdefault(key, name)

    tag_names = {int(t): str(v) for t, v in zip(raw.hetrec_tags["tagID"], raw.hetrec_tags["tagValue"])}
    artist_tags: dict[str, Counter[str]] = defaultdict(Counter)
    for aid, tid in raw.hetrec_tagged[["artistID", "tagID"]].itertuples(index=False):
        key = hetrec_key.get(aid)
        if key is None:
            continue
        tag = normalise_tag(tag_names.get(int(tid), ""))
        if tag:
            artist_tags[key][tag] += 1  # noise is dropped by the vocabulary, which reports each step

    genre_rows = raw.artist_genres.assign(artist_key=raw.artist_genres["artists"].astype(str).map(artist_key))
    artist_genres: dict[str, list[str]] = {}
    for key, genres in zip(genre_rows["artist_key"], genre_rows["genres"]):
        if key in names and genres:
            artist_genres[key] = [normalise_tag(g) for g in genres]

    # One name, two acts: the source that disagrees with the tracks' own labels is kept apart from them.
    apart = shared_names(artist_tags, artist_genres, genre_labels(songs, songs["artist_key"]), encoder)
    for key, source in apart.items():
        if source == "spotify":
            del artist_genres[key]
            continue
        other = key + LASTFM_SUFFIX
        artist_tags[other] = artist_tags.pop(key)
        names[other] = names[key]
        hetrec_ids[other] = hetrec_ids.pop(key, [])
        hetrec_key.update({aid: other for aid in hetrec_ids[other]})

    feat_keys = set(raw.artist_features["artists"].astype(str).map(artist_key))
    artists = pd.DataFrame({"name": pd.Series(names)})
    artists.index.name = "artist_key"
    artists["hetrec_ids"] = [hetrec_ids.get(k, []) for k in artists.index]
    artists["has_features"] = [k in feat_keys for k in artists.index]

    plays = raw.hetrec_plays.assign(artist_key=raw.hetrec_plays["artistID"].map(hetrec_key))
    plays = plays.dropna(subset=["artist_key"])
    plays = (
        plays.assign(user_id="hetrec:" + plays["userID"].astype(str))
        .groupby(["user_id", "artist_key"], as_index=False)["weight"]
        .sum()
    )

    va, measured, va_report = valence_arousal(tracks, raw.deezer)
    tracks["va_valence"], tracks["va_arousal"] = va[:, 0], va[:, 1]

    playlists = (
        songs.groupby("playlist_id")
        .agg(
            name=("playlist_name", "first"),
            genre=("playlist_genre", "first"),
            subgenre=("playlist_subgenre", "first"),
            track_ids=("track_id", lambda s: list(dict.fromkeys(s))),
        )
        .reset_index()
    )

    report = {
        "tracks": len(tracks),
        "artists": len(artists),
        "hetrec_artists_joined_to_tracks": int(len(set(hetrec_ids) & set(tracks["artist_key"]))),
        "tracks_with_artist_tags": int(tracks["artist_key"].isin(artist_tags.keys()).sum()),
        "tracks_with_artist_genres": int(tracks["artist_key"].isin(artist_genres.keys()).sum()),
        "hetrec_users": int(plays["user_id"].nunique()),
        "listening_events": len(plays),
        "playlists": len(playlists),
        "names_shared_by_two_acts": len(apart),
        "lastfm_kept_apart": sum(s == "lastfm" for s in apart.values()),
        "spotify_genres_kept_apart": sum(s == "spotify" for s in apart.values()),
        **{f"valence_arousal_{k}": v for k, v in va_report.items()},
    }
    return Catalog(
        tracks=tracks,
        artists=artists,
        own_tags=dict(own_tags),
        artist_tags=dict(artist_tags),
        artist_genres=artist_genres,
        plays=plays,
        playlists=playlists,
        world_genres=sorted({normalise_tag(g) for genres in raw.artist_genres["genres"] for g in genres} - {""}),
        genre_sounds=genre_sounds(raw.artist_features, raw.artist_genres),
        genre_neighbours=genre_neighbours(raw.artist_genres),
        raw_tag_count=int(raw.hetrec_tags["tagID"].nunique()),
        report=report,
    )


def spotify_uri(track_id: str) -> str:
    return f"spotify:track:{track_id}"


def spotify_url(track_id: str) -> str:
    return f"https://open.spotify.com/track/{track_id}"


def feature_matrix(tracks: pd.DataFrame, bounds: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 12 audio features min–max normalised to [0, 1] (original report §3.2.2), and the bounds used.
    Unknown features sit at the middle of the range."""
    values = tracks[AUDIO_COLUMNS].to_numpy(dtype=np.float32)
    if bounds is None:
        bounds = np.stack([np.nanmin(values, axis=0), np.nanmax(values, axis=0)])
    lo, hi = bounds
    scaled = (values - lo) / np.where(hi > lo, hi - lo, 1.0)
    return np.nan_to_num(scaled.clip(0, 1), nan=0.5).astype(np.float32), bounds.astype(np.float32)
