"""A bigger catalog made from the real one, for measuring serving at scale (`suggestify bench --catalog-scale`).

Each track gets `factor - 1` copies: their own ids and titles ("… (take 2)"), the same artist, tags, genres and
playlists, and features and text vectors moved a little so copies do not tie. The model has never seen a
copy: it embeds them from their artist and tags as it does any newly ingested track."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import scipy.sparse as sp

from recommender.index import CatalogIndex

# The index's per-track fields (one row per track); every other field describes tags, artists or playlists.
TRACK_ROWS = ("track_ids", "names", "artists", "artist_keys", "popularity", "features", "years", "va",
              "track_tags", "track_genres", "track_genre_names", "track_emb", "track_mood_emb", "track_genre_emb",
              "track_emotion", "track_words")
JITTER = 0.02  # how far a copy's features and vectors move (features and valence–arousal live in [0, 1])


def scaled_catalog(index: CatalogIndex, factor: int, seed: int = 0) -> CatalogIndex:
    if factor < 1:
        raise ValueError("the factor is a whole number of copies, at least 1")
    assert {f.name for f in fields(index)} >= set(TRACK_ROWS), "a per-track field was renamed"
    rng = np.random.default_rng(seed)
    changes: dict[str, object] = {}
    for name in TRACK_ROWS:
        value = getattr(index, name)
        if isinstance(value, sp.spmatrix):
            changes[name] = sp.vstack([value] * factor, format="csr")
        elif name in ("track_ids", "names"):
            copies = [value] + [np.char.add(value.astype(str), f" (take {k + 1})" if name == "names" else f"~{k + 1}")
                                for k in range(1, factor)]
            changes[name] = np.concatenate(copies)
        elif value.dtype.kind == "f":
            moved = [value] + [value + rng.normal(0.0, JITTER, value.shape).astype(value.dtype)
                               for _ in range(1, factor)]
            tiled = np.concatenate(moved)
            changes[name] = tiled.clip(0.0, 1.0) if name in ("popularity", "features", "va") else tiled
        else:
            changes[name] = np.concatenate([value] * factor)
    # A playlist holds every copy of its tracks, each with a factor-th of the original's share (rows sum to one).
    changes["playlist_tracks"] = sp.hstack([index.playlist_tracks / factor] * factor, format="csr")
    return replace(index, **changes)  # type: ignore[arg-type]
