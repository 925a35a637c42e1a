"""Turning a score vector into a playlist: best first, but a discovery, not a replay."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from recommender.genre_names import GENRE_FAMILIES, is_compound
from recommender.index import CatalogIndex
from recommender.tagging import NEW_RELEASES, RECENT_YEARS, decade_years, is_year
from recommender.types import Filters

MAX_PER_ARTIST = 2
MIN_YEAR_TRACKS = 300  # a playlist from one year needs room to pick from ...
MAX_YEAR_WIDENING = 2  # ... but "1985" stays 1982-1987 at most
KNOWN_ARTIST_SHARE = 0.3  # at most this share of a list by artists the listener already plays


def pick(index: CatalogIndex, order: Iterable[int], k: int, exclude: frozenset[str] = frozenset(),
         known: set[str] = frozenset(), allowed: np.ndarray | None = None,  # type: ignore[assignment]
         max_per_artist: int = MAX_PER_ARTIST) -> list[int]:
    """Rows in `order`, skipping excluded or filtered tracks, a third song by one artist (unless the request
    names its artists), the same song under another id, and known artists beyond their share. When the
    constraints leave too few artists to fill the list ("80s city pop": four), a second pass lifts the cap
    per artist: ten tracks by four artists read better than eight. Another recording of a title already
    picked (a cover, a remix) also waits for that pass ("christmas songs" had three "Have Yourself a Merry
    Little Christmas", "wedding reception" "One Kiss" and its Jauz remix)."""
    picked: list[int] = []
    # An excluded track excludes its song: the same recording often has several ids.
    seen_songs = {index.song_key(r) for r in (index.row_of.get(t) for t in exclude) if r is not None}
    per_artist: dict[str, int] = {}
    titles: set[str] = set()
    known_quota = max(1, int(k * KNOWN_ARTIST_SHARE)) if known else 0
    order = list(order)
    for cap in dict.fromkeys((max_per_artist, k)):
        for row in order:
            if len(picked) == k:
                return picked
            if allowed is not None and not allowed[row]:
                continue
            tid = str(index.track_ids[row])
            if tid in exclude:
                continue
            artist = str(index.artist_keys[row])
            song, title = index.song_key(int(row)), index.song_title(int(row))
            if per_artist.get(artist, 0) >= cap or song in seen_songs or (cap < k and title in titles):
                continue
            if artist in known:
                if known_quota <= 0:
                    continue
                known_quota -= 1
            per_artist[artist] = per_artist.get(artist, 0) + 1
            seen_songs.add(song)
            titles.add(title)
            picked.append(int(row))
    return picked


def top_order(score: np.ndarray, k: int) -> np.ndarray:
    """Rows by descending score; only the head is sorted (the diversity pass rarely goes deep)."""
    head = min(len(score), max(2000, 50 * k))
    if head >= len(score):
        return np.argsort(-score, kind="stable")
    part = np.argpartition(-score, head - 1)[:head]
    return part[np.argsort(-score[part], kind="stable")]


GENRE_MIN_WEIGHT = 0.5  # a genre an artist was tagged with once in passing does not make its tracks that genre
EXCLUDE_MIN_WEIGHT = 0.25  # but "no rap" means no rap, even in passing
MIN_GENRE_TRACKS = 20  # fewer tracks than this by the surest evidence: the next surest joins
COMPILATIONS = "various artists"  # not an artist: its listeners' tags describe every genre at once


def genre_columns(index: CatalogIndex, genres: Iterable[str]) -> list[int]:
    """The vocabulary columns a named genre covers: itself, its family and their compounds
    ("rock" → "hard rock")."""
    cols: set[int] = set()
    genres = list(genres)
    for genre in genres + [g for name in genres for g in GENRE_FAMILIES.get(name, ())]:
        col = index.vocab.column(genre)
        if col is None:
            continue
        name = index.vocab.tags[col]
        cols.add(col)
        cols.update(i for i, t in enumerate(index.vocab.tags)  # "pop" covers "dance pop" and "europop"
                    if index.vocab.categories[i] == "genre" and is_compound(t, name))
    return sorted(cols)


def genre_evidence(index: CatalogIndex, genres: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(by the artist's Spotify genres, by the artist's Last.fm tags where it has no Spotify genres): how
    strongly each track belongs to any of these genres. A playlist's label never counts: it is a search label
    (The Rolling Stones sit in a "southern hip hop" playlist)."""
    genres = list(genres)
    cols = genre_columns(index, genres)
    spotify = index.track_genres
    has_genres = (np.diff(spotify.indptr) > 0) | (np.diff(index.track_genre_names.indptr) > 0)
    # The vocabulary's genre tags, and every genre name Spotify gives the artist ("classic city pop").
    by_names = index.genres.carrying(genres).astype(np.float32)
    if not cols:  # a genre the vocabulary does not hold: its names are all there is
        return by_names, np.zeros(index.size, np.float32)
    by_spotify = np.maximum(spotify[:, cols].max(axis=1).toarray().ravel(), by_names)
    by_lastfm = index.artist_tags[:, cols].max(axis=1).toarray().ravel()
    rows = index.track_artist_row
    by_lastfm = np.where((rows >= 0) & ~has_genres & (index.artist_keys != COMPILATIONS),
                         by_lastfm[np.maximum(rows, 0)], 0.0)
    return by_spotify, by_lastfm


def genre_weight(index: CatalogIndex, genres: Iterable[str]) -> np.ndarray:
    """How strongly each track belongs to any of these genres, by whichever evidence its artist has."""
    return np.maximum(*genre_evidence(index, genres))


def genre_tracks(index: CatalogIndex, genres: list[str]) -> np.ndarray:
    """The tracks a named genre allows. Where enough tracks' artists carry it among their Spotify genres,
    those alone: the genre is then known, not guessed from listeners' tags (Last.fm has "Case" as R&B and
    Spotify as country). With too few, Last.fm tags join, then the head genre ("heavy metal": metal)."""
    for names in (genres, {g.split()[-1] for g in genres}):
        by_spotify, by_lastfm = genre_evidence(index, names)
        wanted = by_spotify >= GENRE_MIN_WEIGHT
        if wanted.sum() >= MIN_GENRE_TRACKS:
            return wanted
        wanted |= by_lastfm >= GENRE_MIN_WEIGHT
        if wanted.sum() >= MIN_GENRE_TRACKS:
            return wanted
    return genre_weight(index, genres) >= GENRE_MIN_WEIGHT


def year_span(index: CatalogIndex, lo: int, hi: int) -> tuple[int, int]:
    """A named year's span, widened a year each way at a time until the catalog holds MIN_YEAR_TRACKS from it:
    2019 alone has 7,400 tracks here, 1985 only 120."""
    for _ in range(MAX_YEAR_WIDENING):
        if ((index.years >= lo) & (index.years <= hi)).sum() >= MIN_YEAR_TRACKS:
            break
        lo, hi = lo - 1, hi + 1
    return lo, hi


def allowed(index: CatalogIndex, filters: Filters) -> np.ndarray | None:
    """Which rows pass the listener's named filters (None: no filter)."""
    if not filters:
        return None
    mask = np.ones(index.size, dtype=bool)
    if filters.genres or filters.artists:
        mask[:] = False
        if filters.genres:
            mask |= genre_tracks(index, list(filters.genres))
        if filters.artists:
            mask |= np.isin(index.artist_keys, list(filters.artists))
    if filters.exclude_genres:
        ruled_out = [*filters.exclude_genres, *index.genres.led_by(filters.exclude_genres)]  # and country rock
        mask &= genre_weight(index, ruled_out) < EXCLUDE_MIN_WEIGHT
    if filters.exclude_artists:
        mask &= ~np.isin(index.artist_keys, list(filters.exclude_artists))
    for occasion in filters.occasions:  # a title about it, not a tag on its artist
        mask &= index.about_occasion(occasion)
    for occasion in filters.exclude_occasions:
        mask &= ~index.about_occasion(occasion)
    spans = [year_span(index, *span) if is_year(era) else span for era in filters.eras if (span := decade_years(era))]
    if NEW_RELEASES in filters.eras:
        newest = int(index.years.max())
        spans.append((newest - RECENT_YEARS + 1, newest))
    if spans:  # a named era is the album's release year, not a tag someone gave the artist
        mask &= np.any([(index.years >= lo) & (index.years <= hi) for lo, hi in spans], axis=0)
    return mask
