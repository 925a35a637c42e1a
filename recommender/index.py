"""The serving snapshot of the catalog: every matrix a recommender needs, built
once by `suggestify build` and loaded in one read at start-up."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from spacy.lang.en.stop_words import STOP_WORDS as SPACY_STOP_WORDS

from recommender.catalog import Catalog, feature_matrix
from recommender.closeness import closeness_to, unit_rows
from recommender.emotion import PrototypeEmotionScorer
from recommender.encoder import TextEncoder
from recommender.genre_names import GenreNames, name_matrix
from recommender.names import title_key, track_key
from recommender.occasions import in_playlists_for, titled
from recommender.sound import AUDIO_DIMS
from recommender.text_match import (
    playlist_matrix,
    principal_basis,
    track_profiles,
    with_missing_words,
)
from recommender.vocabulary import Vocabulary

OWN_TAG_WEIGHT = 1.0
PLAYLIST_LABEL_WEIGHT = 0.3  # a playlist's search label is weak evidence where the artist's genres are known
GENRE_WEIGHT = 0.6
ARTIST_TAG_WEIGHT = 0.8
ARTIST_TAG_LIMIT = 20
# A genre only one listener gave an artist that several people tagged is that listener's word, not the artist's:
# lone "anime" votes sat on Gloria Estefan, Michelle Branch and Phil Collins. Moods stay: they are personal, and
# most of them rest on one vote (dropping lone votes everywhere left "nostalgic" on 1 track of 23, "angry" on 0).
# An artist few people tagged keeps every tag: that is all there is to know.
LONE_VOTE_TOP = 4
ABSENT_MAX_TRACKS = 3  # a genre fewer tracks carry as a tag is one the catalog lacks
OCCASIONS = frozenset({"karaoke"})  # Spotify genres that name what people do, not what plays


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


MOOD_SIDE = frozenset({"mood", "situation", "season", "time_of_day"})  # the hyper-personalised side
TASTE_SIDE = frozenset({"genre"})  # taste models use genre tags only (original report §3.2.3)


@dataclass
class CatalogIndex:
    track_ids: np.ndarray  # (n,) str
    names: np.ndarray
    artists: np.ndarray  # display names
    artist_keys: np.ndarray
    popularity: np.ndarray  # (n,) in [0, 1]
    features: np.ndarray  # (n, 12) audio features min–max normalised to [0, 1]
    feature_bounds: np.ndarray  # (2, 12) the min and max used, so new tracks scale alike
    years: np.ndarray  # (n,) album release year (0: unknown)
    va: np.ndarray  # (n, 2) valence and arousal in [0, 1] (Deezer, or predicted from the audio features)
    track_tags: sp.csr_matrix  # (n, n_tags) weights in [0, 1]
    track_genres: sp.csr_matrix  # (n, n_tags) 1 for each of the artist's Spotify genres (an ingested track's own)
    genre_names: np.ndarray  # (g,) every genre the catalog's artists carry, as Spotify writes it (`genre_names`)
    track_genre_names: sp.csr_matrix  # (n, g) which of them each track's artist carries
    track_emb: np.ndarray  # (n, dim) mean of all its tags' text embeddings
    track_mood_emb: np.ndarray  # (n, dim) mean over mood/situation/season/time tags
    track_genre_emb: np.ndarray  # (n, dim) mean over genre tags
    track_emotion: np.ndarray  # (n, 7) Ekman + neutral, from its mood-side tags
    tag_emotion: np.ndarray  # (n_tags, 7)
    tag_track_emb: np.ndarray  # (n_tags, dim + 7 + 12) mean of the tracks carrying the tag
    artist_index: np.ndarray  # (m,) artist keys that carry tags
    artist_names: np.ndarray
    artist_tags: sp.csr_matrix  # (m, n_tags)
    artist_emb: np.ndarray  # (m, dim + 7 + 12) mean of the artist's tracks (zeros without tracks)
    playlist_names: np.ndarray  # (p,) the catalog playlists' names
    playlist_emb: np.ndarray  # (p, dim) their names' sentence embeddings
    playlist_tracks: sp.csr_matrix  # (p, n) their members, rows summing to one
    track_words: np.ndarray  # (n, 128) each track's profile (tags, genres, title words) on `words_basis`
    words_basis: np.ndarray  # (dim, 128) the profiles' principal directions
    vocab: Vocabulary
    # Genres Spotify names that no catalog track carries ("klezmer"): a request naming one is told there is none.
    absent_genres: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    # How each Spotify genre sounds (`catalog_truth.genre_sounds`), NaN where it is like music in general.
    genre_sound_names: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    genre_sound: np.ndarray = field(default_factory=lambda: np.zeros((0, len(AUDIO_DIMS)), np.float32))
    # (genre, neighbour) pairs, nearest first (`catalog_truth.genre_neighbours`): what to offer for a lacking genre.
    genre_neighbours: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=str))

    def __post_init__(self) -> None:
        self.row_of = {t: i for i, t in enumerate(self.track_ids.tolist())}
        self.genres = GenreNames(self.genre_names, self.track_genre_names)
        self.artist_row = {a: i for i, a in enumerate(self.artist_index.tolist())}
        # Each track's row in artist_tags (-1: its artist carries no tags).
        self.track_artist_row = np.array([self.artist_row.get(a, -1) for a in self.artist_keys.tolist()], dtype=np.int64)
        self._song_keys: dict[int, str] = {}
        self._song_titles: dict[int, str] = {}
        self._occasions: dict[str, np.ndarray] = {}
        self._unit_tags: sp.csr_matrix | None = None

    def about_occasion(self, occasion: str) -> np.ndarray:
        """Which tracks are about an occasion ("christmas"): by title, or held by a playlist made for it; worked
        out once (~0.3 s on 28k titles)."""
        if occasion not in self._occasions:
            by_title = titled(self.names, occasion)
            made_for = in_playlists_for(occasion, self.playlist_names, self.playlist_tracks, by_title)
            self._occasions[occasion] = by_title | made_for
        return self._occasions[occasion]

    def song_key(self, row: int) -> str:
        """The song a row is a recording of (one song often has several track ids); memoised, since
        folding names is the slow part of picking a playlist and the same rows come up again and again."""
        key = self._song_keys.get(row)
        if key is None:
            key = self._song_keys[row] = track_key(str(self.artist_keys[row]), str(self.names[row]))
        return key

    def song_title(self, row: int) -> str:
        """The title alone, remixes and all versions set aside ("One Kiss (with Dua Lipa) - Jauz Remix": "one
        kiss"): a playlist holds a song once, whoever remixed or covered it."""
        title = self._song_titles.get(row)
        if title is None:
            title = self._song_titles[row] = title_key(str(self.names[row]).partition(" - ")[0])
        return title

    def tags_of(self, row: int) -> list[str]:
        """A track's tags, heaviest first (equal weights in column order)."""
        tags = self.track_tags
        lo, hi = tags.indptr[row], tags.indptr[row + 1]  # the row's slice: scipy's row indexing costs ~50 µs
        weighted = sorted(zip(tags.indices[lo:hi].tolist(), tags.data[lo:hi].tolist()), key=lambda p: -p[1])
        return [self.vocab.tags[c] for c, _ in weighted]

    def tag_closeness(self, rows: np.ndarray) -> np.ndarray:
        """(n,) the cosine of each track's tags with the mean of `rows`' (an artist named in "like X"): the
        words listeners use for X's songs ("singer songwriter", "acoustic", "british", "2010s") set X apart from
        artists that only share its broad genres (Ed Sheeran's pop and uk pop are Dua Lipa's too)."""
        if self._unit_tags is None:  # made on first use
            self._unit_tags = unit_rows(self.track_tags)
        return closeness_to(self._unit_tags, rows)

    def tagged(self, tags: Iterable[str], at_least: float) -> np.ndarray:
        """(n,) whether each track carries any of these tags with at least this weight."""
        cols = [c for t in tags if (c := self.vocab.column(t)) is not None]
        if not cols:
            return np.zeros(self.size, dtype=bool)
        return np.asarray((self.track_tags[:, cols] >= at_least).sum(axis=1)).ravel() > 0

    def artist_display_names(self) -> dict[str, str]:
        """Artist key → name as people write it: the tagged artists' names, else the name on a track."""
        names = dict(zip(self.artist_index.tolist(), self.artist_names.tolist()))
        for key, name in zip(self.artist_keys.tolist(), self.artists.tolist()):
            names.setdefault(key, name)
        return names

    @property
    def size(self) -> int:
        return len(self.track_ids)

    def track_vectors(self) -> np.ndarray:
        """The original report's track embedding: tag text ⊕ tag emotion ⊕ audio features."""
        return np.hstack([self.track_emb, self.track_emotion, self.features])

    # -- persistence: one file, one read ------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"tag_emb": self.vocab.embeddings}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, sp.spmatrix):
                m = value.tocsr()
                arrays.update({f"{f.name}.data": m.data, f"{f.name}.indices": m.indices,
                               f"{f.name}.indptr": m.indptr, f"{f.name}.shape": np.array(m.shape)})
            elif isinstance(value, np.ndarray):
                arrays[f.name] = value
        tmp = directory / "index.npz.tmp"
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        (directory / "vocab.json").write_text(json.dumps({"vocab": self.vocab.records()}, ensure_ascii=False))
        tmp.replace(directory / "index.npz")  # readers never see a half-written index

    @classmethod
    def load(cls, directory: Path) -> "CatalogIndex":
        z = np.load(directory / "index.npz", allow_pickle=False)
        records = json.loads((directory / "vocab.json").read_text())["vocab"]
        vocab = Vocabulary(
            tags=[r["tag"] for r in records],
            categories=[r["category"] for r in records],
            counts=[int(r["count"]) for r in records],
            aliases=[list(r["aliases"]) for r in records],
            embeddings=z["tag_emb"],
        )
        values: dict[str, object] = {"vocab": vocab}
        for f in fields(cls):
            if f.name in z.files:
                values[f.name] = z[f.name]
            elif f"{f.name}.data" in z.files:
                values[f.name] = sp.csr_matrix(
                    (z[f"{f.name}.data"], z[f"{f.name}.indices"], z[f"{f.name}.indptr"]),
                    shape=tuple(z[f"{f.name}.shape"]),
                )
        return cls(**values)  # type: ignore[arg-type]

    @staticmethod
    def exists(directory: Path) -> bool:
        return (directory / "index.npz").exists() and (directory / "vocab.json").exists()


def artist_tag_weights(catalog: Catalog, vocab: Vocabulary, key: str) -> dict[int, float]:
    """An artist's strongest user tags (scaled by how often they were given) and its Spotify genres."""
    weights: dict[int, float] = {}
    counts = catalog.artist_tags.get(key) or {}
    top = [(vocab.column(t), n) for t, n in sorted(counts.items(), key=lambda p: -p[1])]
    top = [(col, n) for col, n in top if col is not None]
    if top and top[0][1] >= LONE_VOTE_TOP:
        top = [(col, n) for col, n in top if n > 1 or vocab.categories[col] != "genre"]
    top = top[:ARTIST_TAG_LIMIT]
    for col, n in top:
        weights[col] = max(weights.get(col, 0.0), ARTIST_TAG_WEIGHT * float(np.sqrt(n / top[0][1])))
    for genre in catalog.artist_genres.get(key, []):
        col = vocab.column(genre)
        if col is not None:
            weights[col] = max(weights.get(col, 0.0), GENRE_WEIGHT)
    return weights


def absent_genres(world: list[str], carried: np.ndarray, tag_tracks: np.ndarray, vocab: Vocabulary,
                  common: Iterable[str]) -> np.ndarray:
    """Genres a listener may name that the catalog has (almost) nothing of: no track's artist carries the name,
    fewer than `ABSENT_MAX_TRACKS` tracks carry it as a tag, and no word of it is an everyday English word ("yoga",
    "reading" and "final fantasy" are Spotify genres too: a request naming them is about the moment)."""
    have, everyday = set(carried.tolist()), set(common) | SPACY_STOP_WORDS | OCCASIONS

    def rare(genre: str) -> bool:
        col = vocab.column(genre)
        return col is None or tag_tracks[col] < ABSENT_MAX_TRACKS

    return np.asarray(sorted(g for g in world if g not in have and len(g) >= 4 and rare(g)
                             and not any(w in everyday for w in g.split())), dtype=str)


def _mean_rows(weights: sp.csr_matrix, values: np.ndarray) -> np.ndarray:
    total = np.asarray(weights.sum(axis=1)).ravel()
    return (np.asarray(weights @ values) / np.where(total > 0, total, 1.0)[:, None]).astype(np.float32)


def _columns(matrix: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    return (matrix @ sp.diags(keep.astype(np.float32))).tocsr()


def derive_track_vectors(
    track_tags: sp.csr_matrix, vocab: Vocabulary, tag_emotion: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-track embeddings from its tag row: all tags, mood side, genre side, emotion."""
    categories = np.array(vocab.categories)
    mood_tags = _columns(track_tags, np.isin(categories, list(MOOD_SIDE)))
    genre_tags = _columns(track_tags, np.isin(categories, list(TASTE_SIDE)))
    # Tracks without mood-side tags take the emotion of all their tags.
    bare = np.asarray(mood_tags.sum(axis=1)).ravel() == 0
    emotion_source = sp.diags((~bare).astype(np.float32)) @ mood_tags + sp.diags(bare.astype(np.float32)) @ track_tags
    return {
        "track_emb": _normalise_rows(np.asarray(track_tags @ vocab.embeddings)),
        "track_mood_emb": _normalise_rows(np.asarray(mood_tags @ vocab.embeddings)),
        "track_genre_emb": _normalise_rows(np.asarray(genre_tags @ vocab.embeddings)),
        "track_emotion": _mean_rows(emotion_source.tocsr(), tag_emotion),
    }


def projected_profiles(profiles: np.ndarray, basis: np.ndarray | None = None) -> dict[str, np.ndarray]:
    basis = principal_basis(profiles) if basis is None else basis
    return {"track_words": np.ascontiguousarray(profiles @ basis), "words_basis": basis}


def build_index(catalog: Catalog, vocab: Vocabulary, encoder: TextEncoder,
                words: Mapping[str, np.ndarray] | None = None) -> CatalogIndex:
    """`words`: the common-word table (word -> embedding) the text signals are made of."""
    tracks = catalog.tracks
    n_tags = len(vocab)
    artist_cache: dict[str, dict[int, float]] = {}
    rows, cols, vals = [], [], []
    for row, (tid, key) in enumerate(zip(tracks.index, tracks["artist_key"])):
        weights = dict(artist_cache.setdefault(key, artist_tag_weights(catalog, vocab, key)))
        label_weight = PLAYLIST_LABEL_WEIGHT if weights else OWN_TAG_WEIGHT
        for tag in catalog.own_tags.get(tid, []):
            col = vocab.column(tag)
            if col is not None:
                own = OWN_TAG_WEIGHT if vocab.categories[col] == "era" else label_weight
                weights[col] = max(weights.get(col, 0.0), own)
        for col, w in weights.items():
            rows.append(row)
            cols.append(col)
            vals.append(w)
    track_tags = sp.csr_matrix(
        (np.asarray(vals, np.float32), (rows, cols)), shape=(len(tracks), n_tags), dtype=np.float32
    )
    tag_emotion = PrototypeEmotionScorer(encoder).from_embeddings(vocab.embeddings)
    derived = derive_track_vectors(track_tags, vocab, tag_emotion)
    features, bounds = feature_matrix(tracks)
    full = np.hstack([derived["track_emb"], derived["track_emotion"], features])
    # Tag embedding = mean of the tracks carrying it; artist embedding = mean of its tracks.
    tag_track_emb = _mean_rows(track_tags.T.tocsr(), full)

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
    artist_pos = {k: i for i, k in enumerate(tagged)}
    members = [(artist_pos[k], r) for r, k in enumerate(tracks["artist_key"]) if k in artist_pos]
    owner = sp.csr_matrix(
        (np.ones(len(members), np.float32), ([m[0] for m in members], [m[1] for m in members])),
        shape=(len(tagged), len(tracks)),
    )
    genre_rows, genre_cols = [], []
    for row, key in enumerate(tracks["artist_key"]):
        for col in {c for c in map(vocab.column, catalog.artist_genres.get(key, [])) if c is not None}:
            genre_rows.append(row)
            genre_cols.append(col)
    track_genres = sp.csr_matrix((np.ones(len(genre_rows), np.float32), (genre_rows, genre_cols)),
                                 shape=(len(tracks), n_tags))
    genre_names, track_genre_names = name_matrix([catalog.artist_genres.get(k, []) for k in tracks["artist_key"]])
    row_of = {t: i for i, t in enumerate(tracks.index)}
    names = catalog.playlists["name"].astype(str).tolist()
    vectors = with_missing_words(names + tracks["name"].tolist(), words or {}, encoder.encode)
    members = [np.array([row_of[t] for t in ids if t in row_of], dtype=np.int64)
               for ids in catalog.playlists["track_ids"]]
    return CatalogIndex(
        playlist_names=np.asarray(names, dtype=str),
        playlist_emb=encoder.encode(names),  # requests are encoded as sentences too (`TagScorer.text_vector`)
        playlist_tracks=playlist_matrix(members, len(tracks)),
        **projected_profiles(track_profiles(tracks["name"].tolist(), derived["track_emb"], vectors)),
        track_ids=tracks.index.to_numpy(dtype=str),
        names=tracks["name"].to_numpy(dtype=str),
        artists=tracks["artist"].to_numpy(dtype=str),
        artist_keys=tracks["artist_key"].to_numpy(dtype=str),
        popularity=(tracks["popularity"].to_numpy(dtype=np.float32) / 100.0).clip(0, 1),
        features=features,
        feature_bounds=bounds,
        years=tracks["year"].to_numpy(dtype=np.int32),
        va=tracks[["va_valence", "va_arousal"]].to_numpy(dtype=np.float32),
        track_tags=track_tags,
        track_genres=track_genres,
        genre_names=genre_names,
        track_genre_names=track_genre_names,
        **derived,
        tag_emotion=tag_emotion,
        tag_track_emb=tag_track_emb,
        artist_index=np.asarray(tagged, dtype=str),
        artist_names=catalog.artists.loc[tagged, "name"].to_numpy(dtype=str),
        artist_tags=artist_tags,
        artist_emb=_mean_rows(owner, full),
        vocab=vocab,
        absent_genres=absent_genres(catalog.world_genres, genre_names, np.bincount(track_tags.indices, minlength=n_tags),
                                    vocab, (words or {}).keys()),
        genre_sound_names=np.asarray(list(catalog.genre_sounds), dtype=str),
        genre_sound=np.array([[sound.get(d, np.nan) for d in AUDIO_DIMS] for sound in catalog.genre_sounds.values()],
                             np.float32).reshape(-1, len(AUDIO_DIMS)),
        genre_neighbours=np.array([(g, n) for g, near in catalog.genre_neighbours.items() for n, _ in near],
                                  dtype=str).reshape(-1, 2),
    )
