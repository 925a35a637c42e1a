"""Ranking a very large catalog in two stages, approximately (issue 17: ~300k tracks within 20 ms on 2 cores).

Exact ranking passes over every track for every signal: about 250 MB read per request on a 10x catalog, more
than 2 cores' memory bandwidth allows in 20 ms. Above `EXACT_UP_TO` tracks, the signals that cost little (how a
track sounds, the asked tags it carries, popularity, the listener's fit, the request's constraints) still score
every track; the costly dense ones (the Tag model's predicted links, the request's words against each track's
profile) score only a shortlist, the tracks ranked best without them, plus a fixed random sample that stands in
for the catalog wherever a score is standardised. The costly signals weigh little in the learned fusion (0.12 and
0.11 against sound's 1.07), so they reorder the head rather than find it; `suggestify bench --catalog-scale`
measures how many of the top 20 match exact ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from recommender.fusion import scaled, z
from recommender.ranker import SageRanker
from recommender.text_match import TextMatch
from recommender.types import WeightedTag

EXACT_UP_TO = 100_000  # tracks; the real catalog (28k) and anything near it rank exactly
SHORTLIST_SHARE = 0.05  # of the catalog, scored by the costly signals ...
SHORTLIST_MIN = 5_000  # ... and never fewer tracks than this
SAMPLE = 4_096  # tracks whose scores stand in for the catalog's mean and spread (the spread within ~1 %)
COSTLY = frozenset({"tags", "words", "genres"})  # a dense pass over every track each


class Shortlist:
    """The second stage's rows for one catalog: a fixed sample, and how many of the best to add to it."""

    def __init__(self, n_tracks: int, share: float = SHORTLIST_SHARE, sample: int = SAMPLE, seed: int = 0) -> None:
        self.size = min(n_tracks, max(SHORTLIST_MIN, int(share * n_tracks)))
        self.sample = np.sort(np.random.default_rng(seed).choice(n_tracks, min(sample, n_tracks), replace=False))

    def rows(self, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows to score fully, the sample's positions among them), from the first stage's scores. A row both
        shortlisted and sampled comes twice, scored alike."""
        best = np.argpartition(-first, self.size - 1)[:self.size] if self.size < len(first) else np.arange(len(first))
        best = best[np.isfinite(first[best])]
        return np.concatenate([best, self.sample]), np.arange(len(best), len(best) + len(self.sample))

    def fit(self, ranker: SageRanker, text: TextMatch, signals: Callable[[frozenset[str]], Mapping[str, np.ndarray]],
            tags: list[WeightedTag], query: np.ndarray | None, first: Callable[[np.ndarray], np.ndarray],
            standardise: bool) -> np.ndarray:
        """The fused moment fit, as `GraphSAGERecommender` computes it exactly, for the shortlisted rows (-inf
        elsewhere). `signals(names)`: those signals over every track; `first(fit)`: the first stage's final
        score from a fit over every track (the listener's fit and the constraints added)."""
        fusion = ranker.fusion
        weighed = fusion.weighed()
        partial = fusion.combine(signals(weighed - COSTLY))
        rows, sample = self.rows(first(z(partial, clip=None) if standardise else partial))
        fit = partial[rows]
        for name, values in self._costly(ranker, text, tags, query, weighed & COSTLY, rows, sample).items():
            fit += fusion.weights[name] * scaled(name, values, over=sample)
        out = np.full(len(partial), -np.inf, np.float32)
        out[rows] = z(fit, clip=None, over=sample) if standardise else fit
        return out

    @staticmethod
    def _costly(ranker: SageRanker, text: TextMatch, tags: list[WeightedTag], query: np.ndarray | None,
                names: frozenset[str], rows: np.ndarray, sample: np.ndarray) -> dict[str, np.ndarray]:
        """The costly signals on `rows`, each part standardised over the sample as the exact path does over the
        catalog."""
        out: dict[str, np.ndarray] = {}
        if "tags" in names and tags:
            out["tags"] = ranker.tag_scores(ranker.asked_columns(tags), rows, over=sample)
        if query is not None:
            for name, signal in (("words", text.words), ("genres", text.genres)):
                if name in names:
                    out[name] = signal(query, rows)
        return out

