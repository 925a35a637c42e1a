"""New tracks without listening history (the original report's new-release pipeline).

Rows are validated one by one (bad rows are reported by line and skipped); tags
are cleaned with the same rules as the catalog but, as in the original service,
without the slow synonym merge: each new tag is mapped onto the existing
vocabulary exactly (or by alias) or by nearest neighbour. The tracks are then
appended to the serving index and are recommendable at once.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.catalog import feature_matrix
from recommender.datasets import AUDIO_COLUMNS
from recommender.encoder import TextEncoder
from recommender.genre_names import appended
from recommender.index import OWN_TAG_WEIGHT, CatalogIndex, derive_track_vectors
from recommender.names import artist_key
from recommender.text_match import track_profiles, with_missing_words
from recommender.tagging import is_noise, normalise_tag

REQUIRED = ("track_id", "name", "artist", "tags")
NEAREST_TAG_SIMILARITY = 0.7
_TRACK_ID = re.compile(r"^[A-Za-z0-9:_\-]{1,64}$")
_RANGES = {
    "key": (-1, 11), "mode": (0, 1), "loudness": (-80, 10), "tempo": (0, 300), "duration_ms": (1, 3_600_000),
}


@dataclass
class NewTrack:
    track_id: str
    name: str
    artist: str
    tags: list[str]
    features: dict[str, float] = field(default_factory=dict)
    year: int = 0  # album release year, when the file has one


@dataclass
class ParseResult:
    tracks: list[NewTrack]
    errors: list[tuple[int, str]]  # (line number in the file, what is wrong)


def parse_tracks_csv(path: Path) -> ParseResult:
    tracks: dict[str, NewTrack] = {}
    errors: list[tuple[int, str]] = []
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            return ParseResult([], [(1, f"missing column(s): {', '.join(missing)}")])
        while True:
            try:
                row = next(reader)
                track = _parse_row(row)
            except StopIteration:
                break
            except (ValueError, csv.Error) as exc:  # one bad row (a 200 kB field too) costs that row only
                errors.append((reader.line_num, str(exc)[:200]))
                continue
            tracks[track.track_id] = track  # a repeated id: the last row wins
    return ParseResult(list(tracks.values()), errors)


def _parse_row(row: dict[str, str | None]) -> NewTrack:
    if None in row:
        raise ValueError("more fields than columns")
    track_id = (row.get("track_id") or "").strip()
    name = (row.get("name") or "").strip()
    artist = (row.get("artist") or "").strip()
    if not _TRACK_ID.match(track_id):
        raise ValueError(f"bad track_id {track_id[:40]!r}")
    if not name or not artist:
        raise ValueError("name and artist are required")
    features: dict[str, float] = {}
    for col in AUDIO_COLUMNS:
        raw = (row.get(col) or "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{col} is not a number: {raw[:20]!r}") from None
        lo, hi = _RANGES.get(col, (0.0, 1.0))
        if not math.isfinite(value) or not lo <= value <= hi:
            raise ValueError(f"{col}={raw[:20]} outside [{lo}, {hi}]")
        features[col] = value
    tags = [t.strip() for t in (row.get("tags") or "").split(";") if t.strip()]
    year_text = (row.get("year") or "").strip()[:4]
    if year_text and not (year_text.isdigit() and 1900 <= int(year_text) <= 2100):
        raise ValueError(f"year is not a year: {year_text!r}")
    return NewTrack(track_id, name[:300], artist[:300], tags[:50], features, int(year_text or 0))


def map_tags(raw_tags: list[str], index: CatalogIndex, encoder: TextEncoder) -> dict[int, float]:
    """Vocabulary columns for new tags: exact or alias first, else the nearest tag if close enough."""
    vocab = index.vocab
    cols: dict[int, float] = {}
    unknown: list[str] = []
    for raw in raw_tags:
        tag = normalise_tag(raw)
        if is_noise(tag):
            continue
        col = vocab.column(tag)
        if col is not None:
            cols[col] = OWN_TAG_WEIGHT
        else:
            unknown.append(tag)
    if unknown:
        sims = encoder.encode(unknown) @ vocab.embeddings.T
        for row in sims:
            best = int(np.argmax(row))
            if row[best] >= NEAREST_TAG_SIMILARITY:
                cols.setdefault(best, float(row[best]))  # a near match counts a little less than an exact one
    return cols


def _genre_part(tags: sp.csr_matrix, index: CatalogIndex) -> sp.csr_matrix:
    is_genre = np.array([c == "genre" for c in index.vocab.categories], dtype=np.float32)
    return (tags @ sp.diags(is_genre)).astype(bool).astype(np.float32).tocsr()


def _genre_names(tags: list[str], index: CatalogIndex) -> list[str]:
    """The file's labels that name a genre: genre tags of the vocabulary, and names it does not know."""
    cols = [index.vocab.column(normalise_tag(t)) for t in tags]
    return [normalise_tag(t) for t, c in zip(tags, cols) if c is None or index.vocab.categories[c] == "genre"]


def add_tracks(index: CatalogIndex, new: list[NewTrack], encoder: TextEncoder) -> CatalogIndex:
    """A new index with these tracks appended (or replaced, for ids already there)."""
    if not new:
        return index
    n_tags = len(index.vocab)
    rows = sp.lil_matrix((len(new), n_tags), dtype=np.float32)
    for i, track in enumerate(new):
        weights = map_tags(track.tags, index, encoder)
        arow = index.artist_row.get(artist_key(track.artist))
        if arow is not None:  # a known artist lends its tags, as catalog tracks inherit theirs
            inherited = index.artist_tags[arow]
            for col, w in zip(inherited.indices, inherited.data):
                weights.setdefault(int(col), float(w))
        for col, w in weights.items():
            rows[i, col] = w
    new_tags = rows.tocsr()
    frame = pd.DataFrame([{c: t.features.get(c, np.nan) for c in AUDIO_COLUMNS} for t in new])
    features, _ = feature_matrix(frame, index.feature_bounds)
    derived = derive_track_vectors(new_tags, index.vocab, index.tag_emotion)

    replaced = {t.track_id for t in new}
    keep = np.array([tid not in replaced for tid in index.track_ids.tolist()])

    def stack(old: np.ndarray, added: np.ndarray) -> np.ndarray:
        if old.dtype.kind == "U":
            return np.concatenate([old[keep], added])  # widens the string width, never truncates ids
        return np.concatenate([old[keep], added.astype(old.dtype)])

    return dataclasses.replace(
        index,
        track_ids=stack(index.track_ids, np.array([t.track_id for t in new])),
        names=stack(index.names, np.array([t.name for t in new])),
        artists=stack(index.artists, np.array([t.artist for t in new])),
        artist_keys=stack(index.artist_keys, np.array([artist_key(t.artist) for t in new])),
        # Unknown is not unpopular: a new track starts at the catalog's median popularity.
        popularity=stack(index.popularity, np.full(len(new), np.median(index.popularity))),
        features=stack(index.features, features),
        years=stack(index.years, np.array([t.year for t in new])),
        # Without a Deezer measurement, Spotify's valence and energy stand in for valence and arousal.
        va=stack(index.va, features[:, [AUDIO_COLUMNS.index("valence"), AUDIO_COLUMNS.index("energy")]]),
        track_tags=sp.vstack([index.track_tags[np.flatnonzero(keep)], new_tags]).tocsr(),
        # An ingested track's genres are the genre tags its file gives it.
        track_genres=sp.vstack([index.track_genres[np.flatnonzero(keep)], _genre_part(new_tags, index)]).tocsr(),
        **dict(zip(("genre_names", "track_genre_names"), appended(
            index.genre_names, index.track_genre_names, keep, [_genre_names(t.tags, index) for t in new]))),
        playlist_tracks=sp.hstack([index.playlist_tracks[:, np.flatnonzero(keep)],
                                   sp.csr_matrix((index.playlist_tracks.shape[0], len(new)), dtype=np.float32)]).tocsr(),
        track_words=stack(index.track_words, track_profiles(
            [t.name for t in new], derived["track_emb"],
            with_missing_words([t.name for t in new], {}, encoder.encode)) @ index.words_basis),
        **{name: stack(getattr(index, name), value) for name, value in derived.items()},
    )
