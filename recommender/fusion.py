"""How the moment's signals add up, learned instead of hand-set.

Every signal is standardised over the catalog for each request (and clipped at three standard
deviations), so a weight says how many standard deviations of one signal are worth one of another. The weights come from a logistic regression on
training playlists: the playlist's name is the request, its tracks are the positives, tracks drawn at
random the negatives, and a playlist never finds itself among the neighbours it is scored against.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

SIGNALS = ("tags", "observed", "sound", "playlists", "words", "genres", "popularity")
# Hand-set stand-ins for a model file saved before fusions were learned; every training learns its own.
DEFAULT_WEIGHTS = {"tags": 1.0, "observed": 0.5, "sound": 0.6, "playlists": 1.0, "words": 0.6, "popularity": 0.15}
NEGATIVES_PER_POSITIVE = 4
HARD_POOL = 300  # each signal's top tracks: where the close calls are


Z_CLIP = 3.0  # a sparse signal (a tag few tracks carry) would otherwise reach z = 15 and drown the rest


SHARES = frozenset({"observed"})  # already a share in [0, 1]: scaled, not standardised, so all beats half


def z(x: np.ndarray, clip: float | None = Z_CLIP) -> np.ndarray:
    """Standardised over the catalog and clipped at ±`clip` standard deviations (None: not clipped)."""
    std = float(x.std())
    if std == 0:
        return np.zeros_like(x, dtype=np.float32)
    out = (x - x.mean()) / std
    return (out if clip is None else out.clip(-clip, clip)).astype(np.float32)


def scaled(name: str, x: np.ndarray) -> np.ndarray:
    """A signal on the common scale: a share of the asked-for tags runs 0..3 (carrying them all is worth a
    signal three standard deviations up); every other signal is standardised."""
    return (Z_CLIP * x).astype(np.float32) if name in SHARES else z(x)


@dataclass
class Fusion:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def combine(self, signals: Mapping[str, np.ndarray]) -> np.ndarray:
        """Weighted sum of the standardised signals this request has (a missing one counts zero)."""
        total: np.ndarray | float = 0.0
        for name, values in signals.items():
            w = self.weights.get(name, 0.0)
            if w:
                total = total + w * scaled(name, values)
        return np.asarray(total, np.float32)

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in self.weights.items()}


def _negatives(standard: Mapping[str, np.ndarray], positives: np.ndarray, allowed: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Half drawn at random, half among the tracks some signal ranks near the top, both among the tracks the
    request's constraints allow: the ranker must tell the fitting tracks from the close calls it will face."""
    n = NEGATIVES_PER_POSITIVE * len(positives) // 2
    pool = np.flatnonzero(allowed & ~np.isin(np.arange(len(allowed)), positives))
    if not len(pool):
        return pool
    top = min(HARD_POOL, len(pool) - 1)
    close = np.unique(np.concatenate([pool[np.argpartition(-v[pool], top)[:top]] for v in standard.values()]))
    hard = rng.choice(close, size=min(n, len(close)), replace=False)
    easy = rng.choice(pool, size=min(n, len(pool)), replace=False)
    return np.unique(np.concatenate([hard, easy]))


# (signals of a request and the rows its constraints allow — None: all, rows that fit it, rows that do not —
# None: drawn as `_negatives` draws them)
Query = tuple[Callable[[], "tuple[Mapping[str, np.ndarray], np.ndarray | None]"], np.ndarray, "np.ndarray | None"]


def learn_fusion(queries: list[Query], n_tracks: int, seed: int = 0) -> tuple[Fusion, dict[str, float]]:
    """Fit the weights on `Query` triples; returns the fusion and its training AUC. Signals are computed
    lazily, one query at a time. Only rows a request's constraints allow are learned from: serving ranks
    within them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    x_parts, y_parts = [], []
    for signals_of, positives, negatives in queries:
        signals, allowed = signals_of()
        allowed = np.ones(n_tracks, dtype=bool) if allowed is None else allowed
        positives = positives[allowed[positives]]
        if len(positives) == 0:
            continue
        standard = {name: scaled(name, values) for name, values in signals.items()}
        negatives = _negatives(standard, positives, allowed, rng) if negatives is None else negatives[allowed[negatives]]
        rows = np.concatenate([positives, negatives])
        x_parts.append(np.stack([standard[s][rows] if s in standard else np.zeros(len(rows), np.float32)
                                 for s in SIGNALS], axis=1))
        y_parts.append(np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))]))
    x, y = np.vstack(x_parts), np.concatenate(y_parts)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    weights = {s: max(float(w), 0.0) for s, w in zip(SIGNALS, model.coef_[0])}  # no signal counts against fit
    auc = float(roc_auc_score(y, x @ np.array([weights[s] for s in SIGNALS])))
    return Fusion(weights), {"queries": len(x_parts), "examples": int(len(y)), "train_auc": round(auc, 4)}
