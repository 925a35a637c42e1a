"""The heterogeneous graph the GraphSAGE models learn on.

Nodes: users (HetRec listeners, chat and Spotify users, and TidyTuesday playlists
as extra "users" whose members are tracks), artists, tracks and tags. Edges:
user–artist plays, user–track listens and playlist membership, track–artist,
track–tag and artist–tag, each with its reverse so messages flow both ways; and
each artist's most co-listened artists, so an artist's first layer already hears
what its listeners also play (users start from zeros, so plays alone carry that
only into the last layer).
Node features come from the catalog index (tag text, emotion and audio
embeddings); nothing here is a learnt id, so new nodes embed like old ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.data import HeteroData

from recommender.baselines import item_neighbours
from recommender.index import CatalogIndex

PLAYS = ("user", "plays", "artist")
LISTENS = ("user", "listens", "track")
BY = ("track", "by", "artist")
TRACK_TAG = ("track", "tagged", "tag")
ARTIST_TAG = ("artist", "tagged", "tag")
RELATIONS = (PLAYS, LISTENS, BY, TRACK_TAG, ARTIST_TAG)
COLISTENED = ("artist", "colistened", "artist")  # neighbour → artist; the lists are near-symmetric already
COLISTEN_NEIGHBOURS = 20


def reverse(rel: tuple[str, str, str]) -> tuple[str, str, str]:
    return (rel[2], f"rev_{rel[1]}", rel[0])


def _normalise(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(n > 0, n, 1.0)).astype(np.float32)


def _row_mean(weights: sp.csr_matrix, values: np.ndarray) -> np.ndarray:
    total = np.asarray(weights.sum(axis=1)).ravel()
    return (np.asarray(weights @ values) / np.where(total > 0, total, 1.0)[:, None]).astype(np.float32)


@dataclass
class Interactions:
    """Who listened to what, as sparse matrices over fixed node orders. Weights are raw counts or ratings."""

    users: list[str]
    artists: list[str]
    user_artist: sp.csr_matrix  # (users, artists)
    user_track: sp.csr_matrix  # (users, tracks)

    @classmethod
    def from_events(cls, events: list[tuple[str, str, str, float]], artists: list[str],
                    track_row: dict[str, int], n_tracks: int) -> "Interactions":
        """`events` are (user_id, item_type, item_id, weight); only positive evidence becomes an edge."""
        users = sorted({e[0] for e in events})
        upos = {u: i for i, u in enumerate(users)}
        columns = {"artist": {a: i for i, a in enumerate(artists)}, "track": track_row}
        edges: dict[str, list[tuple[int, int, float]]] = {"artist": [], "track": []}
        for user, kind, item, weight in events:
            col = columns.get(kind, {}).get(item)
            if col is not None and weight > 0:
                edges[kind].append((upos[user], col, weight))

        def matrix(kind: str, n: int) -> sp.csr_matrix:
            rows, cols, vals = zip(*edges[kind]) if edges[kind] else ((), (), ())
            return sp.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(len(users), n))

        return cls(users, artists, matrix("artist", len(artists)), matrix("track", n_tracks))


def artist_nodes(index: CatalogIndex, played: list[str]) -> list[str]:
    """Every artist the recommender can meet: on a track, tagged, or played."""
    return sorted(set(index.artist_keys.tolist()) | set(index.artist_index.tolist()) | set(played))


def artist_tag_matrix(index: CatalogIndex, artists: list[str]) -> sp.csr_matrix:
    """The index's artist–tag weights re-ordered to the graph's artist nodes (zero rows for untagged)."""
    pos = [index.artist_row.get(a, -1) for a in artists]
    have = [i for i, p in enumerate(pos) if p >= 0]
    select = sp.csr_matrix((np.ones(len(have), np.float32), (have, [pos[i] for i in have])),
                           shape=(len(artists), index.artist_tags.shape[0]))
    return (select @ index.artist_tags).tocsr()


def track_artist_matrix(index: CatalogIndex, artists: list[str]) -> sp.csr_matrix:
    apos = {a: i for i, a in enumerate(artists)}
    cols = [apos[a] for a in index.artist_keys.tolist()]
    return sp.csr_matrix((np.ones(index.size, np.float32), (np.arange(index.size), cols)),
                         shape=(index.size, len(artists)))


def track_features(index: CatalogIndex, track_tags: sp.csr_matrix, rows: np.ndarray | slice = slice(None)
                   ) -> np.ndarray:
    """The original report's track embedding: tag text ⊕ tag emotion ⊕ audio."""
    tags = track_tags[rows]
    emb, emo = index.vocab.embeddings, index.tag_emotion
    return np.hstack([_normalise(np.asarray(tags @ emb)), _row_mean(tags, emo), index.features[rows]])


def node_features(index: CatalogIndex, track_tags: sp.csr_matrix, artist_tags: sp.csr_matrix,
                  track_artist: sp.csr_matrix) -> dict[str, np.ndarray]:
    """Tracks and artists: tag text ⊕ emotion ⊕ audio; tags: text ⊕ emotion. Derived from the tag
    matrices passed in, so held-out tags never leak into features."""
    emb, emo = index.vocab.embeddings, index.tag_emotion
    track = track_features(index, track_tags)
    tracks_of = track_artist.T.tocsr()
    # Artists without tags of their own borrow the tags of their tracks.
    artist_text = np.asarray(artist_tags @ emb) + np.asarray(tracks_of @ np.asarray(track_tags @ emb)) * 1e-3
    artist = np.hstack([_normalise(artist_text), _row_mean(artist_tags, emo), _row_mean(tracks_of, index.features)])
    tag = np.hstack([emb, emo]).astype(np.float32)
    return {"track": track.astype(np.float32), "artist": artist.astype(np.float32), "tag": tag}


def _edges(m: sp.spmatrix) -> tuple[torch.Tensor, torch.Tensor]:
    coo = m.tocoo()
    index = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    return index, torch.from_numpy(coo.data.astype(np.float32))


def build_graph(index: CatalogIndex, inter: Interactions, track_tags: sp.csr_matrix | None = None,
                artist_tags: sp.csr_matrix | None = None) -> HeteroData:
    """The full graph; the tag matrices can be overridden (evaluation removes held-out assignments)."""
    track_tags = index.track_tags if track_tags is None else track_tags
    artist_tags = artist_tag_matrix(index, inter.artists) if artist_tags is None else artist_tags
    track_artist = track_artist_matrix(index, inter.artists)
    data = HeteroData()
    for name, x in node_features(index, track_tags, artist_tags, track_artist).items():
        data[name].x = torch.from_numpy(x)
    data["user"].num_nodes = len(inter.users)
    for rel, m in ((PLAYS, inter.user_artist), (LISTENS, inter.user_track), (BY, track_artist),
                   (TRACK_TAG, track_tags), (ARTIST_TAG, artist_tags)):
        edge_index, weight = _edges(m)
        data[rel].edge_index, data[rel].edge_weight = edge_index, weight
        # By hand, not PyG's ToUndirected: that appends every reverse type after all forward ones (the model has
        # one convolution per edge type, in order, so the same seed would start from other weights), copies the
        # weights too, and would make the one-way co-listened edges below symmetric.
        data[reverse(rel)].edge_index = edge_index.flip(0)
    near = item_neighbours(inter.user_artist, COLISTEN_NEIGHBOURS, shrink=10.0).tocoo()
    data[COLISTENED].edge_index = torch.from_numpy(np.vstack([near.col, near.row]).astype(np.int64))
    return data
