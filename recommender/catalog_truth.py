"""What each track really is, from the evidence that deserves trust.

Three sources describe an artist: Spotify's genres for the artist, Last.fm listeners' tags (HetRec),
and the labels of the TidyTuesday playlists its tracks were found in. Playlist labels are search
labels ("pop, rnb, dance pop" on Jon Hopkins), so they are weak evidence. Artists are joined by name,
so two acts sharing a name (the US rapper Eve and the Japanese singer Eve) would share their tags:
where Spotify's genres and Last.fm's tags disagree, the side that agrees with the tracks' own labels
stays with the tracks and the other is kept apart.

Valence and arousal come from the Deezer mood set where artist and title join, and elsewhere from a
regression on the audio features fitted on the joined tracks (its held-out R² is reported).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from recommender.datasets import AUDIO_COLUMNS
from recommender.encoder import TextEncoder
from recommender.genre_names import GenreNames, name_matrix
from recommender.names import track_key
from recommender.sound import AUDIO_DIMS, TEMPO_SCALE
from recommender.tagging import is_noise, normalise_tag

# Two sources describe two acts when their genre embeddings are far apart, or a little apart while one of
# them matches the tracks' own labels and the other clearly does not.
HOMONYM_FAR = 0.5
HOMONYM_APART = 0.6
HOMONYM_LOPSIDED = 0.25
HOMONYM_MIN_TAGS = 3  # a handful of tag assignments is too little to call a name shared
TOP_TAGS = 8


def _profile(texts: list[str], vectors: Mapping[str, np.ndarray]) -> np.ndarray | None:
    rows = [vectors[t] for t in texts if t in vectors]
    if not rows:
        return None
    mean = np.mean(rows, axis=0)
    return mean / (np.linalg.norm(mean) + 1e-9)


def shared_names(artist_tags: Mapping[str, Counter[str]], artist_genres: Mapping[str, list[str]],
                 labels: Mapping[str, Counter[str]], encoder: TextEncoder) -> dict[str, str]:
    """Artist keys whose Last.fm tags and Spotify genres describe different acts, mapped to the source that
    does not belong to the catalog's tracks ("lastfm" or "spotify")."""
    both = [k for k in labels if k in artist_genres and sum((artist_tags.get(k) or Counter()).values())
            >= HOMONYM_MIN_TAGS]
    top = {k: [t for t, _ in artist_tags[k].most_common() if not is_noise(t)][:TOP_TAGS] for k in both}
    texts = sorted({t for k in both for t in top[k] + artist_genres[k] + list(labels[k])})
    vectors = dict(zip(texts, encoder.encode(texts))) if texts else {}
    apart: dict[str, str] = {}
    for key in both:
        spotify, lastfm = _profile(artist_genres[key], vectors), _profile(top[key], vectors)
        own = _profile(list(labels[key]), vectors)
        if spotify is None or lastfm is None or own is None:
            continue
        agree, with_spotify, with_lastfm = float(spotify @ lastfm), float(spotify @ own), float(lastfm @ own)
        if agree < HOMONYM_FAR or (agree < HOMONYM_APART and abs(with_spotify - with_lastfm) >= HOMONYM_LOPSIDED):
            apart[key] = "lastfm" if with_spotify >= with_lastfm else "spotify"
    return apart


def _unit_interval(values: np.ndarray) -> np.ndarray:
    """Deezer's standardised scores (about -3..3) as ranks in [0, 1], the scale of Spotify's features."""
    order = pd.Series(values).rank(pct=True).to_numpy()
    return order.astype(np.float32)


def valence_arousal(tracks: pd.DataFrame, deezer: pd.DataFrame, seed: int = 0
                    ) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """(n, 2) valence and arousal in [0, 1] for `tracks` (index track_id; name, artist, audio features),
    whether each came from Deezer, and how well the regression predicts held-out Deezer tracks."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.metrics import r2_score
    from sklearn.model_selection import train_test_split

    measured = deezer.assign(key=[track_key(str(a), str(t)) for a, t in zip(deezer["artist_name"], deezer["track_name"])])
    measured = measured.drop_duplicates("key").set_index("key")
    va = np.stack([_unit_interval(measured["valence"].to_numpy()), _unit_interval(measured["arousal"].to_numpy())], 1)
    measured_va = dict(zip(measured.index, va))
    keys = [track_key(a, t) for a, t in zip(tracks["artist"], tracks["name"])]
    joined = np.array([k in measured_va for k in keys])
    x = tracks[AUDIO_COLUMNS].to_numpy(np.float32)
    y = np.array([measured_va[k] for k, j in zip(keys, joined) if j], np.float32).reshape(-1, 2)
    out = np.full((len(tracks), 2), 0.5, np.float32)
    report: dict[str, float] = {"deezer_joined": int(joined.sum())}
    if len(y) >= 50:
        x_fit, x_test, y_fit, y_test = train_test_split(x[joined], y, test_size=0.25, random_state=seed)
        for dim, name in enumerate(("valence", "arousal")):
            held = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05, random_state=seed)
            report[f"r2_{name}"] = round(float(r2_score(y_test[:, dim], held.fit(x_fit, y_fit[:, dim]).predict(x_test))), 3)
            full = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05, random_state=seed)
            out[:, dim] = full.fit(x[joined], y[:, dim]).predict(np.nan_to_num(x, nan=0.0)).clip(0, 1)
    out[joined] = y
    return out, joined, report


GENRE_SOUND_MIN_ARTISTS = 3
GENRE_SOUND_APART = 0.1  # a genre's sound names the dimensions where it sits this far from music in general
# ... and is kept when those distances add up to this: post rock (1.2), bossa nova (0.6); not anime (0.45: only
# "energetic", which would answer "Anime Hits" with any loud pop) or gospel (0.2)
GENRE_SOUND_MIN_DISTANCE = 0.6


def genre_sounds(artist_features: pd.DataFrame, artist_genres: pd.DataFrame) -> dict[str, dict[str, float]]:
    """How each Spotify genre sounds, in the catalog or not ("post rock": instrumental, dark, calm): the median
    of its artists' audio features (all the Spotify aggregates' artists, not only the catalog's) on the
    dimensions where it stands apart from the median artist, for genres whose sound tells them apart. A request
    for a genre the catalog lacks is answered with the tracks that sound closest to it."""
    joined = artist_genres.merge(artist_features, on="artists")
    values = joined[list(AUDIO_DIMS)].apply(pd.to_numeric, errors="coerce")  # a few rows are mis-delimited
    known = (values.notna().all(axis=1) & (joined["genres"].map(len) > 0)).to_numpy()
    points = values.to_numpy(np.float64)[known]
    points[:, AUDIO_DIMS.index("tempo")] /= TEMPO_SCALE
    names, matrix = name_matrix(joined["genres"][known].tolist())
    genres, overall = GenreNames(names, matrix), np.median(points, axis=0)
    sounds = {}
    for name in names.tolist():
        rows = genres.carrying([name])
        if rows.sum() >= GENRE_SOUND_MIN_ARTISTS:
            median = np.median(points[rows], axis=0)
            apart = np.abs(median - overall) >= GENRE_SOUND_APART
            if np.abs(median - overall)[apart].sum() >= GENRE_SOUND_MIN_DISTANCE:
                sounds[name] = {d: round(float(v), 3) for d, v, a in zip(AUDIO_DIMS, median, apart) if a}
    return sounds


GENRE_NEIGHBOUR_SIMILARITY = 0.25  # shoegaze ~ dream pop 0.52, noise pop 0.29; not alternative rock (0.17)
GENRE_NEIGHBOURS = 8  # kept per genre; a request uses the nearest few the catalog holds
GENRE_NEIGHBOUR_MIN_ARTISTS = 3  # artists carrying both: forró and "musica infantil" share one


def genre_neighbours(artist_genres: pd.DataFrame) -> dict[str, list[tuple[str, float]]]:
    """The genres Spotify's artists carry together with each genre ("shoegaze": dream pop, nu gaze, noise pop;
    "bossa nova": mpb, samba), by the cosine of the two genres' artist sets: where a request names a genre the
    catalog lacks, its neighbours are what it has nearest."""
    names, matrix = name_matrix(artist_genres["genres"].tolist())
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    together = (matrix.T @ matrix).tocoo()
    cosine = together.data / np.sqrt(counts[together.row] * counts[together.col])
    keep = ((together.row != together.col) & (cosine >= GENRE_NEIGHBOUR_SIMILARITY)
            & (together.data >= GENRE_NEIGHBOUR_MIN_ARTISTS))
    found: dict[str, list[tuple[str, float]]] = {}
    for a, b, sim in sorted(zip(together.row[keep], together.col[keep], cosine[keep]), key=lambda p: -p[2]):
        if len(near := found.setdefault(str(names[a]), [])) < GENRE_NEIGHBOURS:
            near.append((str(names[b]), round(float(sim), 3)))
    return found


def genre_labels(songs: pd.DataFrame, keys: Iterable[str]) -> dict[str, Counter[str]]:
    """Each artist's playlist genre and subgenre labels, counted over its tracks' playlist rows."""
    labels: dict[str, Counter[str]] = {}
    for key, genre, sub in zip(keys, songs["playlist_genre"].astype(str), songs["playlist_subgenre"].astype(str)):
        labels.setdefault(key, Counter()).update((normalise_tag(genre), normalise_tag(sub)))
    return labels
