"""The retrain gate's validation slice: fixed, seeded HetRec plays no served model is trained on."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.graph import Interactions
from recommender.metrics import drop_pairs, holdout_split, rank_metrics, summarise
from recommender.ranker import SageRanker
from recommender.types import Taste

# Every model version that is served is trained without the same fixed, seeded share of HetRec plays, so
# any two versions can be scored on data neither saw (see jobs/retrain.py). The slice is drawn from the
# shipped HetRec data alone (users and artists in key order), so ingested tracks, new chat users and new
# artists never move it; its digest names the held-out pairs, and equal digests mean comparable scores.
VALIDATION_SEED = 20_240_611
VALIDATION_USER_SHARE = 0.25  # a quarter of the HetRec listeners ...
VALIDATION_FRACTION = 0.2  # ... lose a fifth of their artists: about 5 % of all plays
VALIDATION_METRIC = "ndcg@100"  # the headline metric of `suggestify eval`


@dataclass(frozen=True)
class ValidationSlice:
    users: list[str]  # HetRec listener ids evaluated
    items: list[str]  # artist keys ranked: every artist some HetRec listener played
    train: sp.csr_matrix  # (users, items) plays every model is trained on
    test: sp.csr_matrix  # (users, items) held-out plays no served model is trained on
    digest: str

    def protocol(self) -> dict[str, Any]:
        return {"digest": self.digest, "seed": VALIDATION_SEED, "user_share": VALIDATION_USER_SHARE,
                "fraction": VALIDATION_FRACTION, "users": int((np.diff(self.test.indptr) > 0).sum()),
                "held_out_plays": int(self.test.nnz), "items_ranked": len(self.items), "metric": VALIDATION_METRIC}


def validation_slice(inter: Interactions, seed: int = VALIDATION_SEED) -> ValidationSlice:
    hetrec = np.array([i for i, u in enumerate(inter.users) if u.startswith("hetrec:")])
    plays = inter.user_artist[hetrec].tocsr()
    items = np.flatnonzero(np.asarray(plays.sum(axis=0)).ravel() > 0)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.permutation(len(hetrec))[: int(round(len(hetrec) * VALIDATION_USER_SHARE))])
    train_m, test_m = holdout_split(plays[chosen][:, items].tocsr(), VALIDATION_FRACTION, seed + 1)
    users = [inter.users[i] for i in hetrec[chosen]]
    keys = [inter.artists[i] for i in items]
    held = test_m.tocoo()
    digest = hashlib.sha256(json.dumps(sorted((users[r], keys[c]) for r, c in zip(held.row, held.col)))
                            .encode()).hexdigest()[:16]
    return ValidationSlice(users, keys, train_m, test_m, digest)


def without_validation(inter: Interactions, validation: ValidationSlice) -> Interactions:
    """The interactions with the held-out plays removed: what every served model is trained on."""
    user_pos = {u: i for i, u in enumerate(inter.users)}
    artist_pos = {a: i for i, a in enumerate(inter.artists)}
    held = validation.test.tocoo()
    rows = [user_pos[validation.users[r]] for r in held.row]
    cols = [artist_pos[validation.items[c]] for c in held.col]
    pairs = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=inter.user_artist.shape)
    return dataclasses.replace(inter, user_artist=drop_pairs(inter.user_artist, pairs))


def validation_scores(ranker: SageRanker, validation: ValidationSlice) -> dict[str, float]:
    """Rank every HetRec-played artist for each validation listener, from the plays the model saw (the
    user embeds inductively, exactly as it did in training); the held-out plays are the relevant items."""
    pos = np.array([ranker.artist_pos.get(a, -1) for a in validation.items])
    safe = np.maximum(pos, 0)
    rows = np.flatnonzero(np.diff(validation.test.indptr) > 0)
    zero = np.zeros(ranker.model.config.hidden, np.float32)
    users = np.stack([_seen_user(ranker, validation, int(r), zero) for r in rows])
    scores = users @ ranker.A[safe].T + ranker.artist_bias[safe]
    scores[:, pos < 0] = -np.inf  # an artist this model has no node for cannot be recommended
    return summarise(rank_metrics(scores, validation.train, validation.test, rows))


def _seen_user(ranker: SageRanker, validation: ValidationSlice, row: int, zero: np.ndarray) -> np.ndarray:
    lo, hi = validation.train.indptr[row], validation.train.indptr[row + 1]
    taste = Taste(artists={validation.items[c]: float(w) for c, w in
                           zip(validation.train.indices[lo:hi], validation.train.data[lo:hi])})
    vector = ranker.user_vector(taste)
    return zero if vector is None else vector
