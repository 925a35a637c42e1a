"""Content-based recommender (the original report's first release): tracks are
ranked by how well their tags and audio fit the chosen tags, blended with the
listener's taste, and diversified so the list is a discovery, not a replay."""

from __future__ import annotations

from collections.abc import Mapping

from functools import lru_cache, partial

import numpy as np

from recommender.catalog import spotify_uri, spotify_url
from recommender.diversify import allowed, pick, top_order
from recommender.index import CatalogIndex
from recommender.types import NO_FILTERS, Filters, Recommendation, Taste, WeightedTag

MIN_AUDIO_SUPPORT = 20  # tracks a tag needs before its audio profile means anything


class ContentRecommender:
    def __init__(self, index: CatalogIndex) -> None:
        self.index = index
        tt = index.track_tags.tocsc()
        support = np.diff(tt.indptr)
        # Audio profile of each tag: mean features of the tracks carrying it.
        sums = np.asarray((tt.T @ index.features))
        weight = np.asarray(tt.sum(axis=0)).ravel()
        self._tag_audio = sums / np.where(weight > 0, weight, 1.0)[:, None]
        self._tag_audio_ok = support >= MIN_AUDIO_SUPPORT
        # Row norms of the tag matrix, for the taste cosine: fixed per index, so computed once.
        norms = np.sqrt(np.asarray(index.track_tags.multiply(index.track_tags).sum(axis=1)).ravel())
        self._tag_norms = np.where(norms > 0, norms, 1.0)
        self._allowed = lru_cache(maxsize=256)(partial(allowed, self.index))  # filters repeat across requests

    # -- taste ------------------------------------------------------------
    def taste_vector(self, taste: Taste) -> np.ndarray | None:
        """The listener's tag profile: log-scaled plays of their artists and tracks, through their tags."""
        idx = self.index
        vec = np.zeros(len(idx.vocab), dtype=np.float32)
        for key, w in taste.artists.items():
            row = idx.artist_row.get(key)
            if row is not None and w > 0:
                vec += np.log1p(w) * idx.artist_tags[row].toarray().ravel()
        for tid, w in taste.tracks.items():
            row = idx.row_of.get(tid)
            if row is not None:
                vec += np.sign(w) * np.log1p(abs(w)) * idx.track_tags[row].toarray().ravel()
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else None

    # -- ranking ----------------------------------------------------------
    def scores(self, taste: Taste, tags: list[WeightedTag]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        idx = self.index
        q = np.zeros(len(idx.vocab), dtype=np.float32)
        for wt in tags:
            col = idx.vocab.column(wt.tag)
            if col is not None:
                q[col] = max(q[col], wt.weight)
        total = float(q.sum())
        score = 0.05 * idx.popularity
        if total > 0:
            tag_match = np.asarray(idx.track_tags @ q).ravel() / total
            q_emb = q @ idx.vocab.embeddings
            q_emb /= np.linalg.norm(q_emb) or 1.0
            # Mood-side tags say what the moment needs; all tags say what the track is.
            semantic = 0.5 * (idx.track_emb @ q_emb) + 0.5 * (idx.track_mood_emb @ q_emb)
            q_emotion = (q @ idx.tag_emotion) / total
            emotion = idx.track_emotion @ q_emotion
            audio_w = q * self._tag_audio_ok
            if audio_w.sum() > 0:
                profile = (audio_w @ self._tag_audio) / audio_w.sum()
                audio = 1.0 - np.abs(idx.features - profile).mean(axis=1) * 2.0
            else:
                audio = np.zeros(idx.size, dtype=np.float32)
            score = score + 0.55 * tag_match + 0.2 * semantic + 0.1 * audio + 0.1 * emotion
        u = self.taste_vector(taste)
        if u is not None:
            taste_fit = np.asarray(idx.track_tags @ u).ravel() / self._tag_norms
            score = score + (0.35 if total > 0 else 1.0) * taste_fit
        return score.astype(np.float32), q, u

    def recommend(
        self, taste: Taste, tags: list[WeightedTag], k: int = 20, exclude: frozenset[str] = frozenset(),
        filters: Filters = NO_FILTERS, sound: Mapping[str, float] | None = None, text: str = "",
    ) -> list[Recommendation]:
        # The first release's ranking, kept as a baseline: it knows tags only (no sound target, no text).
        score, q, u = self.scores(taste, tags)
        known = {a for a, w in taste.artists.items() if w > 0}
        mask = self._allowed(filters)
        ranked = top_order(score if mask is None else np.where(mask, score, -np.inf), k)
        rows = pick(self.index, ranked, k, exclude, known, mask)
        return [self._item(row, float(score[row]), q, u, taste) for row in rows]

    # -- explanation ------------------------------------------------------
    def _item(self, row: int, score: float, q: np.ndarray, u: np.ndarray | None, taste: Taste) -> Recommendation:
        idx = self.index
        tid = str(idx.track_ids[row])
        tag_row = idx.track_tags[row]
        track_tags = {int(c): float(w) for c, w in zip(tag_row.indices, tag_row.data)}
        matched = sorted((c for c in track_tags if q[c] > 0), key=lambda c: -(q[c] * track_tags[c]))
        parts = []
        if matched:
            parts.append("tagged " + ", ".join(idx.vocab.tags[c] for c in matched[:3]))
        elif q.any():
            parts.append("sounds like " + idx.vocab.tags[int(np.argmax(q))])
        if u is not None and not taste.shared:  # a group playlist never says what one member plays
            artist = str(idx.artist_keys[row])
            if taste.artists.get(artist, 0) > 0:
                parts.append(f"by {idx.artists[row]}, " + ("as asked" if taste.asked else "whom you play"))
            shared = sorted((c for c in track_tags if u[c] > 0), key=lambda c: -(u[c] * track_tags[c]))
            if shared:
                whose = "what you asked for" if taste.asked else "your taste"
                parts.append(f"fits {whose}: " + ", ".join(idx.vocab.tags[c] for c in shared[:2]))
        if not parts:
            parts.append("popular pick")
        return Recommendation(
            track_id=tid,
            name=str(idx.names[row]),
            artist=str(idx.artists[row]),
            uri=spotify_uri(tid),
            url=spotify_url(tid),
            tags=idx.tags_of(row)[:6],
            score=round(score, 4),
            reason="; ".join(parts),
        )
