"""Why each track was picked, in a few words, and the track as a `Recommendation`."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from recommender.catalog import spotify_uri, spotify_url
from recommender.ranker import SageRanker
from recommender.sound import SoundSpace
from recommender.types import Recommendation


class Explainer:
    """The reasons a playlist gives for its tracks: how each sounds, whose it is, which asked-for tags it carries."""

    def __init__(self, ranker: SageRanker, space: SoundSpace) -> None:
        self.ranker = ranker
        self.index = ranker.index
        self.space = space
        self._names = self.index.artist_display_names()

    def recommendation(self, row: int, score: float, chosen: list[tuple[int | None, str]], user_artists: list[int],
                       user_matrix: np.ndarray, known: set[str], named: set[str], has_history: bool,
                       sound: Mapping[str, float], asked: bool = False, genres: Collection[str] = ()
                       ) -> Recommendation:
        """The track at `row`, with why it was picked."""
        idx, r = self.index, self.ranker
        tags = idx.track_tags
        lo, hi = tags.indptr[row], tags.indptr[row + 1]  # the row's slice: scipy's row indexing costs ~50 µs
        weights = dict(zip(tags.indices[lo:hi].tolist(), tags.data[lo:hi].tolist()))
        parts = []
        sounds = self.space.describe(row, sound) if sound else ""
        if sounds:
            parts.append(sounds)
        artist_key = str(idx.artist_keys[row])
        if artist_key in named:
            parts.append(f"by {idx.artists[row]}, as asked")
        elif artist_key in known and asked:  # "like Radiohead": one of theirs, said as such, not "as asked"
            parts.append(f"by {idx.artists[row]} themselves")  # the artist named, or the named song's
        elif user_artists:
            if artist_key in known:
                parts.append(f"by {idx.artists[row]}, whom you play")
            elif r.track_artist[row] >= 0:
                sims = user_matrix @ r.A_unit[r.track_artist[row]]
                nearest = self._names.get(r.artists[user_artists[int(np.argmax(sims))]], "an artist you play")
                parts.append(f"sounds like {nearest}" if asked else f"because you play {nearest}")
        if not has_history:
            parts.insert(0, "new here")
        matched = [name for col, name in chosen if col is not None and weights.get(col, 0) > 0]
        if matched:
            parts.append("tagged " + ", ".join(matched[:3]))
        elif spotify := self._genres_of(row, genres):  # "city pop" has no tag: its Spotify genre says why
            parts.append(", ".join(spotify[:2]))
        elif chosen and not sounds:
            parts.append("often played beside " + chosen[0][1] + " music")
        if not parts:
            parts.append("popular pick")
        tid = str(idx.track_ids[row])
        return Recommendation(track_id=tid, name=str(idx.names[row]), artist=str(idx.artists[row]),
                              uri=spotify_uri(tid), url=spotify_url(tid), tags=idx.tags_of(row)[:6],
                              score=round(score, 4), reason="; ".join(parts))

    def _genres_of(self, row: int, genres: Collection[str]) -> list[str]:
        """The track's Spotify genres that are an asked-for genre, a compound of one or of its family."""
        if not genres:
            return []
        m, wanted = self.index.track_genre_names, set(self.index.genres.columns(genres))
        return [str(self.index.genre_names[c]) for c in m.indices[m.indptr[row]: m.indptr[row + 1]] if c in wanted]
