"""The serving snapshot of the catalog: every matrix a recommender needs, built
once by `suggestify build` and loaded in one read at start-up."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from recommender.catalog import Catalog, feature_matrix
from recommender.encoder import TextEncoder
from recommender.vocabulary import Vocabulary

OWN_TAG_WEIGHT = 1.0
GENRE_WEIGHT = 0.6
ARTIST_TAG_WEIGHT = 0.8
ARTIST_TAG_LIMIT = 20


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


@dataclass
class CatalogIndex:
    track_ids: np.ndarray  # (n,) str
    names: np.ndarray
    artists: np.ndarray  # display names
    artist_keys: np.ndarray
    popularity: np.ndarray  # (n,) in [0, 1]
    features: np.ndarray  # (n, 12) in [0, 1]
    track_tags: sp.csr_matrix  # (n, n_tags) weights in [0, 1]
    track_emb: np.ndarray  # (n, dim) L2-normalised mean of its tags' embeddings
    artist_index: np.ndarray  # (m,) artist keys that carry tags
    artist_names: np.ndarray
    artist_tags: sp.csr_matrix  # (m, n_tags)
    vocab: Vocabulary

    def __post_init__(self) -> None:
        self.row_of = {t: i for i, t in enumerate(self.track_ids.tolist())}
        self.artist_row = {a: i for i, a in enumerate(self.artist_index.tolist())}

    @property
    def size(self) -> int:
        return len(self.track_ids)

    # -- persistence -------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        tt, at = self.track_tags.tocsr(), self.artist_tags.tocsr()
        tmp = directory / "index.npz.tmp"
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                track_ids=self.track_ids, names=self.names, artists=self.artists, artist_keys=self.artist_keys,
                popularity=self.popularity, features=self.features, track_emb=self.track_emb,
                tt_data=tt.data, tt_indices=tt.indices, tt_indptr=tt.indptr, tt_shape=np.array(tt.shape),
                artist_index=self.artist_index, artist_names=self.artist_names,
                at_data=at.data, at_indices=at.indices, at_indptr=at.indptr, at_shape=np.array(at.shape),
                tag_emb=self.vocab.embeddings,
            )
        tmp.replace(directory / "index.npz")
        meta = {"vocab": self.vocab.records()}
        (directory / "vocab.json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path) -> "CatalogIndex":
        z = np.load(directory / "index.npz", allow_pickle=False)
        meta = json.loads((directory / "vocab.json").read_text())
        records = meta["vocab"]
        vocab = Vocabulary(
            tags=[r["tag"] for r in records],
            categories=[r["category"] for r in records],
            counts=[int(r["count"]) for r in records],
            aliases=[list(r["aliases"]) for r in records],
            embeddings=z["tag_emb"],
        )
        return cls(
            track_ids=z["track_ids"], names=z["names"], artists=z["artists"], artist_keys=z["artist_keys"],
            popularity=z["popularity"], features=z["features"],
            track_tags=sp.csr_matrix((z["tt_data"], z["tt_indices"], z["tt_indptr"]), shape=tuple(z["tt_shape"])),
            track_emb=z["track_emb"],
            artist_index=z["artist_index"], artist_names=z["artist_names"],
            artist_tags=sp.csr_matrix((z["at_data"], z["at_indices"], z["at_indptr"]), shape=tuple(z["at_shape"])),
            vocab=vocab,
        )

    @staticmethod
    def exists(directory: Path) -> bool:
        return (directory / "index.npz").exists() and (directory / "vocab.json").exists()


def artist_tag_weights(catalog: Catalog, vocab: Vocabulary, key: str) -> dict[int, float]:
    """An artist's strongest user tags (scaled by how often they were given) and its Spotify genres."""
    weights: dict[int, float] = {}
    counts = catalog.artist_tags.get(key) or {}
    top = [(vocab.column(t), n) for t, n in sorted(counts.items(), key=lambda p: -p[1])]
    top = [(col, n) for col, n in top if col is not None][:ARTIST_TAG_LIMIT]
    for col, n in top:
        weights[col] = max(weights.get(col, 0.0), ARTIST_TAG_WEIGHT * float(np.sqrt(n / top[0][1])))
    for genre in catalog.artist_genres.get(key, []):
        col = vocab.column(genre)
        if col is not None:
            weights[col] = max(weights.get(col, 0.0), GENRE_WEIGHT)
    return weights


def build_index(catalog: Catalog, vocab: Vocabulary, encoder: TextEncoder) -> CatalogIndex:
    del encoder  # tag embeddings come with the vocabulary
    tracks = catalog.tracks
    n_tags = len(vocab)
    artist_cache: dict[str, dict[int, float]] = {}
    rows, cols, vals = [], [], []
    for row, (tid, key) in enumerate(zip(tracks.index, tracks["artist_key"])):
        weights = dict(artist_cache.setdefault(key, artist_tag_weights(catalog, vocab, key)))
        for tag in catalog.own_tags.get(tid, []):
            col = vocab.column(tag)
            if col is not None:
                weights[col] = OWN_TAG_WEIGHT
        for col, w in weights.items():
            rows.append(row)
            cols.append(col)
            vals.append(w)
    track_tags = sp.csr_matrix(
        (np.asarray(vals, np.float32), (rows, cols)), shape=(len(tracks), n_tags), dtype=np.float32
    )
    # Track embedding: weighted mean of its tags' text embeddings (original report §3.2.3).
    track_emb = _normalise_rows(np.asarray(track_tags @ vocab.embeddings))

    tagged = sorted(k for k in catalog.artists.index if catalog.artist_tags.get(k) or catalog.artist_genres.get(k))
    a_rows, a_cols, a_vals = [], [], []
    for row, key in enumerate(tagged):
        for col, w in artist_tag_weights(catalog, vocab, key).items():
            a_rows.append(row)
            a_cols.append(col)
            a_vals.append(w)
    artist_tags = sp.csr_matrix(
        (np.asarray(a_vals, np.float32), (a_rows, a_cols)), shape=(len(tagged), n_tags), dtype=np.float32
    )
    return CatalogIndex(
        track_ids=tracks.index.to_numpy(dtype=str),
        names=tracks["name"].to_numpy(dtype=str),
        artists=tracks["artist"].to_numpy(dtype=str),
        artist_keys=tracks["artist_key"].to_numpy(dtype=str),
        popularity=(tracks["popularity"].to_numpy(dtype=np.float32) / 100.0).clip(0, 1),
        features=feature_matrix(tracks),
        track_tags=track_tags,
        track_emb=track_emb,
        artist_index=np.asarray(tagged, dtype=str),
        artist_names=catalog.artists.loc[tagged, "name"].to_numpy(dtype=str),
        artist_tags=artist_tags,
        vocab=vocab,
    )
