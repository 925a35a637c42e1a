"""Serving the trained GraphSAGE model: everything is loaded once into matrices,
aligned to the current catalog index, and each request is a few matrix products.

The playlist follows the original report's second release: the Tag model scores how
well each track fits the chosen tags; a track filter sends tracks with listening
history to the CF model and tracks without it (new releases) to the CBF model; the two
ranked lists are interleaved; named filters exclude what the listener ruled out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch_geometric.data import HeteroData

from recommender.catalog import spotify_uri, spotify_url
from recommender.diversify import MAX_PER_ARTIST, allowed, pick, top_order
from recommender.fusion import Fusion, z
from recommender.graph import BY, LISTENS, PLAYS, TRACK_TAG, reverse, track_features
from recommender.index import CatalogIndex
from recommender.names import fold
from recommender.sage import GraphSAGE, SageConfig
from recommender.sound import SoundSpace
from recommender.text_match import TextMatch, WordVector
from recommender.train_sage import all_edges
from recommender.types import NO_FILTERS, Filters, Recommendation, Taste, WeightedTag

# The moment's fused fit is standardised, then taste counts alike: one mood playlist then differs between
# listeners (pairwise Jaccard 0.29 over 40 HetRec listeners; 0.40 at 0.6) for 0.011 of their fit@10 (tune half).
TASTE_WITH_TAGS = 1.0
TRACK_CF_WEIGHT = 0.3  # CF through the track itself, beside CF through its artist
SYNONYM_SIMILARITY = 0.7  # "nostalgia" ~ "nostalgic" 0.72, "rainy day" ~ "rain" 0.81 (MiniLM)


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


class SageRanker:
    """The model as matrices over the current index's rows (tracks ingested after training are embedded
    inductively from their artist and tags)."""

    def __init__(self, model: GraphSAGE, layers: list[dict[str, torch.Tensor]], artists: list[str],
                 track_ids: list[str], interacted: np.ndarray, index: CatalogIndex,
                 fusion: Fusion | None = None, as_new: np.ndarray | None = None) -> None:
        """`as_new`: index rows embedded from their artist and tags as if ingested after training."""
        self.model, self.layers, self.artists, self.index = model, layers, artists, index
        self.fusion = fusion or Fusion()  # learned after training (`learn_ranker_fusion`), saved with the model
        self.trained_track_ids = track_ids
        self.trained_interacted = interacted
        self.artist_pos = {a: i for i, a in enumerate(artists)}
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
        return cls(model, layers, artists, index.track_ids.tolist(), interacted, index)

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
        return cls(model, saved["layers"], saved["artists"], saved["track_ids"], saved["interacted"].numpy(), index,
                   fusion)

    def _embed_tracks(self, rows: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(track_features(self.index, self.index.track_tags, rows).astype(np.float32))
        with torch.no_grad():
            start = self.model.project["track"](x)
        out = []
        for i, row in enumerate(rows):
            artist = self.artist_pos.get(str(self.index.artist_keys[row]))
            neighbours = {
                reverse(BY): torch.tensor([] if artist is None else [artist], dtype=torch.long),
                reverse(TRACK_TAG): torch.from_numpy(self.index.track_tags[row].indices.astype(np.int64)),
            }
            out.append(self.model.embed(start[i], "track", neighbours, self.layers))
        return torch.stack(out)

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
        return self.G_artist[rows] @ self.G_tag.T

    def tag_query(self, tags: list[WeightedTag]) -> np.ndarray | None:
        cols = [(self.index.vocab.column(t.tag), t.weight) for t in tags]
        cols = [(c, w) for c, w in cols if c is not None and w > 0]
        if not cols:
            return None
        return sum(w * self.G_tag[c] for c, w in cols) / sum(w for _, w in cols)

    def tag_scores(self, tags: list[WeightedTag]) -> np.ndarray:
        """The Tag model: predicted track–tag links."""
        q = self.tag_query(tags)
        return self.G_track @ q if q is not None else np.zeros(self.index.size, np.float32)

    def tag_parts(self, tags: list[WeightedTag]) -> tuple[np.ndarray, np.ndarray]:
        """(share of the asked-for tag weight each track carries, the Tag model's predicted fit): the links we
        know and the links the model predicts, which the fusion weighs."""
        vocab = self.index.vocab
        asked = [(col, t.weight) for t in tags if (col := vocab.column(t.tag)) is not None and t.weight > 0]
        if not asked:
            zeros = np.zeros(self.index.size, np.float32)
            return zeros, zeros
        # A near-synonym counts as the tag itself ("nostalgia" for "nostalgic").
        cols = [c for c, _ in asked]
        sims = vocab.embeddings @ vocab.embeddings[cols].T * np.array([w for _, w in asked], np.float32)
        weights = np.where(sims >= SYNONYM_SIMILARITY, sims, 0.0).max(axis=1)
        weights[cols] = [w for _, w in asked]
        total = sum(w for _, w in asked)
        observed = np.minimum(np.asarray(self.index.track_tags @ weights).ravel() / total, 1.0)
        return observed.astype(np.float32), self.tag_scores(tags)

    def cf_scores(self, user: np.ndarray) -> np.ndarray:
        """Standardised CF fit of every track: mostly through its artist (what the CF model learnt from
        plays, and what the evaluation measures), a little through the track itself (playlist co-occurrence)."""
        by_artist = np.asarray(self.A @ user + self.artist_bias)[np.maximum(self.track_artist, 0)]
        by_artist = np.where(self.track_artist >= 0, by_artist, by_artist.min())
        return z(by_artist, clip=None) + TRACK_CF_WEIGHT * z(self.T @ user + self.track_bias, clip=None)

    def cbf_scores(self, taste: Taste) -> np.ndarray:
        """Tracks like the listener's tracks and artists, in the tag space (no listening needed)."""
        artists, rows = self._taste_items(taste)
        parts = [self.G_artist[artists]] if artists else []
        if rows:
            parts.append(self.G_track[rows])
        if not parts:
            return np.zeros(self.index.size, np.float32)
        profile = _unit(np.vstack(parts).mean(axis=0))
        return self.G_track_unit @ profile


_SEASONAL = re.compile(r"christmas|xmas|x mas|navidad|noel|weihnacht|silent night|jingle|santa|sleigh|"
                       r"holly jolly|mistletoe|snowman|let it snow|feliz navidad|last christmas|white christmas")
_SEASON_ASKED = re.compile(r"christmas|xmas|holiday|winter|snow|navidad|noel|weihnacht|december|festive|"
                           r"크리스마스|クリスマス|겨울|冬")


def seasonal_rows(index: CatalogIndex) -> np.ndarray:
    """Christmas songs, by title or by the artist's Spotify genre (a Last.fm tag on the artist would take all of
    Mariah Carey's songs): only when the request asks for the season."""
    by_title = np.array([bool(_SEASONAL.search(fold(str(n)))) for n in index.names])
    col = index.vocab.column("christmas")
    return by_title if col is None else by_title | (index.track_genres[:, col].toarray().ravel() > 0)


def asks_for_the_season(text: str, tags: list[WeightedTag]) -> bool:
    return bool(_SEASON_ASKED.search(text.lower()) or any(_SEASON_ASKED.search(t.tag) for t in tags))


class GraphSAGERecommender:
    """The `Recommender` interface over a `SageRanker`.

    One ranking for every track, old or new: how well it fits the moment (its tags, observed and predicted
    by the Tag model; how close it sounds to the request's target; what the request's words say through
    the playlists named like it and the track's own profile), fused with learned weights, plus how well it
    fits the listener (the CF model for tracks with listening history, the CBF model for tracks without:
    new releases compete on content fit like any other track). Named constraints are hard filters."""

    def __init__(self, ranker: SageRanker, query_vector: WordVector | None = None) -> None:
        self.ranker = ranker
        self.index = ranker.index
        self.query_vector = query_vector  # request text -> word-mean vector (Chat2Tag's cached word embeddings)
        self.space = SoundSpace(self.index.features, self.index.feature_bounds, self.index.va)
        self.text = TextMatch(self.index.playlist_emb, self.index.playlist_tracks, self.index.track_words,
                              self.index.words_basis)
        self._allowed = lru_cache(maxsize=256)(partial(allowed, self.index))  # filters repeat across requests
        self._names = self.index.artist_display_names()
        self.seasonal = seasonal_rows(self.index)

    def moment_signals(self, tags: list[WeightedTag], sound: Mapping[str, float], query: np.ndarray | None,
                       skip_playlist: int | None = None) -> dict[str, np.ndarray]:
        """Every content signal for a request, unscaled (the fusion standardises them)."""
        signals = {"popularity": self.index.popularity}
        if tags:
            signals["observed"], signals["tags"] = self.ranker.tag_parts(tags)
        if sound:
            signals["sound"] = self.space.fit(sound)
        if query is not None:
            signals["playlists"] = self.text.playlists(query, skip_playlist)
            signals["words"] = self.text.words(query)
        return signals

    def recommend(self, taste: Taste, tags: list[WeightedTag], k: int = 20, exclude: frozenset[str] = frozenset(),
                  filters: Filters = NO_FILTERS, sound: Mapping[str, float] | None = None, text: str = ""
                  ) -> list[Recommendation]:
        r = self.ranker
        sound = dict(sound or {})
        query = self.query_vector(text) if text and self.query_vector else None
        fit = z(r.fusion.combine(self.moment_signals(tags, sound, query)), clip=None)  # its head is the list
        user = r.user_vector(taste)
        known = {a for a, w in taste.artists.items() if w > 0}
        score = fit
        if user is not None:
            taste_fit = np.where(r.interacted, r.cf_scores(user), z(r.cbf_scores(taste), clip=None))
            score = fit + TASTE_WITH_TAGS * taste_fit
        per_artist = k if filters.artists else MAX_PER_ARTIST  # "songs by Queen": all Queen, as many as asked
        mask = self._allowed(filters)
        if mask is not None:  # before the head is cut: 130 Queen tracks may all rank below the first 2,000
            score = np.where(mask, score, -np.inf)
        if not asks_for_the_season(text, tags):  # "Silent Night" on a rainy Sunday in May reads wrong at once
            score = np.where(self.seasonal, -np.inf, score)
        rows = pick(self.index, top_order(score, k), k, exclude, known, mask, per_artist)
        user_artists = [] if taste.shared else [r.artist_pos[a] for a in known if a in r.artist_pos]
        user_matrix = r.A_unit[user_artists]  # once per request, not once per track
        chosen = [(self.index.vocab.column(t.tag), t.tag) for t in tags]
        return [self._item(row, float(score[row]), chosen, user_artists, user_matrix, set() if taste.shared else known,
                           set(filters.artists),
                           bool(r.interacted[row]), sound, taste.asked) for row in rows]

    def _item(self, row: int, score: float, chosen: list[tuple[int | None, str]], user_artists: list[int],
              user_matrix: np.ndarray, known: set[str], named: set[str], has_history: bool, sound: Mapping[str, float], asked: bool = False
              ) -> Recommendation:
        idx, r = self.index, self.ranker
        tags = idx.track_tags
        lo, hi = tags.indptr[row], tags.indptr[row + 1]  # the row's slice: scipy's row indexing costs ~50 µs
        weights = dict(zip(tags.indices[lo:hi].tolist(), tags.data[lo:hi].tolist()))
        ordered = [idx.vocab.tags[c] for c in sorted(weights, key=lambda c: -weights[c])]
        parts = []
        sounds = self.space.describe(row, sound) if sound else ""
        if sounds:
            parts.append(sounds)
        artist_key = str(idx.artist_keys[row])
        if artist_key in named or (artist_key in known and asked):
            parts.append(f"by {idx.artists[row]}, as asked")
        elif user_artists:
            if artist_key in known:
                parts.append(f"by {idx.artists[row]}, whom you play")
            elif r.track_artist[row] >= 0:
                sims = user_matrix @ r.A_unit[r.track_artist[row]]
                nearest = self._names.get(r.artists[user_artists[int(np.argmax(sims))]], "an artist you play")
                parts.append(f"sounds like {nearest}" if asked else f"because you play {nearest}")
        if not has_history:
            parts.insert(0, "new here")
        matched = [name for col, name in chosen if col is not None and weights.get(col, 0) > 0]
        if matched:
            parts.append("tagged " + ", ".join(matched[:3]))
        elif chosen and not sounds:
            parts.append("often played beside " + chosen[0][1] + " music")
        if not parts:
            parts.append("popular pick")
        tid = str(idx.track_ids[row])
        return Recommendation(track_id=tid, name=str(idx.names[row]), artist=str(idx.artists[row]),
                              uri=spotify_uri(tid), url=spotify_url(tid), tags=ordered[:6], score=round(score, 4),
                              reason="; ".join(parts))
