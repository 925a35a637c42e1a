"""The GraphSAGE recommender: graph shape, learning, inductive users and tracks, named filters."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from bot.app.wiring import App
from bot.core.messages import Incoming
from recommender.baselines import Popularity
from recommender.diversify import genre_tracks, genre_weight
from recommender.graph import (
    BY,
    COLISTENED,
    LISTENS,
    PLAYS,
    TRACK_TAG,
    Interactions,
    artist_nodes,
    build_graph,
    reverse,
)
from recommender.index import CatalogIndex
from recommender.metrics import (
    holdout_split,
    rank_metrics,
    summarise,
)
from recommender.names import artist_key
from recommender.sage import SageConfig
from recommender.serving import GraphSAGERecommender, SageRanker
from recommender.train_sage import train
from recommender.types import Filters, Taste, WeightedTag


def _slice(index: CatalogIndex, rows: np.ndarray) -> CatalogIndex:
    """The first tracks of the catalog, every per-track field cut alike."""
    per_track = {f.name for f in dataclasses.fields(index)
                 if isinstance(getattr(index, f.name), (np.ndarray, sp.spmatrix))
                 and getattr(index, f.name).shape[:1] == (index.size,)}
    values = {name: getattr(index, name)[rows] for name in per_track}
    return dataclasses.replace(index, playlist_tracks=index.playlist_tracks[:, rows].tocsr(), **values)


@pytest.fixture(scope="module")
def index(app: App) -> CatalogIndex:
    return CatalogIndex.load(app.settings.catalog_dir)


@pytest.fixture(scope="module")
async def small(app: App, index: CatalogIndex) -> tuple[CatalogIndex, list[tuple[str, str, str, float]]]:
    """3,000 tracks and the 300 HetRec listeners with the most artists."""
    sliced = _slice(index, np.arange(3000))
    cursor = app.storage.db["listening_events"].find({"source": "hetrec"}, {"user_id": 1, "item_id": 1, "weight": 1})
    events = [(e["user_id"], "artist", e["item_id"], float(e["weight"])) async for e in cursor]
    per_user: dict[str, int] = {}
    for u, *_ in events:
        per_user[u] = per_user.get(u, 0) + 1
    keep = set(sorted(per_user, key=lambda u: (-per_user[u], u))[:300])
    return sliced, [e for e in events if e[0] in keep]


def test_graph_has_expected_nodes_and_edges(index: CatalogIndex) -> None:
    sliced = _slice(index, np.arange(500))
    tid = [str(t) for t in sliced.track_ids[:3]]
    events = [("u1", "artist", str(sliced.artist_keys[0]), 10.0), ("u1", "track", tid[1], 1.0),
              ("u2", "track", tid[2], 5.0), ("u2", "track", tid[0], -5.0),  # a dislike is not an edge
              ("u3", "artist", "no such artist", 3.0), ("u3", "track", "no such track", 1.0)]
    artists = artist_nodes(sliced, [e[2] for e in events if e[1] == "artist"])
    inter = Interactions.from_events(events, artists, sliced.row_of, sliced.size)
    g = build_graph(sliced, inter)
    assert g["user"].num_nodes == 3
    assert g["track"].num_nodes == 500 and g["tag"].num_nodes == len(sliced.vocab)
    # A played artist is a node even when no track or tag knows it (HetRec has many).
    assert g["artist"].num_nodes == len(set(sliced.artist_keys) | set(sliced.artist_index) | {"no such artist"})
    assert g[PLAYS].edge_index.shape[1] == 2 and g[LISTENS].edge_index.shape[1] == 2
    assert g[BY].edge_index.shape[1] == 500
    assert g[TRACK_TAG].edge_index.shape[1] == sliced.track_tags.nnz
    for rel in (PLAYS, LISTENS, BY, TRACK_TAG):
        assert torch.equal(g[reverse(rel)].edge_index, g[rel].edge_index.flip(0))
    assert g["track"].x.shape == (500, 384 + 7 + 12) and not torch.isnan(g["track"].x).any()


def test_colistened_artists_link_what_the_same_listeners_play(index: CatalogIndex) -> None:
    sliced = _slice(index, np.arange(500))
    a = list(dict.fromkeys(str(k) for k in sliced.artist_keys))[:3]
    events = [("u1", "artist", a[0], 1.0), ("u1", "artist", a[1], 4.0), ("u2", "artist", a[0], 2.0),
              ("u2", "artist", a[1], 1.0), ("u3", "artist", a[2], 9.0)]
    artists = artist_nodes(sliced, [e[2] for e in events])
    g = build_graph(sliced, Interactions.from_events(events, artists, sliced.row_of, sliced.size))
    pos = {x: i for i, x in enumerate(artists)}
    # Two artists with the same listeners hear each other; one played alone has no neighbours, none itself.
    assert set(map(tuple, g[COLISTENED].edge_index.T.tolist())) == {(pos[a[0]], pos[a[1]]), (pos[a[1]], pos[a[0]])}


def test_trained_model_beats_popularity_on_a_slice(small) -> None:
    sliced, events = small
    artists = artist_nodes(sliced, [e[2] for e in events])
    full = Interactions.from_events(events, artists, sliced.row_of, sliced.size)
    cols = np.flatnonzero(np.asarray(full.user_artist.sum(axis=0)).ravel() > 0)
    matrix = full.user_artist[:, cols].tocsr()
    train_m, test_m = holdout_split(matrix, 0.2, seed=3)
    held = test_m.tocoo()
    held_full = sp.csr_matrix((held.data, (held.row, cols[held.col])), shape=full.user_artist.shape)
    kept = full.user_artist - full.user_artist.multiply(held_full.astype(bool))
    kept.eliminate_zeros()
    graph = build_graph(sliced, dataclasses.replace(full, user_artist=kept.tocsr()))
    model, history = train(graph, SageConfig(epochs=60, lr=0.01), progress=False)
    assert history[-1]["cf"] < history[0]["cf"]
    ranker = SageRanker.from_model(model, graph, artists, sliced)
    rows = np.flatnonzero(np.diff(test_m.indptr) > 0)
    sage = summarise(rank_metrics(ranker.user_artist_scores(torch.from_numpy(rows))[:, cols], train_m, test_m, rows))
    pop = summarise(rank_metrics(Popularity().fit(train_m).scores(rows), train_m, test_m, rows))
    assert sage["ndcg@100"] > pop["ndcg@100"] * 1.1, (sage, pop)
    # Serving embeds a listener from their artists alone (inductively): for a listener in the graph that must
    # be exactly the trained embedding, or every listener is served the same list.
    kept = kept.tocsr()
    for row in rows[:25]:
        taste = Taste(artists={artists[c]: 1.0 for c in kept.indices[kept.indptr[row]:kept.indptr[row + 1]]})
        np.testing.assert_allclose(ranker.user_vector(taste), ranker.layers[-1]["user"][row].numpy(), atol=1e-4)


def test_training_recovers_from_a_diverging_step(small, caplog: pytest.LogCaptureFixture) -> None:
    """At a learning rate far past stable (seed 2 diverged at 0.01 on the full graph), training goes back to
    its best weights at a lower rate instead of ending on a blown-up model."""
    sliced, events = small
    artists = artist_nodes(sliced, [e[2] for e in events])
    graph = build_graph(sliced, Interactions.from_events(events, artists, sliced.row_of, sliced.size))
    with caplog.at_level("WARNING", logger="recommender.train_sage"):
        _, history = train(graph, SageConfig(epochs=30, lr=3.0), progress=False)
    totals = [sum(h.values()) for h in history]
    assert "back to the best weights" in caplog.text
    assert all(np.isfinite(totals)) and totals[-1] < 2 * min(totals), totals


def test_training_takes_an_explicit_device_and_returns_a_cpu_model(small) -> None:
    """The GPU path, on the CPU: the graph is moved to the device given, the user inputs are built there, and
    the model comes back on the CPU, embedding new listeners."""
    import torch

    sliced, events = small
    artists = artist_nodes(sliced, [e[2] for e in events])
    graph = build_graph(sliced, Interactions.from_events(events, artists, sliced.row_of, sliced.size))
    model, history = train(graph, SageConfig(epochs=2), progress=False, on=torch.device("cpu"))
    assert len(history) == 2 and all(p.device.type == "cpu" for p in model.parameters())
    assert graph["artist"].x.device.type == "cpu"  # the caller's graph is left as it was
    layers = model(graph.x_dict, graph.edge_index_dict, graph["user"].num_nodes)
    user = model.embed(torch.zeros(model.config.hidden), "user", {}, layers)
    assert user.shape == (model.config.hidden,) and torch.isfinite(user).all()


async def test_new_user_from_three_named_artists_gets_personal_results(app: App) -> None:
    core = app.core
    anon = await core.handle(Incoming("console", "sage-anon", "sage-anon", "sunday afternoon with friends"))
    await core.handle(Incoming("console", "sage-fan", "sage-fan", "/taste Slayer, Metallica, Megadeth"))
    fan = await core.handle(Incoming("console", "sage-fan", "sage-fan", "sunday afternoon with friends"))
    assert {t.track_id for t in fan.playlist} != {t.track_id for t in anon.playlist}
    assert sum("because you play" in t.reason or "whom you play" in t.reason for t in fan.playlist) >= 5
    index = CatalogIndex.load(app.settings.catalog_dir)
    metal = [c for c, t in enumerate(index.vocab.tags) if "metal" in t or t in ("thrash", "hard rock")]

    def heavy(tracks) -> int:
        return sum(index.track_tags[index.row_of[t.track_id], metal].sum() > 0 for t in tracks)

    assert heavy(fan.playlist) > heavy(anon.playlist)


async def test_named_genre_request_returns_only_that_genre(app: App) -> None:
    reply = await app.core.handle(Incoming("console", "sage-genre", "sage-genre", "90s hip hop to cook dinner"))
    index = CatalogIndex.load(app.settings.catalog_dir)
    # Hip hop as the catalog knows it: the artist's Spotify genres first ("pop rap" is hip hop's family), never a
    # playlist's search label.
    hip_hop = genre_tracks(index, ["hip hop"])
    assert 0 < hip_hop.mean() < 0.5
    assert len(reply.playlist) == app.core.playlist_size
    for t in reply.playlist:
        assert hip_hop[index.row_of[t.track_id]], t
    more = await app.core.handle(Incoming("console", "sage-genre", "sage-genre", "/more"))
    for t in more.playlist:  # the filter holds for "more like this" too
        assert hip_hop[index.row_of[t.track_id]], t


def test_excluded_genre_and_named_artist(app: App, index: CatalogIndex) -> None:
    rec = app.core.s.recommender
    rap = genre_weight(index, ["rap"])
    tracks = rec.recommend(Taste(), [WeightedTag("energetic")], 20, filters=Filters(exclude_genres=frozenset({"rap"})))
    assert len(tracks) == 20
    assert all(rap[index.row_of[t.track_id]] < 0.25 for t in tracks)
    unfiltered = rec.recommend(Taste(), [WeightedTag("rap")], 20)
    assert any(rap[index.row_of[t.track_id]] >= 0.25 for t in unfiltered)  # the filter is what kept rap out
    only = rec.recommend(Taste(), [WeightedTag("rain")], 5, filters=Filters(artists=frozenset({"radiohead"})))
    assert only and all(artist_key(t.artist) == "radiohead" for t in only)


def test_ingested_track_is_embedded_without_retraining(app: App, index: CatalogIndex) -> None:
    from recommender.model_store import ModelStore

    store = ModelStore(app.settings.home / "models")
    path = store.path(store.current())
    row = index.row_of[str(index.track_ids[0])]
    # The same track under a new id: an inductive embedding close to the trained one (every per-track field
    # gets the row again, as `_slice` cuts them all alike).
    per_track = {f.name: getattr(index, f.name) for f in dataclasses.fields(index)
                 if isinstance(getattr(index, f.name), (np.ndarray, sp.spmatrix))
                 and getattr(index, f.name).shape[:1] == (index.size,)}
    again = {name: sp.vstack([v, v[row]]).tocsr() if sp.issparse(v) else np.concatenate([v, v[row: row + 1]])
             for name, v in per_track.items()}
    twin = dataclasses.replace(
        index, **{**again, "track_ids": np.concatenate([index.track_ids, np.array(["ingested-twin"])])},
        playlist_tracks=sp.hstack([index.playlist_tracks, sp.csr_matrix((index.playlist_tracks.shape[0], 1))]).tocsr(),
    )
    ranker = SageRanker.load(path, twin)
    assert ranker.completion is not None and ranker.artist_tags is not None  # the Tag model's EASE half travels
    new = twin.size - 1
    assert not ranker.interacted[new] and ranker.known_track[new] == -1
    sims = ranker.G_track_unit @ ranker.G_track_unit[new]
    assert sims[row] > 0.9  # nearest neighbours of the twin include the original
    taste = Taste(tracks={str(index.track_ids[row]): 5.0})
    recs = GraphSAGERecommender(ranker).recommend(taste, [], 20)
    assert recs and len({t.track_id for t in recs}) == len(recs)


async def test_switching_a_named_genre_off_lifts_its_filter(app: App) -> None:
    chat = "sage-lift"
    await app.core.handle(Incoming("console", chat, chat, "90s hip hop to cook dinner"))
    assert (await app.storage.sessions.load(f"console:{chat}"))["filters"]["genres"] == ["hip hop"]
    await app.core.handle(Incoming("console", chat, chat, "/toggle hip hop"))
    assert (await app.storage.sessions.load(f"console:{chat}"))["filters"]["genres"] == []


def test_new_tracks_embedded_in_one_batch_match_one_at_a_time(app: App, index: CatalogIndex) -> None:
    from recommender.graph import BY, TRACK_TAG, reverse, track_features
    from recommender.model_store import ModelStore

    store = ModelStore(app.settings.home / "models")
    ranker = SageRanker.load(store.path(store.current()), index)
    rows = np.array([0, 5, 11, 400])
    batch = ranker._embed_tracks(rows)
    features = track_features(index, index.track_tags, rows).astype(np.float32)
    with torch.no_grad():
        start = ranker.model.project["track"](torch.from_numpy(features))
    for i, row in enumerate(rows):
        artist = ranker.artist_pos.get(str(index.artist_keys[row]))
        neighbours = {reverse(BY): torch.tensor([] if artist is None else [artist], dtype=torch.long),
                      reverse(TRACK_TAG): torch.from_numpy(index.track_tags[row].indices.astype(np.int64))}
        one = ranker.model.embed(start[i], "track", neighbours, ranker.layers)
        torch.testing.assert_close(batch[i], one, atol=1e-5, rtol=1e-5)


def test_a_scaled_catalog_serves_its_copies_as_new_tracks(app: App, index: CatalogIndex) -> None:
    """`bench --catalog-scale`: copies with their own ids, the original's tags and playlists, embedded as new."""
    from recommender.model_store import ModelStore
    from recommender.synthetic import scaled_catalog

    store = ModelStore(app.settings.home / "models")
    part = _slice(index, np.arange(1500))
    big = scaled_catalog(part, 3)
    assert big.size == 3 * part.size and len(set(big.track_ids.tolist())) == big.size
    assert big.track_tags.shape == (big.size, part.track_tags.shape[1])
    np.testing.assert_allclose(np.asarray(big.playlist_tracks.sum(axis=1)).ravel(),  # a playlist's shares
                               np.asarray(part.playlist_tracks.sum(axis=1)).ravel(), rtol=1e-5)  # are kept
    assert big.playlist_tracks.shape == (part.playlist_tracks.shape[0], big.size)
    copy = part.size + 7  # the first copy of row 7
    assert big.names[copy] == f"{part.names[7]} (take 2)" and big.artist_keys[copy] == part.artist_keys[7]
    ranker = SageRanker.load(store.path(store.current()), big)
    assert ranker.known_track[copy] == -1 and not ranker.interacted[copy]  # the model never saw a copy
    assert int(np.argsort(-(ranker.G_track_unit @ ranker.G_track_unit[copy]))[1]) in (7, 2 * part.size + 7)
    recs = GraphSAGERecommender(ranker).recommend(Taste(), [WeightedTag("chill", 1.0)], 30)
    assert len(recs) == 30 and any("~" in r.track_id for r in recs)


def test_an_asked_tag_counts_its_near_synonyms_on_its_own_side_only(app: App, index: CatalogIndex) -> None:
    """"nostalgia" counts for "nostalgic" (both moods); the genre "new romantic" does not count for the mood
    "romantic", however close the words."""
    from recommender.index import MOOD_SIDE
    from recommender.model_store import ModelStore
    from recommender.ranker import SYNONYM_SIMILARITY

    vocab = index.vocab
    store = ModelStore(app.settings.home / "models")
    ranker = SageRanker.load(store.path(store.current()), index)

    mood_side = np.isin(np.asarray(vocab.categories), list(MOOD_SIDE))
    by_tag = index.track_tags.tocsc()

    def carrying_only(near: int, asked: int) -> int:
        """A track with the near word but with no tag that would count for the asked one on its own side."""
        same = np.flatnonzero((vocab.embeddings @ vocab.embeddings[asked] >= SYNONYM_SIMILARITY)
                              & (mood_side == mood_side[asked]))
        rows = set(by_tag[:, near].indices) - {r for c in same if c != near for r in by_tag[:, c].indices}
        assert rows
        return min(rows)

    for asked, near, counts in (("nostalgic", "nostalgia", True), ("romantic", "new romantic", False)):
        col, other = vocab.column(asked), vocab.column(near)
        assert float(vocab.embeddings[col] @ vocab.embeddings[other]) >= SYNONYM_SIMILARITY  # close words, both
        row = carrying_only(other, col)
        observed = ranker.observed(ranker.asked_columns([WeightedTag(asked, 1.0)]))
        assert bool(observed[row] > 0) is counts, (asked, near)


async def test_a_catalog_ranked_in_two_stages_keeps_exact_rankings_playlists(app: App, index: CatalogIndex) -> None:
    """Above `exact_up_to` tracks the costly signals score only a shortlist, standardised over a sample. With the
    whole catalog as both, the playlists are exact ranking's; with the default shortlist they keep most of them;
    a named artist's tracks are found however far down the first stage puts them."""
    from recommender.model_store import ModelStore
    from recommender.shortlist import Shortlist

    store = ModelStore(app.settings.home / "models")
    ranker = SageRanker.load(store.path(store.current()), index)
    text_vector = app.core.s.chat2tag.text_vector
    exact = GraphSAGERecommender(ranker, text_vector)
    assert exact.shortlist is None  # the real catalog ranks exactly
    staged = GraphSAGERecommender(ranker, text_vector, exact_up_to=0)
    whole = GraphSAGERecommender(ranker, text_vector, exact_up_to=0)
    whole.shortlist = Shortlist(index.size, share=1.0, sample=index.size)
    listeners = [Taste(), await app.core.taste_of("hetrec:2")]
    kept = []
    for text in ("rainy sunday morning, feeling nostalgic", "pumping iron at the gym", "quiet focus music for studying"):
        intent = await app.core.s.chat2tag.understand(text)
        for taste in listeners:
            def playlist(rec: GraphSAGERecommender) -> list[str]:
                return [t.track_id for t in rec.recommend(taste, intent.weighted_tags, 20, filters=intent.filters(),
                                                          sound=intent.sound, text=intent.query)]
            want = playlist(exact)
            assert playlist(whole) == want
            kept.append(len(set(playlist(staged)) & set(want)) / 20)
    assert np.mean(kept) >= 0.85 and min(kept) >= 0.6, kept
    queen = staged.recommend(Taste(), [WeightedTag("sad")], 10, filters=Filters(artists=frozenset({"queen"})))
    assert len(queen) == 10 and all(artist_key(t.artist) == "queen" for t in queen)
