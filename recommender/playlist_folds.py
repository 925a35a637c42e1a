"""The catalog's playlists as training requests, read the way a listener's request is.

A TidyTuesday playlist's genre labels were given to every track it holds: the tracks of "Latin Hip Hop Mix" all
carry "latin hip hop". A fusion learned on those playlists with their labels in place learns that carrying the
asked-for tag is all that matters (observed-tag weight 0.96, text weights 0) and serves worse than plain text
similarity on playlists it never saw. So each playlist is asked with its own labels, its membership and its name
taken out of the catalog, `FOLDS` at a time, exactly as the evaluation holds out its test playlists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.graph import Interactions, build_graph, track_artist_matrix
from recommender.index import CatalogIndex, derive_track_vectors, projected_profiles
from recommender.sage import GraphSAGE
from recommender.serving import GraphSAGERecommender, SageRanker
from recommender.tagging import normalise_tag
from recommender.text_match import TextVector, track_profiles

FOLDS = 5


def label_pairs(index: CatalogIndex, playlists: pd.DataFrame, mask: np.ndarray) -> sp.csr_matrix:
    """(tracks × tags): 1 where a playlist in `mask` gave the track its genre or subgenre label."""
    rows, cols = [], []
    for genre, sub, tracks in playlists.loc[mask, ["genre", "subgenre", "track_ids"]].itertuples(index=False):
        labels = {c for c in (index.vocab.column(normalise_tag(str(genre))),
                              index.vocab.column(normalise_tag(str(sub)))) if c is not None}
        for row in (index.row_of[t] for t in tracks if t in index.row_of):
            rows += [row] * len(labels)
            cols += labels
    pairs = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=index.track_tags.shape)
    return (pairs > 0).astype(np.float32).tocsr()


def without_labels(track_tags: sp.csr_matrix, index: CatalogIndex, playlists: pd.DataFrame, hidden: np.ndarray,
                   from_artists: sp.csr_matrix) -> sp.csr_matrix:
    """`track_tags` with each label that only hidden playlists gave a track set back to what the track's artist
    carries of that tag (`from_artists`, tracks × tags)."""
    only_hidden = label_pairs(index, playlists, hidden)
    only_hidden = (only_hidden - only_hidden.multiply(label_pairs(index, playlists, ~hidden))).tocsr()
    only_hidden.eliminate_zeros()
    return (track_tags - track_tags.multiply(only_hidden) + from_artists.multiply(only_hidden)).tocsr()


def hiding(index: CatalogIndex, track_tags: sp.csr_matrix, hidden: np.ndarray, words: Mapping[str, np.ndarray]
           ) -> CatalogIndex:
    """The index with these track tags (and every feature derived from them) and without the hidden playlists
    among those a request's words can find."""
    derived = derive_track_vectors(track_tags, index.vocab, index.tag_emotion)
    keep = ~hidden
    return dataclasses.replace(
        index, track_tags=track_tags, **derived,
        playlist_names=index.playlist_names[keep], playlist_emb=index.playlist_emb[keep],
        playlist_tracks=index.playlist_tracks[np.flatnonzero(keep)],
        **projected_profiles(track_profiles(index.names.tolist(), derived["track_emb"], words), index.words_basis))


@dataclass
class PlaylistFolds:
    """What it takes to ask the trained model for a playlist with that playlist hidden: the model, the graph's
    inputs it was trained on, and the catalog's playlists (`hidden`: those already out of training)."""

    model: GraphSAGE
    index: CatalogIndex
    playlists: pd.DataFrame  # the catalog's, in the index's order: playlist_id, name, genre, subgenre, track_ids
    interactions: Interactions
    track_tags: sp.csr_matrix
    artist_tags: sp.csr_matrix
    words: Mapping[str, np.ndarray]
    text_vector: TextVector | None
    hidden: np.ndarray | None = None

    @property
    def asked(self) -> int:
        """How many playlists are asked: those not already out of training."""
        return len(self.playlists) if self.hidden is None else int((~self.hidden).sum())

    def requests(self, seed: int) -> Iterator[tuple[GraphSAGERecommender, list[tuple[str, np.ndarray]]]]:
        """Fold by fold: a recommender over the catalog without that fold's playlists, and those playlists as
        (name, track rows). One fold's recommender at a time: each holds a copy of the catalog's track vectors."""
        hidden = np.zeros(len(self.playlists), bool) if self.hidden is None else self.hidden
        from_artists = (track_artist_matrix(self.index, self.interactions.artists) @ self.artist_tags).tocsr()
        users = np.asarray(self.interactions.users)
        for fold in np.array_split(np.random.default_rng(seed).permutation(np.flatnonzero(~hidden)), FOLDS):
            out = hidden.copy()
            out[fold] = True
            tags = without_labels(self.track_tags, self.index, self.playlists, out, from_artists)
            members = self.playlists.iloc[fold]
            listens = np.isin(users, [f"playlist:{p}" for p in members["playlist_id"]])
            seen = dataclasses.replace(self.interactions, user_track=(
                sp.diags((~listens).astype(np.float32)) @ self.interactions.user_track).tocsr())
            graph = build_graph(self.index, seen, tags, self.artist_tags)
            ranker = SageRanker.from_model(self.model, graph, seen.artists, hiding(self.index, tags, out, self.words))
            asked = [(str(name), np.array([self.index.row_of[t] for t in ids if t in self.index.row_of], np.int64))
                     for name, ids in members[["name", "track_ids"]].itertuples(index=False)]
            yield GraphSAGERecommender(ranker, self.text_vector), asked
