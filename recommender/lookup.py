"""Catalog lookups for the chat: artists named in a message, tags to offer, tracks by id."""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process

from recommender.catalog import spotify_uri, spotify_url
from recommender.genre_names import GENRE_FAMILIES
from recommender.index import CatalogIndex
from recommender.names import artist_key, fold, title_key
from recommender.types import Recommendation

# Offered when we know nothing about the listener yet: the kinds of thing people ask for.
STARTER_TAGS = ("chillout", "happy", "sad", "party", "work out music", "romantic", "rainy day", "summer",
                "late night tunes", "80s")
# A genre named in a request is a hard filter only when the catalog knows it well: the long tail of
# the genre category holds words ("heart", "gold", "new") people use for other things.
NAMED_GENRE_MIN_COUNT = 100
NAMED_GENRE_MIN_TRACKS = 20  # or this many tracks whose artists carry it among their Spotify genres ("bachata", "k-pop")


class CatalogLookup:
    def __init__(self, index: CatalogIndex) -> None:
        self.refresh(index)

    def refresh(self, index: CatalogIndex) -> None:
        """Look up in a grown catalog (tracks ingested since start-up), from now on."""
        self.index = index
        self._artist_names = index.artist_display_names()
        self._keys = list(self._artist_names)
        # A chat word -> the artist it may name: the key, or the key without its "the" ("killers").
        self.artist_by_words = {k: k for k in self._keys}
        self.artist_by_words.update({k.removeprefix("the "): k for k in self._keys if k.startswith("the ")})
        self._with_tracks = frozenset(index.artist_keys.tolist())
        self._titles: dict[str, list[int]] | None = None  # title key -> rows, best known first; made on first use
        self._category = dict(zip(index.vocab.tags, index.vocab.categories))

    def find_artist(self, name: str) -> tuple[str, str] | None:
        """(artist key, display name) for a name typed in chat, exact or fuzzy (typos, missing 'the')."""
        key = artist_key(name)
        if not key:
            return None
        if key in self._artist_names:
            return key, self._artist_names[key]
        for variant in (f"the {key}", key.removeprefix("the ")):
            if variant in self._artist_names:
                return variant, self._artist_names[variant]
        if len(key) < 4:
            return None  # too short to guess safely
        match = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=88)
        if match is None:
            return None
        return match[0], self._artist_names[match[0]]

    def titles(self) -> dict[str, list[int]]:
        """Song title key -> catalog rows, best known first (made once per catalog, at warm-up or first use)."""
        if self._titles is None:
            titles: dict[str, list[int]] = {}
            for row in np.argsort(-self.index.popularity, kind="stable").tolist():
                titles.setdefault(title_key(str(self.index.names[row])), []).append(row)
            self._titles = titles
        return self._titles

    def find_track(self, title: str, artist: str | None = None) -> str | None:
        """The track a title typed in chat names (its best-known recording; by `artist`'s key when given)."""
        rows = self.titles().get(fold(title), [])
        rows = [r for r in rows if artist is None or self.index.artist_keys[r] == artist]
        return str(self.index.track_ids[rows[0]]) if rows else None

    def artist_of(self, track_id: str) -> str:
        """The artist key of a catalog track ("" for none)."""
        row = self.index.row_of.get(track_id)
        return "" if row is None else str(self.index.artist_keys[row])

    def has_tracks(self, key: str) -> bool:
        """Some catalog track is by the artist (HetRec knows artists whose songs the catalog lacks: Air, Tea)."""
        return key in self._with_tracks

    def artist_name(self, key: str) -> str:
        return self._artist_names.get(key, key)

    def named_genres(self) -> list[str]:
        """Genres a listener can name as a hard filter."""
        v = self.index.vocab
        by_spotify = np.bincount(self.index.track_genres.indices, minlength=len(v.tags))
        tags = [t for t, c, n, tracks in zip(v.tags, v.categories, v.counts, by_spotify)
                if (c == "genre" and n >= NAMED_GENRE_MIN_COUNT) or (c in ("genre", "language") and tracks >= NAMED_GENRE_MIN_TRACKS)
                # a genre that listeners mean with its family ("afrobeats": afropop, nigerian pop) counts its tracks
                or (c == "genre" and t in GENRE_FAMILIES and self.index.genres.carrying([t]).sum() >= NAMED_GENRE_MIN_TRACKS)]
        # Genres the vocabulary is too small to hold ("city pop": 41 tracks, 5 artists) are names all the same.
        known = set(tags)
        heads = {t for t in tags if " " not in t}
        return tags + [g for g in self.index.genres.nameable(NAMED_GENRE_MIN_TRACKS, heads) if g not in known]

    def category(self, tag: str) -> str:
        return self._category.get(tag, "")

    def suggested_tags(self, n: int = 8) -> list[str]:
        return [t for t in STARTER_TAGS if t in self._category][:n]

    def track(self, track_id: str) -> Recommendation | None:
        row = self.index.row_of.get(track_id)
        if row is None:
            return None
        return Recommendation(
            track_id=track_id,
            name=str(self.index.names[row]),
            artist=str(self.index.artists[row]),
            uri=spotify_uri(track_id),
            url=spotify_url(track_id),
            tags=self.index.tags_of(row)[:6],
            score=0.0,
            reason="",
        )
