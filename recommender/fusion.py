"""How the moment's signals add up, learned instead of hand-set.

Every signal is standardised over the catalog for each request (and clipped at three standard
deviations), so a weight says how many standard deviations of one signal are worth one of another. The
weights come from a pairwise logistic regression (`learn_fusion`) on training requests: playlist names
(their tracks fit) and the tune half of the labelled everyday requests (`fusion_training`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

SIGNALS = ("tags", "observed", "sound", "playlists", "words", "genres", "popularity")
# Hand-set stand-ins for a model file saved before fusions were learned; every training learns its own.
DEFAULT_WEIGHTS = {"tags": 1.0, "observed": 0.5, "sound": 0.6, "playlists": 1.0, "words": 0.6, "popularity": 0.15}
NEGATIVES_PER_POSITIVE = 4
HARD_POOL = 300  # each signal's top tracks: where the close calls are


Z_CLIP = 3.0  # a sparse signal (a tag few tracks carry) would otherwise reach z = 15 and drown the rest


SHARES = frozenset({"observed"})  # already a share in [0, 1]: scaled, not standardised, so all beats half


def z(x: np.ndarray, clip: float | None = Z_CLIP, over: np.ndarray | None = None) -> np.ndarray:
    """Standardised over the catalog and clipped at ±`clip` standard deviations (None: not clipped). `over`:
    the positions whose mean and spread stand in for the catalog's (a sample, when only some tracks are scored)."""
    out = np.array(x, dtype=np.float32)  # a copy, then in place: a request standardises a dozen of these
    ref = out if over is None else out[over]
    mean = ref.mean() if ref.size else np.float32(0.0)
    out -= mean
    ref = out if over is None else out[over]
    std = float(np.sqrt(np.dot(ref, ref) / max(ref.size, 1)))
    if std == 0:
        return np.zeros_like(out)
    out *= 1.0 / std
    return out if clip is None else np.clip(out, -clip, clip, out=out)


def scaled(name: str, x: np.ndarray, over: np.ndarray | None = None) -> np.ndarray:
    """A signal on the common scale: a share of the asked-for tags runs 0..3 (carrying them all is worth a
    signal three standard deviations up); every other signal is standardised (`over`: as `z`)."""
    return (Z_CLIP * x).astype(np.float32) if name in SHARES else z(x, over=over)


@dataclass
class Fusion:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def combine(self, signals: Mapping[str, np.ndarray]) -> np.ndarray:
        """Weighted sum of the standardised signals this request has (a missing one counts zero)."""
        total = np.zeros(len(next(iter(signals.values()), ())), np.float32)  # a score per track, whatever weighs
        for name, values in signals.items():
            if w := self.weights.get(name, 0.0):
                total += w * scaled(name, values)
        return total

    def weighed(self) -> frozenset[str]:
        """The signals that count (a zero weight is a signal the training found no use for)."""
        return frozenset(name for name, w in self.weights.items() if w)

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


def learn_fusion(queries: Iterable[Query], n_tracks: int, seed: int = 0) -> tuple[Fusion, dict[str, float]]:
    """Fit the weights on `Query` triples; returns the fusion and how many training pairs it orders right.

    Pairwise, as a ranker is judged: a logistic regression on the difference between a fitting track's
    signals and a non-fitting one's from the same request, so what one request scores high across the board
    does not leak into the weights. Signals are computed lazily, one request at a time; only rows a request's
    constraints allow are learned from, since serving ranks within them."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    pairs = []
    for signals_of, positives, negatives in queries:
        signals, allowed = signals_of()
        allowed = np.ones(n_tracks, dtype=bool) if allowed is None else allowed
        positives = positives[allowed[positives]]
        standard = {name: scaled(name, values) for name, values in signals.items()}
        negatives = _negatives(standard, positives, allowed, rng) if negatives is None else negatives[allowed[negatives]]
        if len(positives) == 0 or len(negatives) == 0:
            continue
        x = np.stack([standard.get(s, np.zeros(n_tracks, np.float32)) for s in SIGNALS], axis=1)
        better = np.repeat(positives, NEGATIVES_PER_POSITIVE)
        pairs.append(x[better] - x[rng.choice(negatives, size=len(better))])
    d = np.vstack(pairs)
    model = LogisticRegression(C=1.0, fit_intercept=False, max_iter=1000).fit(
        np.vstack([d, -d]), np.concatenate([np.ones(len(d)), np.zeros(len(d))]))
    weights = {s: max(float(w), 0.0) for s, w in zip(SIGNALS, model.coef_[0])}  # no signal counts against fit
    ordered = float((d @ np.array([weights[s] for s in SIGNALS]) > 0).mean())
    return Fusion(weights), {"queries": len(pairs), "pairs": int(len(d)), "pairs_ordered": round(ordered, 4)}
