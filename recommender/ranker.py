"""The trained GraphSAGE model as matrices over the current catalog index: the Tag, CF and CBF scores."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.data import HeteroData

from recommender.fusion import Fusion, z
from recommender.graph import ARTIST_TAG, BY, LISTENS, PLAYS, TRACK_TAG, reverse, track_features
from recommender.index import MOOD_SIDE, CatalogIndex
from recommender.sage import GraphSAGE, SageConfig, neighbour_means
from recommender.tag_completion import TagCompletion, standardised_rows
from recommender.train_sage import all_edges
from recommender.types import Taste, WeightedTag

TRACK_CF_WEIGHT = 0.3  # CF through the track itself, beside CF through its artist
SYNONYM_SIMILARITY = 0.7  # "nostalgia" ~ "nostalgic" 0.72, "rainy day" ~ "rain" 0.81 (MiniLM)


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


class StandardisedRows:
    """A matrix's rows scored against a vector (plus a bias per row) and standardised over all rows, computed on
    any subset of them: the mean and spread of `m @ v + bias` follow from the rows' moments, so the other rows
    are never read."""

    CHUNK = 65536  # rows at a time while the moments are summed: a 10x catalog needs no float64 copy of it all

    def __init__(self, m: np.ndarray, bias: np.ndarray | None = None) -> None:
        self.m, self.bias = m, bias
        n, d = max(len(m), 1), m.shape[1]
        b = np.zeros(len(m)) if bias is None else bias.astype(np.float64)
        self.b_mean, self.b_var = float(b.mean()) if len(b) else 0.0, float(b.var()) if len(b) else 0.0
        total, outer, cross = np.zeros(d), np.zeros((d, d)), np.zeros(d)
        for lo in range(0, len(m), self.CHUNK):
            part = m[lo:lo + self.CHUNK].astype(np.float64)
            total += part.sum(axis=0)
            outer += part.T @ part
            cross += part.T @ (b[lo:lo + self.CHUNK] - self.b_mean)
        self.mean = total / n
        self.cov = outer / n - np.outer(self.mean, self.mean)
        self.cross = cross / n  # covariance of each column with the bias

    def scores(self, v: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """`z(m @ v + bias, clip=None)[rows]`."""
        var = v @ self.cov @ v + self.b_var + 2 * v @ self.cross
        std = float(np.sqrt(max(var, 0.0)))
        if std < 1e-6:  # every row alike: standardised, a constant is zero
            return np.zeros(len(rows), np.float32)
        # Most rows: one pass over the matrix; a few: only theirs (gathering most rows costs more than the pass).
        x = (self.m @ v)[rows] if 4 * len(rows) > len(self.m) else self.m[rows] @ v
        if self.bias is not None:
            x = x + self.bias[rows]
        return ((x - (self.mean @ v + self.b_mean)) / std).astype(np.float32)


class SageRanker:
    """The model as matrices over the current index's rows (tracks ingested after training are embedded
    inductively from their artist and tags)."""

    def __init__(self, model: GraphSAGE, layers: list[dict[str, torch.Tensor]], artists: list[str],
                 track_ids: list[str], interacted: np.ndarray, index: CatalogIndex,
                 fusion: Fusion | None = None, as_new: np.ndarray | None = None,
                 artist_tags: sp.csr_matrix | None = None, completion: TagCompletion | None = None) -> None:
        """`as_new`: index rows embedded from their artist and tags as if ingested after training.
        `artist_tags`: the (artists × tags) links training saw; `completion`: EASE over them (the Tag model's
        second half; absent from model files saved before it)."""
        self.model, self.layers, self.artists, self.index = model, layers, artists, index
        self.artist_tags, self.completion = artist_tags, completion
        self._completion_rows = completion.prepare(index.track_tags) if completion is not None else None
        self._tag_columns = index.track_tags.tocsc()  # a request reads the few columns it asks for, not every row
        self.fusion = fusion or Fusion()  # learned after training (`learn_ranker_fusion`), saved with the model
        self.trained_track_ids = track_ids
        self.trained_interacted = interacted
        self.artist_pos = {a: i for i, a in enumerate(artists)}
        self._mood_side = np.isin(np.asarray(index.vocab.categories), list(MOOD_SIDE))
        self._synonyms = lru_cache(maxsize=1024)(self._synonym_weights)
        final = layers[-1]
        with torch.no_grad():
            g_tag = model.tag_space(final["tag"])
            g_artist = model.tag_space(final["artist"])
        trained_row = {t: i for i, t in enumerate(track_ids)}
        pos = np.array([trained_row.get(t, -1) for t in index.track_ids.tolist()])
        if as_new is not None:
            pos[as_new] = -1
        tracks = final["track"][torch.from_numpy(np.maximum(pos, 0))].clone()
        bias = model.track_bias.detach()[torch.from_numpy(np.maximum(pos, 0))].clone()
        new = np.flatnonzero(pos < 0)
        if len(new):
            tracks[torch.from_numpy(new)] = self._embed_tracks(new)
            bias[torch.from_numpy(new)] = 0.0
        with torch.no_grad():
            g_track = model.tag_space(tracks)
        self.known_track = pos  # row → trained track node (-1: new)
        self.interacted = np.where(pos >= 0, interacted[np.maximum(pos, 0)], False)
        self.track_artist = np.array([self.artist_pos.get(a, -1) for a in index.artist_keys.tolist()])
        self.A = final["artist"].numpy()
        self.A_unit = _unit(self.A)
        self.artist_bias = model.artist_bias.detach().numpy()
        self.T = tracks.numpy()
        self.track_bias = bias.numpy()
        self.G_tag, self.G_artist, self.G_track = g_tag.numpy(), g_artist.numpy(), g_track.numpy()
        self.G_track_unit = _unit(self.G_track)
        self._cbf = StandardisedRows(self.G_track_unit)
        self._cf_track = StandardisedRows(self.T, self.track_bias)
        # CF scores the tracks with listening history, CBF the rest (usually none).
        self.known_rows, self.new_rows = np.flatnonzero(self.interacted), np.flatnonzero(~self.interacted)

    # -- construction ------------------------------------------------------
    @classmethod
    def from_model(cls, model: GraphSAGE, graph: HeteroData, artists: list[str], index: CatalogIndex
                   ) -> "SageRanker":
        with torch.no_grad():
            layers = model(graph.x_dict, all_edges(graph), graph["user"].num_nodes)
        interacted = np.zeros(graph["track"].num_nodes, dtype=bool)
        interacted[graph[LISTENS].edge_index[1].numpy()] = True
        played = np.zeros(graph["artist"].num_nodes, dtype=bool)
        played[graph[PLAYS].edge_index[1].numpy()] = True
        interacted |= played[graph[BY].edge_index[1].numpy()][np.argsort(graph[BY].edge_index[0].numpy())]
        artist_tags = _links(graph[ARTIST_TAG].edge_index, (graph["artist"].num_nodes, graph["tag"].num_nodes))
        return cls(model, layers, artists, index.track_ids.tolist(), interacted, index,
                   artist_tags=artist_tags, completion=TagCompletion.fit(artist_tags))

    def save(self, path: Path) -> None:
        model = self.model
        torch.save({
            "state": model.state_dict(), "config": model.config.to_dict(),
            "in_dims": {t: lin.in_features for t, lin in model.project.items()},
            "edge_types": [list(rel) for rel in model.convs[0].convs.keys()],
            "artists": self.artists, "track_ids": self.trained_track_ids,
            "interacted": torch.from_numpy(self.trained_interacted),
            "layers": [{t: v for t, v in layer.items() if t != "user"} for layer in self.layers],
            "fusion": self.fusion.to_dict(),
            **({"artist_tags": torch.from_numpy(np.vstack(self.artist_tags.nonzero()).astype(np.int64)),
                "tags_shape": list(self.artist_tags.shape),
                "completion": {k: torch.as_tensor(v) for k, v in self.completion.state().items()}}
               if self.artist_tags is not None and self.completion is not None else {}),
        }, path)

    @classmethod
    def load(cls, path: Path, index: CatalogIndex) -> "SageRanker":
        saved: dict[str, Any] = torch.load(path, weights_only=True)
        edge_types = [tuple(rel) for rel in saved["edge_types"]]
        model = GraphSAGE(saved["in_dims"], edge_types, len(saved["artists"]), len(saved["track_ids"]),
                          SageConfig(**saved["config"]))
        model.load_state_dict(saved["state"])
        model.eval()
        fusion = Fusion(dict(saved["fusion"])) if saved.get("fusion") else None
        artist_tags = completion = None
        if "completion" in saved:
            artist_tags = _links(saved["artist_tags"], tuple(saved["tags_shape"]))
            state = saved["completion"]
            completion = TagCompletion(state["weights"].numpy(), state["active"].numpy(), int(state["n_tags"]))
        return cls(model, saved["layers"], saved["artists"], saved["track_ids"], saved["interacted"].numpy(), index,
                   fusion, artist_tags=artist_tags, completion=completion)

    def _embed_tracks(self, rows: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(track_features(self.index, self.index.track_tags, rows).astype(np.float32))
        with torch.no_grad():
            start = self.model.project["track"](x)
        artists = [self.artist_pos.get(str(self.index.artist_keys[row])) for row in rows]
        tags = self.index.track_tags[rows]
        means = {
            reverse(BY): neighbour_means([torch.tensor([] if a is None else [a], dtype=torch.long) for a in artists],
                                         self.layers[0]["artist"].shape[0]),
            reverse(TRACK_TAG): neighbour_means([torch.from_numpy(tags.indices[lo:hi].astype(np.int64))
                                                 for lo, hi in zip(tags.indptr[:-1], tags.indptr[1:])],
                                                self.layers[0]["tag"].shape[0]),
        }
        return self.model.embed_many(start, "track", means, self.layers)

    # -- scores -------------------------------------------------------------
    def _taste_items(self, taste: Taste) -> tuple[list[int], list[int]]:
        artists = [self.artist_pos[a] for a, w in taste.artists.items() if w > 0 and a in self.artist_pos]
        rows = [self.index.row_of[t] for t, w in taste.tracks.items() if w > 0 and t in self.index.row_of]
        return artists, rows

    def user_vector(self, taste: Taste) -> np.ndarray | None:
        artists, rows = self._taste_items(taste)
        tracks = [int(self.known_track[r]) for r in rows if self.known_track[r] >= 0]
        if not artists and not tracks:
            return None
        # A user aggregates along the edges that end at users: the reverses of user→artist and user→track.
        neighbours = {reverse(PLAYS): torch.tensor(artists, dtype=torch.long),
                      reverse(LISTENS): torch.tensor(tracks, dtype=torch.long)}
        return self.model.embed(torch.zeros(self.model.config.hidden), "user", neighbours, self.layers).numpy()

    def user_artist_scores(self, users: torch.Tensor) -> np.ndarray:
        return self.layers[-1]["user"][users].numpy() @ self.A.T + self.artist_bias

    def artist_tag_scores(self, rows: np.ndarray) -> np.ndarray:
        """The Tag model on artists: the graph's predicted links plus EASE's completion, each standardised."""
        graph = self.G_artist[rows] @ self.G_tag.T
        if self.completion is None or self.artist_tags is None:
            return graph
        return standardised_rows(graph) + standardised_rows(self.completion.complete(self.artist_tags[rows]))

    def asked_columns(self, tags: list[WeightedTag]) -> list[tuple[int, float]]:
        """(vocabulary column, weight) of each asked-for tag the vocabulary holds with a positive weight."""
        vocab = self.index.vocab
        return [(col, t.weight) for t in tags if (col := vocab.column(t.tag)) is not None and t.weight > 0]

    def tag_scores(self, cols: list[tuple[int, float]], rows: np.ndarray | None = None,
                   over: np.ndarray | None = None) -> np.ndarray:
        """The Tag model for the asked (column, weight)s: predicted track–tag links, the graph's plus EASE's
        completion of each track's tags, each standardised. `rows`: only these tracks (None: all); `over`: as `z`."""
        if not cols:
            return np.zeros(self.index.size if rows is None else len(rows), np.float32)
        tracks = self.G_track if rows is None else self.G_track[rows]
        graph = tracks @ (sum(w * self.G_tag[c] for c, w in cols) / sum(w for _, w in cols))
        if self.completion is None or self._completion_rows is None:  # a model file saved before completion
            return graph
        asked = np.zeros(len(self.index.vocab), np.float32)
        for col, weight in cols:
            asked[col] += weight
        prepared = self._completion_rows if rows is None else self._completion_rows[rows]
        return z(graph, clip=None, over=over) + z(self.completion.towards(prepared, asked), clip=None, over=over)

    def observed(self, asked: list[tuple[int, float]]) -> np.ndarray:
        """The share of the asked (column, weight)s each track carries, near-synonyms counted."""
        if not asked:
            return np.zeros(self.index.size, np.float32)
        cols, weights = self._synonyms(tuple(asked))
        return np.minimum(self._column_sum(cols, weights) / sum(w for _, w in asked), 1.0)

    def _column_sum(self, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """`track_tags[:, cols] @ weights` from the columns' own entries (scipy's column slicing costs more
        than the sum)."""
        m = self._tag_columns
        spans = [slice(m.indptr[c], m.indptr[c + 1]) for c in cols.tolist()]
        rows = np.concatenate([m.indices[s] for s in spans]) if spans else np.zeros(0, np.int32)
        values = np.concatenate([m.data[s] * w for s, w in zip(spans, weights.tolist())]) if spans else np.zeros(0)
        return np.bincount(rows, values, minlength=m.shape[0]).astype(np.float32)

    def _synonym_weights(self, asked: tuple[tuple[int, float], ...]) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights): the vocabulary tags that count and how much: an asked tag its own weight, a
        near-synonym ("nostalgia" for "nostalgic") its similarity, on the same side only: the mood "romantic" is
        not the genre "new romantic" (0.81), nor the situation "surf" the genre "surf punk". Cached: requests
        repeat their tags."""
        vocab = self.index.vocab
        cols = [c for c, _ in asked]
        same_side = self._mood_side[:, None] == self._mood_side[cols][None, :]
        sims = vocab.embeddings @ vocab.embeddings[cols].T * same_side * np.array([w for _, w in asked], np.float32)
        weights = np.where(sims >= SYNONYM_SIMILARITY, sims, 0.0).max(axis=1)
        weights[cols] = [w for _, w in asked]
        counted = np.flatnonzero(weights)
        kept = weights[counted].astype(np.float32)
        counted.flags.writeable = kept.flags.writeable = False  # shared by every request asking for these tags
        return counted, kept

    def cf_scores(self, user: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Standardised CF fit of these tracks (over the whole catalog): mostly through its artist (what the CF
        model learnt from plays, and what the evaluation measures), a little through the track itself (playlist
        co-occurrence)."""
        by_artist = np.asarray(self.A @ user + self.artist_bias)[np.maximum(self.track_artist, 0)]
        by_artist = np.where(self.track_artist >= 0, by_artist, by_artist.min())
        return z(by_artist, clip=None)[rows] + TRACK_CF_WEIGHT * self._cf_track.scores(user, rows)

    def cbf_scores(self, taste: Taste, rows: np.ndarray) -> np.ndarray:
        """Tracks like the listener's tracks and artists, in the tag space (no listening needed): these rows'
        scores, standardised over the whole catalog."""
        artists, taste_rows = self._taste_items(taste)
        parts = [self.G_artist[artists]] if artists else []
        if taste_rows:
            parts.append(self.G_track[taste_rows])
        if not parts:
            return np.zeros(len(rows), np.float32)
        return self._cbf.scores(_unit(np.vstack(parts).mean(axis=0)), rows)


def _links(pairs: torch.Tensor | np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A binary (rows × columns) matrix from a (2, n) array of index pairs."""
    pairs = np.asarray(pairs)
    return sp.csr_matrix((np.ones(pairs.shape[1], np.float32), (pairs[0], pairs[1])), shape=shape)
