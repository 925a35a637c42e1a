"""Serving the trained GraphSAGE model: everything is loaded once into matrices,
aligned to the current catalog index, and each request is a few matrix products.

The playlist follows the original report's second release: the Tag model scores how
well each track fits the chosen tags; a track filter sends tracks with listening
history to the CF model and tracks without it (new releases) to the CBF model; the two
ranked lists are interleaved; named filters exclude what the listener ruled out.
The model's scores are in `ranker`, how they combine and what is ruled out in `ranking_policy`,
the reasons given for each track in `explanation`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache, partial

import numpy as np

from recommender.diversify import allowed, pick, top_order
from recommender.explanation import Explainer
from recommender.fusion import SIGNALS, z
from recommender.ranker import SageRanker
from recommender.ranking_policy import (
    asks_for_the_season,
    final_scores,
    likeness,
    listener_fit,
    per_artist,
    seasonal_rows,
)
from recommender.names import fold
from recommender.shortlist import EXACT_UP_TO, Shortlist
from recommender.sound import Moment, SoundSpace, moments_in, sounding
from recommender.text_match import TextMatch, TextVector
from recommender.types import NO_FILTERS, Filters, Recommendation, Taste, WeightedTag

__all__ = ["GraphSAGERecommender", "SageRanker"]  # SageRanker lives in recommender.ranker; imported from here too


class GraphSAGERecommender:
    """The `Recommender` interface over a `SageRanker`.

    One ranking for every track, old or new: how well it fits the moment (its tags, observed and predicted
    by the Tag model; how close it sounds to the request's target; what the request's words say through
    the playlists named like it and the track's own profile), fused with learned weights, plus how well it
    fits the listener (the CF model for tracks with listening history, the CBF model for tracks without:
    new releases compete on content fit like any other track). Named constraints are hard filters."""

    def __init__(self, ranker: SageRanker, query_vector: TextVector | None = None,
                 exact_up_to: int = EXACT_UP_TO) -> None:
        """`exact_up_to`: a catalog with more tracks ranks in two stages (`recommender.shortlist`)."""
        self.ranker = ranker
        self.index = ranker.index
        self.query_vector = query_vector  # request text -> its sentence embedding (Chat2Tag's cached encoder)
        self.space = SoundSpace.of(self.index)
        self.text = TextMatch(self.index.playlist_emb, self.index.playlist_tracks, self.index.track_words,
                              self.index.words_basis, self.index.track_genre_emb)
        self.allowed = lru_cache(maxsize=256)(partial(allowed, self.index))  # filters repeat across requests
        self.seasonal = seasonal_rows(self.index)
        self.explain = Explainer(ranker, self.space)
        self.shortlist = Shortlist(self.index.size) if self.index.size > exact_up_to else None
        # The moments whose sound the request takes, for the titles about them (requests repeat).
        self.moments = lru_cache(maxsize=1024)(
            lambda text: sounding(moments_in(fold(text), text.lower())) if text else [])

    def moment_signals(self, tags: list[WeightedTag], sound: Mapping[str, float], query: np.ndarray | None,
                       only: Collection[str] = SIGNALS, moments: Sequence[Moment] = ()) -> dict[str, np.ndarray]:
        """The content signals for a request (`only` those named), unscaled (the fusion standardises them)."""
        signals = {"popularity": self.index.popularity}
        if tags and {"observed", "tags"} & set(only):
            asked = self.ranker.asked_columns(tags)
            if "observed" in only:
                signals["observed"] = self.ranker.observed(asked)
            if "tags" in only:
                signals["tags"] = self.ranker.tag_scores(asked)
        if sound and "sound" in only:
            signals["sound"] = self.space.fit(sound, moments)
        if query is not None:
            text = {"playlists": self.text.playlists, "words": self.text.words, "genres": self.text.genres}
            signals.update((name, signal(query)) for name, signal in text.items() if name in only)
        return signals

    def recommend(self, taste: Taste, tags: list[WeightedTag], k: int = 20, exclude: frozenset[str] = frozenset(),
                  filters: Filters = NO_FILTERS, sound: Mapping[str, float] | None = None, text: str = ""
                  ) -> list[Recommendation]:
        r = self.ranker
        sound = dict(sound or {})
        query = self.query_vector(text) if text and self.query_vector else None
        user = r.user_vector(taste)
        known = {a for a, w in taste.artists.items() if w > 0}
        mask = self.allowed(filters)
        taste_fit = None if user is None else listener_fit(r, taste, user)
        if taste.asked and known:  # "like X"
            rows = np.flatnonzero(np.isin(self.index.artist_keys, list(known)))
            taste_fit = likeness(taste_fit, self.index.genres.closeness(rows), self.index.tag_closeness(rows))
        season = asks_for_the_season(text, tags)
        # Artists named and no moment ("more like Kygo"): standardised, the popularity prior alone would weigh as
        # much as the artists (it brought "Uptown Funk"); at its learned weight it only breaks ties.
        standardise = bool(tags or sound or query is not None or not taste.asked)
        # Only the signals the fusion weighs: a signal it learnt to ignore costs nothing (each is a pass over
        # the catalog). Its head is the list.
        moments = self.moments(text)
        signals = partial(self.moment_signals, tags, sound, query, moments=moments)
        ruled_out = self.space.ruled_out(sound, moments)
        if self.shortlist is None:
            fit = r.fusion.combine(signals(r.fusion.weighed()))
            fit = z(fit, clip=None) if standardise else fit
        else:
            fit = self.shortlist.fit(r, self.text, signals, tags, query, lambda first: final_scores(
                first, taste_fit, mask, self.seasonal, season, ruled_out), standardise)
        score = final_scores(fit, taste_fit, mask, self.seasonal, season, ruled_out)
        rows = pick(self.index, top_order(score, k), k, exclude, known, mask, per_artist(filters, k))
        user_artists = [] if taste.shared else [r.artist_pos[a] for a in known if a in r.artist_pos]
        user_matrix = r.A_unit[user_artists]  # once per request, not once per track
        chosen = [(self.index.vocab.column(t.tag), t.tag) for t in tags]
        return [self.explain.recommendation(row, float(score[row]), chosen, user_artists, user_matrix,
                                            set() if taste.shared else known, set(filters.artists),
                                            bool(r.interacted[row]), sound, taste.asked, filters.genres)
                for row in rows]
