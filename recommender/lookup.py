"""Catalog lookups for the chat: artists named in a message, tags to offer, tracks by id."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from recommender.catalog import spotify_uri, spotify_url
from recommender.index import CatalogIndex
from recommender.names import artist_key, fold
from recommender.tagging import canonical_decade, normalise_tag
from recommender.types import Filters, Recommendation

# Offered when we know nothing about the listener yet: the kinds of thing people ask for.
STARTER_TAGS = ("chill", "happy", "sad", "party", "workout", "romantic", "rain", "summer", "night", "80s")
# A genre named in a request is a hard filter only when the catalog knows it well: the long tail of
# the genre category holds words ("heart", "gold", "new") people use for other things.
NAMED_GENRE_MIN_COUNT = 100
_NEGATIONS = frozenset({"no", "not", "without", "except", "nor", "minus"})
# "songs by X", "only X", "X songs": the listener wants that artist, not merely something like it.
_ARTIST_ASKS = (
    re.compile(r"\b(?:by|from|only|just)\s+([^,.;!?]+?)(?=\s+(?:for|while|when|to|and|please)\b|[,.;!?]|$)"),
    re.compile(r"(?:^|[,.;!?]\s*)([^,.;!?]+?)\s+(?:songs|tracks|only)\b"),
)


class CatalogLookup:
    def __init__(self, index: CatalogIndex) -> None:
        self.index = index
        self._artist_names = index.artist_display_names()
        self._keys = list(self._artist_names)
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

    def named_filters(self, text: str) -> Filters:
        """Genres and artists the message names as what it wants; results outside them are excluded."""
        words = fold(text).split()
        genres: set[str] = set()
        excluded: set[str] = set()
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                col = self.index.vocab.column(normalise_tag(" ".join(words[i : i + n])))
                if (col is not None and self.index.vocab.categories[col] == "genre"
                        and self.index.vocab.counts[col] >= NAMED_GENRE_MIN_COUNT):
                    negated = i > 0 and words[i - 1] in _NEGATIONS
                    (excluded if negated else genres).add(self.index.vocab.tags[col])
        artists: set[str] = set()
        lowered = text.lower()
        for pattern in _ARTIST_ASKS:
            for match in pattern.finditer(lowered):
                name = match.group(1).strip()
                if (name in genres or canonical_decade(name.removeprefix("the ").replace("'", "")) is not None
                        or self.index.vocab.column(normalise_tag(name.removeprefix("the "))) is not None):
                    continue
                hit = self.find_artist(name)
                if hit is not None:
                    artists.add(hit[0])
        # "hard rock" also matched "rock", "daft punk" matched "punk": keep what was meant.
        inside = [o.split() for o in genres] + [a.split() for a in artists]
        genres = {g for g in genres - excluded
                  if not any(g.split() != o and set(g.split()) <= set(o) for o in inside)}
        return Filters(genres=frozenset(genres), artists=frozenset(artists), exclude_genres=frozenset(excluded))

    def artist_keys(self) -> list[str]:
        return self._keys

    def artist_name(self, key: str) -> str:
        return self._artist_names.get(key, key)

    def named_genres(self) -> list[str]:
        """Genres a listener can name as a hard filter."""
        v = self.index.vocab
        return [t for t, c, n in zip(v.tags, v.categories, v.counts) if c == "genre" and n >= NAMED_GENRE_MIN_COUNT]

    def category(self, tag: str) -> str:
        return self._category.get(tag, "")

    def suggested_tags(self, n: int = 8) -> list[str]:
        return [t for t in STARTER_TAGS if t in self._category][:n]

    def track(self, track_id: str) -> Recommendation | None:
        row = self.index.row_of.get(track_id)
        if row is None:
            return None
        tags = self.index.track_tags[row]
        ordered = [self.index.vocab.tags[c] for c, _ in sorted(zip(tags.indices, tags.data), key=lambda p: -p[1])]
        return Recommendation(
            track_id=track_id,
            name=str(self.index.names[row]),
            artist=str(self.index.artists[row]),
            uri=spotify_uri(track_id),
            url=spotify_url(track_id),
            tags=ordered[:6],
            score=0.0,
            reason="",
        )
