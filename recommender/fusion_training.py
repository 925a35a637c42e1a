"""Learning the served ranker's fusion weights (see `fusion`) from two kinds of request:
- the catalog's playlists: the name is the request, the playlist's tracks are what fits, asked with the
  playlist's own labels, membership and name out of the catalog (`playlist_folds`);
- the tune half of the labelled everyday requests (`data/fit`): tracks passing the request's checks fit,
  tracks failing them do not. The report half is never learned from.
Both are read by Chat2Tag exactly as a chat message is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from recommender.fit_eval import half
from recommender.fit_judge import FitRequest, TrackFacts, load_requests
from recommender.fusion import Fusion, Query, learn_fusion
from recommender.intent import Intent
from recommender.playlist_folds import PlaylistFolds
from recommender.serving import GraphSAGERecommender

REQUESTS_FILE = "fit/requests.jsonl"
JUDGED_SAMPLE = 3000  # catalog tracks judged per labelled request
JUDGED_POSITIVES = 100


def labelled_requests(data_dir: Path) -> tuple[list[FitRequest], TrackFacts | None]:
    """The labelled everyday requests and the facts that judge them (none when the data has no such file)."""
    path = Path(data_dir) / REQUESTS_FILE
    return (load_requests(path), TrackFacts.from_data(data_dir)) if path.exists() else ([], None)


def labelled_rows(facts: TrackFacts, request: FitRequest, track_ids: np.ndarray, seed: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(rows passing every check, rows failing), among a seeded sample of the catalog."""
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(track_ids), size=min(JUDGED_SAMPLE, len(track_ids)), replace=False)
    ok = np.array([all(facts.passes(str(track_ids[r]), request.checks).values()) for r in sample])
    return sample[ok][:JUDGED_POSITIVES], sample[~ok][: 4 * JUDGED_POSITIVES]


def _signals_of(recommender: GraphSAGERecommender, parse: Callable[[str], Intent], text: str
                ) -> Callable[[], tuple[dict[str, np.ndarray], np.ndarray | None]]:
    def signals() -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        intent = parse(text)
        vector = recommender.query_vector(intent.query) if recommender.query_vector and intent.query else None
        return (recommender.moment_signals(intent.weighted_tags, intent.sound, vector),
                recommender.allowed(intent.filters()))
    return signals


def learn_ranker_fusion(recommender: GraphSAGERecommender, parse: Callable[[str], Intent], folds: PlaylistFolds,
                        requests: list[FitRequest] = (), facts: TrackFacts | None = None, seed: int = 0,
                        ) -> tuple[Fusion, dict[str, float]]:
    tune = [r for r in requests if half(r) == "tune"] if facts is not None else []

    def queries() -> Iterator[Query]:  # a generator: one fold's recommender in memory at a time
        for fold, playlists in folds.requests(seed):
            for name, rows in playlists:
                yield _signals_of(fold, parse, name), rows, None
        for i, request in enumerate(tune):
            yield (_signals_of(recommender, parse, request.text),
                   *labelled_rows(facts, request, recommender.index.track_ids, seed + i))

    fusion, fit = learn_fusion(queries(), recommender.index.size, seed)
    return fusion, {**fit, "playlist_queries": folds.asked, "labelled_queries": len(tune)}
