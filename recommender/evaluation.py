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
from recommender.index import CatalogIndex
from recommender.metrics import ABLATIONS, drop_pairs, holdout_split, paired_difference, rank_metrics, summarise
from recommender.sage import SageConfig
from recommender.fit_judge import FitRequest, TrackFacts
from recommender.fusion_training import learn_ranker_fusion
from recommender.intent import Intent
from recommender.playlist_folds import PlaylistFolds, hiding, without_labels
from recommender.ranking_policy import RULED_OUT
from recommender.serving import GraphSAGERecommender, SageRanker
from recommender.tagging import normalise_tag
from recommender.train_sage import train
from recommender.types import Taste

# The retrain gate's validation slice lives in recommender.validation; bot/train.py and jobs/retrain.py
# still import it from here.
from recommender.validation import (  # noqa: F401
    VALIDATION_METRIC,
    ValidationSlice,
    validation_scores,
    validation_slice,
    without_validation,
)



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
    rows, cols = [], []
    for tid, tags in catalog.own_tags.items():
        row = index.row_of.get(tid)
        for col in (c for c in map(index.vocab.column, tags) if c is not None and row is not None):
            rows.append(row)
            cols.append(col)
    own = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=index.track_tags.shape)
    track_artist = track_artist_matrix(index, full.artists)
    artist_tags = artist_tag_matrix(index, full.artists)
    from_artists = (track_artist @ artist_tags).tocsr()
    held_mask = pl["playlist_id"].isin(held).to_numpy()
    track_tags = without_labels(from_artists.maximum(own).tocsr(), index, pl, held_mask, from_artists)
    in_catalog = np.isin(index.track_ids, list(catalog.tracks.index))
    ingested = sp.diags((~in_catalog).astype(np.float32)) @ index.track_tags  # added tracks stay as they are
    track_tags = (sp.diags(in_catalog.astype(np.float32)) @ track_tags + ingested).tocsr()

    # Tag: hold out a share of each well-tagged artist's tags, from the artist and from its tracks.
    tag_train, tag_test = holdout_split(binarise(artist_tags), fraction, seed + 1)
    artist_tags_train = drop_pairs(artist_tags, tag_test)
    track_tags = drop_pairs(track_tags, (track_artist @ tag_test).tocsr())

    # CF: hold out a share of each HetRec listener's artists.
    hetrec = np.array([u.startswith("hetrec:") for u in full.users])
    cf_users = np.flatnonzero(hetrec)
    cf_items = np.flatnonzero(np.asarray(full.user_artist[cf_users].sum(axis=0)).ravel() > 0)
    cf_matrix = full.user_artist[cf_users][:, cf_items].tocsr()
    cf_train, cf_test = holdout_split(cf_matrix, fraction, seed + 2)
    held_plays = cf_test.tocoo()
    held_plays = sp.csr_matrix((held_plays.data, (cf_users[held_plays.row], cf_items[held_plays.col])),
                               shape=full.user_artist.shape)
    user_artist = drop_pairs(full.user_artist, held_plays)  # the held-out plays leave the graph
    keep_users = np.array([u not in held_users for u in full.users], dtype=np.float32)
    train_inter = Interactions(full.users, full.artists, user_artist,
                               (sp.diags(keep_users) @ full.user_track).tocsr())
    return Split(train_inter, track_tags, artist_tags_train, cf_users, cf_items, cf_train, cf_test,
                 tag_train, tag_test, playlists, held_mask)


def _per_row(scorers: dict[str, Callable[[np.ndarray], np.ndarray]], train: sp.csr_matrix,
             test: sp.csr_matrix) -> dict[str, dict[str, np.ndarray]]:
    rows = np.flatnonzero(np.diff(test.indptr) > 0)
    return {name: rank_metrics(fn(rows), train, test, rows) for name, fn in scorers.items()}


def _against_best(per_row: dict[str, dict[str, np.ndarray]], seed: int, metric: str = "ndcg@100") -> dict[str, Any]:
    """GraphSAGE minus the best other model on `metric`, per row, with a paired-bootstrap 95 % interval."""
    best = max((m for m in per_row if m != "graphsage" and m not in ABLATIONS), key=lambda m: per_row[m][metric].mean())
    return {"baseline": best, "metric": metric,
            **paired_difference(per_row["graphsage"][metric], per_row[best][metric], seed)}


def _baselines(train: sp.csr_matrix, seed: int) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    models: list[Scorer] = [Popularity(), ItemKNN(), EASE(), ALS(seed=seed)]
    return {m.name: m.fit(train).scores for m in models}


def seen_index(index: CatalogIndex, split: Split, words: Mapping[str, np.ndarray]) -> CatalogIndex:
    """The catalog as training saw it: held-out tags gone from every tag-derived feature, held-out playlists
    gone from the playlists a request's words can find."""
    return hiding(index, split.track_tags, split.held_playlists, words)


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
    return hiding(index, tags.tocsr(), split.held_playlists, words), rows


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
    folds = PlaylistFolds(model, index, catalog.playlists, split.train, split.track_tags, split.artist_tags, words,
                          parser.text_vector, hidden=split.held_playlists)
    ranker.fusion, fusion_fit = learn_ranker_fusion(served, parser.parse, folds, *labelled, seed=seed)
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
                            ranker.trained_interacted, ingested, ranker.fusion, as_new=new_rows,
                            artist_tags=ranker.artist_tags, completion=ranker.completion)
    new_served = GraphSAGERecommender(new_ranker, parser.text_vector)
    asked = [(name, rows[np.isin(rows, new_rows)]) for name, rows in split.playlists]
    asked_rows = [i for i, (_, rows) in enumerate(asked) if len(rows)]
    per_row["ingest_then_ask"] = _per_row(
        _text_rankers(new_served, ContentRecommender(ingested), [intents[i] for i in asked_rows], text_emb[asked_rows]),
        *_relevance([asked[i][1] for i in asked_rows], index.size))
    report["protocol"]["ingest_then_ask"] = {"playlists": len(asked_rows), "new_tracks": int(len(new_rows))}

    for part, models in per_row.items():
        report[part] = {name: summarise(m) for name, m in models.items()}
    report["winner"] = {p: max((m for m in report[p] if m not in ABLATIONS), key=lambda m: report[p][m]["ndcg@100"])
                        for p in per_row}
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
    """The served fusion with the request's constraints, the Tag model alone, the first release's ranking,
    plain sentence-embedding similarity of the request and the track's tags (cbf), and popularity; and two
    ablations that say where the served ranker's lead comes from: its fusion without the constraints, and
    cbf within them."""
    ranker, index = served.ranker, served.index

    def constrained(i: int, score: np.ndarray) -> np.ndarray:
        """Tracks the request's constraints rule out rank after every allowed one (serving never shows them)."""
        mask = served.allowed(intents[i].filters())
        return score if mask is None else np.where(mask, score, score - RULED_OUT)

    def fused(i: int) -> np.ndarray:
        intent = intents[i]
        vector = served.query_vector(intent.query) if served.query_vector and intent.query else None
        return ranker.fusion.combine(served.moment_signals(intent.weighted_tags, intent.sound, vector))

    def cbf(i: int) -> np.ndarray:
        return text_emb[i] @ index.track_emb.T

    return {
        "graphsage": lambda rows: np.stack([constrained(int(r), fused(int(r))) for r in rows]),
        "tag_model": lambda rows: np.stack([ranker.tag_scores(ranker.asked_columns(intents[r].weighted_tags))
                                            for r in rows]),
        "content": lambda rows: np.stack([content.scores(Taste(), intents[r].weighted_tags)[0] for r in rows]),
        "cbf": lambda rows: np.stack([cbf(int(r)) for r in rows]),
        "popularity": lambda rows: np.tile(index.popularity, (len(rows), 1)),
        "served_unconstrained": lambda rows: np.stack([fused(int(r)) for r in rows]),
        "cbf_constrained": lambda rows: np.stack([constrained(int(r), cbf(int(r))) for r in rows]),
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
