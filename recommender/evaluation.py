"""Offline evaluation on fixed, seeded protocols (see README, "Evaluation").

One split holds out, at once and disjointly:
- CF: a share of each HetRec listener's artists (listeners with ≥ 5 artists);
- Tag: a share of the tags of each artist with ≥ 5 tags — removed from the artist, from its
  tracks, and from every feature computed from tags;
- Text → playlist: a share of the TidyTuesday playlists — their memberships and the genre
  labels their tracks got from them are removed; the playlist name is the query.
GraphSAGE is trained once on what is left; every baseline sees the same training data and is
scored in the same process. All items are ranked; training items are excluded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
import torch

from recommender.baselines import ALS, EASE, ItemKNN, Popularity, Scorer, binarise
from recommender.catalog import Catalog
from recommender.content import ContentRecommender
from recommender.graph import (
    Interactions,
    artist_nodes,
    artist_tag_matrix,
    build_graph,
    track_artist_matrix,
)
from recommender.index import CatalogIndex, derive_track_vectors, projected_profiles
from recommender.metrics import holdout_split, paired_difference, rank_metrics, summarise
from recommender.sage import SageConfig
from recommender.fit_judge import FitRequest, TrackFacts
from recommender.fusion_training import learn_ranker_fusion
from recommender.intent import Intent
from recommender.serving import GraphSAGERecommender, SageRanker
from recommender.text_match import track_profiles
from recommender.tagging import normalise_tag
from recommender.train_sage import train
from recommender.types import Taste



class Parser(Protocol):
    """Chat2Tag as the evaluation uses it (`LocalChat2Tag`)."""

    def parse(self, text: str) -> Intent: ...

    def text_vector(self, text: str) -> np.ndarray | None: ...


def catalog_events(catalog: Catalog) -> list[tuple[str, str, str, float]]:
    """HetRec plays and TidyTuesday playlist memberships as (user, type, item, weight) events."""
    events = [(u, "artist", a, float(w)) for u, a, w in catalog.plays[["user_id", "artist_key", "weight"]]
              .itertuples(index=False)]
    for pid, tracks in catalog.playlists[["playlist_id", "track_ids"]].itertuples(index=False):
        events.extend((f"playlist:{pid}", "track", t, 1.0) for t in tracks)
    return events


def interactions(index: CatalogIndex, events: list[tuple[str, str, str, float]]) -> Interactions:
    artists = artist_nodes(index, [e[2] for e in events if e[1] == "artist"])
    return Interactions.from_events(events, artists, index.row_of, index.size)


@dataclass
class Split:
    train: Interactions
    track_tags: sp.csr_matrix
    artist_tags: sp.csr_matrix
    cf_users: np.ndarray  # user rows evaluated
    cf_items: np.ndarray  # artist columns ranked (every artist some HetRec listener played)
    cf_train: sp.csr_matrix  # (cf_users, cf_items)
    cf_test: sp.csr_matrix
    tag_train: sp.csr_matrix  # (artists, tags)
    tag_test: sp.csr_matrix
    playlists: list[tuple[str, np.ndarray]]  # held-out (name, track rows)
    held_playlists: np.ndarray  # (p,) bool over the catalog's playlists: held out


def _drop(m: sp.csr_matrix, pairs: sp.csr_matrix) -> sp.csr_matrix:
    out = m.tocsr().copy()
    out = out - out.multiply(pairs.astype(bool))
    out.eliminate_zeros()
    return out.tocsr()


def make_split(index: CatalogIndex, catalog: Catalog, seed: int, fraction: float = 0.2) -> Split:
    rng = np.random.default_rng(seed)
    events = catalog_events(catalog)
    full = interactions(index, events)

    # Text → playlist: hold out whole playlists.
    pl = catalog.playlists
    held = set(pl["playlist_id"].iloc[rng.permutation(len(pl))[: int(round(len(pl) * fraction))]])
    held_users = {f"playlist:{p}" for p in held}
    playlists = [(str(name), np.array([index.row_of[t] for t in tracks if t in index.row_of]))
                 for pid, name, tracks in pl[["playlist_id", "name", "track_ids"]].itertuples(index=False)
                 if pid in held]
    # A track keeps the genre labels of the playlists still in training, its decade, and its artist's tags.
    kept: dict[str, set[str]] = {}
    for pid, genre, sub, tracks in pl[["playlist_id", "genre", "subgenre", "track_ids"]].itertuples(index=False):
        if pid not in held:
            for t in tracks:
                kept.setdefault(t, set()).update({normalise_tag(str(genre)), normalise_tag(str(sub))})
    labels = {normalise_tag(str(g)) for g in pl["genre"]} | {normalise_tag(str(s)) for s in pl["subgenre"]}
    rows, cols = [], []
    for tid, tags in catalog.own_tags.items():
        row = index.row_of.get(tid)
        for tag in tags:
            col = index.vocab.column(tag)
            if row is not None and col is not None and (tag not in labels or tag in kept.get(tid, ())):
                rows.append(row)
                cols.append(col)
    own = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=index.track_tags.shape)
    track_artist = track_artist_matrix(index, full.artists)
    artist_tags = artist_tag_matrix(index, full.artists)
    track_tags = (track_artist @ artist_tags).tocsr().maximum(own).tocsr()
    in_catalog = np.isin(index.track_ids, list(catalog.tracks.index))
    ingested = sp.diags((~in_catalog).astype(np.float32)) @ index.track_tags  # added tracks stay as they are
    track_tags = (sp.diags(in_catalog.astype(np.float32)) @ track_tags + ingested).tocsr()

    # Tag: hold out a share of each well-tagged artist's tags, from the artist and from its tracks.
    tag_train, tag_test = holdout_split(binarise(artist_tags), fraction, seed + 1)
    artist_tags_train = _drop(artist_tags, tag_test)
    track_tags = _drop(track_tags, (track_artist @ tag_test).tocsr())

    # CF: hold out a share of each HetRec listener's artists.
    hetrec = np.array([u.startswith("hetrec:") for u in full.users])
    cf_users = np.flatnonzero(hetrec)
    cf_items = np.flatnonzero(np.asarray(full.user_artist[cf_users].sum(axis=0)).ravel() > 0)
    cf_matrix = full.user_artist[cf_users][:, cf_items].tocsr()
    cf_train, cf_test = holdout_split(cf_matrix, fraction, seed + 2)
    held_plays = cf_test.tocoo()
    held_plays = sp.csr_matrix((held_plays.data, (cf_users[held_plays.row], cf_items[held_plays.col])),
                               shape=full.user_artist.shape)
    user_artist = _drop(full.user_artist, held_plays)  # the held-out plays leave the graph
    keep_users = np.array([u not in held_users for u in full.users], dtype=np.float32)
    train_inter = Interactions(full.users, full.artists, user_artist,
                               (sp.diags(keep_users) @ full.user_track).tocsr())
    held_mask = pl["playlist_id"].isin(held).to_numpy()
    return Split(train_inter, track_tags, artist_tags_train, cf_users, cf_items, cf_train, cf_test,
                 tag_train, tag_test, playlists, held_mask)


def _per_row(scorers: dict[str, Callable[[np.ndarray], np.ndarray]], train: sp.csr_matrix,
             test: sp.csr_matrix) -> dict[str, dict[str, np.ndarray]]:
    rows = np.flatnonzero(np.diff(test.indptr) > 0)
    return {name: rank_metrics(fn(rows), train, test, rows) for name, fn in scorers.items()}


def _against_best(per_row: dict[str, dict[str, np.ndarray]], seed: int, metric: str = "ndcg@100") -> dict[str, Any]:
    """GraphSAGE minus the best other model on `metric`, per row, with a paired-bootstrap 95 % interval."""
    best = max((m for m in per_row if m != "graphsage"), key=lambda m: per_row[m][metric].mean())
    return {"baseline": best, "metric": metric,
            **paired_difference(per_row["graphsage"][metric], per_row[best][metric], seed)}


def _baselines(train: sp.csr_matrix, seed: int) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    models: list[Scorer] = [Popularity(), ItemKNN(), EASE(), ALS(seed=seed)]
    return {m.name: m.fit(train).scores for m in models}


def seen_index(index: CatalogIndex, split: Split, words: Mapping[str, np.ndarray]) -> CatalogIndex:
    """The catalog as training saw it: held-out tags gone from every tag-derived feature, held-out playlists
    gone from the playlists a request's words can find."""
    derived = derive_track_vectors(split.track_tags, index.vocab, index.tag_emotion)
    keep = ~split.held_playlists
    return dataclasses.replace(
        index, track_tags=split.track_tags, **derived,
        playlist_names=index.playlist_names[keep], playlist_emb=index.playlist_emb[keep],
        playlist_tracks=index.playlist_tracks[np.flatnonzero(keep)],
        **projected_profiles(track_profiles(index.names.tolist(), derived["track_emb"], words), index.words_basis))


def as_ingested(index: CatalogIndex, catalog: Catalog, split: Split, words: Mapping[str, np.ndarray]
                ) -> tuple[CatalogIndex, np.ndarray]:
    """The ingest-then-ask protocol's catalog: tracks found only in held-out playlists arrive as new ones with
    nothing but their coarse genre label (and name, artist, audio features), as `suggestify ingest` takes them."""
    pl = catalog.playlists
    in_training = {t for ids in pl.loc[~split.held_playlists, "track_ids"] for t in ids}
    coarse: dict[str, str] = {}
    for genre, ids in pl.loc[split.held_playlists, ["genre", "track_ids"]].itertuples(index=False):
        for t in ids:
            if t not in in_training:
                coarse.setdefault(t, normalise_tag(str(genre)))
    rows = np.array(sorted(index.row_of[t] for t in coarse if t in index.row_of), dtype=np.int64)
    tags = split.track_tags.tolil()
    for row in rows:
        col = index.vocab.column(coarse[str(index.track_ids[row])])
        tags.rows[row], tags.data[row] = ([col], [1.0]) if col is not None else ([], [])
    new_split = dataclasses.replace(split, track_tags=tags.tocsr())
    return seen_index(index, new_split, words), rows


def evaluate(index: CatalogIndex, catalog: Catalog, parser: Parser, encode: Callable[[list[str]], np.ndarray],
             words: Mapping[str, np.ndarray], labelled: tuple[list[FitRequest], TrackFacts | None],
             config: SageConfig, seed: int = 0, progress: bool = True) -> dict[str, Any]:
    split = make_split(index, catalog, seed)
    graph = build_graph(index, split.train, split.track_tags, split.artist_tags)
    model, history = train(graph, dataclasses.replace(config, seed=seed), progress=progress)
    seen = seen_index(index, split, words)
    ranker = SageRanker.from_model(model, graph, split.train.artists, seen)
    served = GraphSAGERecommender(ranker, parser.text_vector)
    # Learned on the training playlists and the tune half of the labelled requests only.
    ranker.fusion, fusion_fit = learn_ranker_fusion(served, parser.parse, *labelled, seed=seed)
    report: dict[str, Any] = {"protocol": protocol(split, seed, config), "history": history,
                              "fusion": {"weights": ranker.fusion.to_dict(), **fusion_fit}}

    # CF: user × artist.
    def sage_cf(rows: np.ndarray) -> np.ndarray:
        users = torch.from_numpy(split.cf_users[rows])
        return ranker.user_artist_scores(users)[:, split.cf_items]

    per_row = {"cf": _per_row({"graphsage": sage_cf, **_baselines(split.cf_train, seed)}, split.cf_train, split.cf_test)}

    # Tag: artist × tag.
    emb = index.vocab.embeddings
    cbf_tag = binarise(split.tag_train) @ emb
    per_row["tag"] = _per_row({
        "graphsage": ranker.artist_tag_scores,
        "cbf": lambda rows: np.asarray(cbf_tag[rows] @ emb.T),
        **_baselines(split.tag_train, seed),
    }, split.tag_train, split.tag_test)

    # Text → playlist: the playlist's name is the request, read by Chat2Tag like a chat message; rank every track.
    names = [name for name, _ in split.playlists]
    intents = [parser.parse(name) for name in names]
    content = ContentRecommender(seen)
    text_emb = encode(names)
    per_row["text2playlist"] = _per_row(_text_rankers(served, content, intents, text_emb),
                                        *_relevance([r for _, r in split.playlists], index.size))

    # Ingest then ask: the held-out playlists' own tracks arrive as new, with coarse genre labels only.
    ingested, new_rows = as_ingested(index, catalog, split, words)
    new_ranker = SageRanker(model, ranker.layers, split.train.artists, ranker.trained_track_ids,
                            ranker.trained_interacted, ingested, ranker.fusion, as_new=new_rows)
    new_served = GraphSAGERecommender(new_ranker, parser.text_vector)
    asked = [(name, rows[np.isin(rows, new_rows)]) for name, rows in split.playlists]
    asked_rows = [i for i, (_, rows) in enumerate(asked) if len(rows)]
    per_row["ingest_then_ask"] = _per_row(
        _text_rankers(new_served, ContentRecommender(ingested), [intents[i] for i in asked_rows], text_emb[asked_rows]),
        *_relevance([asked[i][1] for i in asked_rows], index.size))
    report["protocol"]["ingest_then_ask"] = {"playlists": len(asked_rows), "new_tracks": int(len(new_rows))}

    for part, models in per_row.items():
        report[part] = {name: summarise(m) for name, m in models.items()}
    report["winner"] = {p: max(report[p], key=lambda m: report[p][m]["ndcg@100"]) for p in per_row}
    report["graphsage_vs_best"] = {p: _against_best(models, seed) for p, models in per_row.items()}
    return report


def _relevance(relevant: list[np.ndarray], n: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(empty train, test) matrices for queries whose relevant rows are given."""
    test = sp.csr_matrix((np.ones(sum(len(r) for r in relevant), np.float32),
                          (np.repeat(np.arange(len(relevant)), [len(r) for r in relevant]),
                           np.concatenate(relevant) if relevant else np.array([], np.int64))), shape=(len(relevant), n))
    return sp.csr_matrix(test.shape, dtype=np.float32), test


def _text_rankers(served: GraphSAGERecommender, content: ContentRecommender, intents: list[Intent],
                  text_emb: np.ndarray) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """The served fusion, the Tag model alone, the first release's ranking, plain sentence-embedding
    similarity of the request and the track's tags (cbf), and popularity."""
    ranker, index = served.ranker, served.index

    def fused(i: int) -> np.ndarray:
        intent = intents[i]
        vector = served.query_vector(intent.query) if served.query_vector and intent.query else None
        return ranker.fusion.combine(served.moment_signals(intent.weighted_tags, intent.sound, vector))

    return {
        "graphsage": lambda rows: np.stack([fused(int(r)) for r in rows]),
        "tag_model": lambda rows: np.stack([ranker.tag_parts(intents[r].weighted_tags)[1] for r in rows]),
        "content": lambda rows: np.stack([content.scores(Taste(), intents[r].weighted_tags)[0] for r in rows]),
        "cbf": lambda rows: text_emb[rows] @ index.track_emb.T,
        "popularity": lambda rows: np.tile(index.popularity, (len(rows), 1)),
    }


def protocol(split: Split, seed: int, config: SageConfig) -> dict[str, Any]:
    return {
        "seed": seed,
        "holdout_fraction": 0.2,
        "cf": {"users": int((np.diff(split.cf_test.indptr) > 0).sum()), "items_ranked": len(split.cf_items),
               "train_interactions": int(split.cf_train.nnz), "test_interactions": int(split.cf_test.nnz)},
        "tag": {"artists": int((np.diff(split.tag_test.indptr) > 0).sum()), "tags_ranked": split.tag_train.shape[1],
                "test_assignments": int(split.tag_test.nnz)},
        "text2playlist": {"playlists": len(split.playlists), "tracks_ranked": split.track_tags.shape[0]},
        "metrics": "NDCG@10/20/100, Recall@k = hits / min(|relevant|, k); training items excluded",
        "graphsage": config.to_dict(),
    }


# -- The validation slice: the retrain gate's yardstick ------------------------------------------------
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
    return dataclasses.replace(inter, user_artist=_drop(inter.user_artist, pairs))


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
