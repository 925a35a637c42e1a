"""Learning the served ranker's fusion weights (see `fusion`) from two kinds of request:
- the catalog's playlists: the name is the request, the playlist's tracks are what fits (the playlist is
  left out of the neighbours its own name finds);
- the tune half of the labelled everyday requests (`data/fit`): tracks passing the request's checks fit,
  tracks failing them do not. The report half is never learned from.
Both are read by Chat2Tag exactly as a chat message is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from recommender.fit_eval import half
from recommender.fit_judge import FitRequest, TrackFacts, load_requests
from recommender.fusion import Fusion, Query, learn_fusion
from recommender.intent import Intent
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


def learn_ranker_fusion(recommender: GraphSAGERecommender, parse: Callable[[str], Intent],
                        requests: list[FitRequest] = (), facts: TrackFacts | None = None, seed: int = 0,
                        ) -> tuple[Fusion, dict[str, float]]:
    index = recommender.index
    vector_of = recommender.query_vector

    def signals_of(text: str, skip: int | None = None) -> Callable[[], tuple[dict[str, np.ndarray], np.ndarray | None]]:
        def signals() -> tuple[dict[str, np.ndarray], np.ndarray | None]:
            intent = parse(text)
            vector = vector_of(intent.query) if vector_of and intent.query else None
            return (recommender.moment_signals(intent.weighted_tags, intent.sound, vector, skip_playlist=skip),
                    recommender.allowed(intent.filters()))
        return signals

    queries: list[Query] = [(signals_of(str(name), p), index.playlist_tracks[p].indices.astype(np.int64), None)
                            for p, name in enumerate(index.playlist_names)]
    tune = [r for r in requests if half(r) == "tune"] if facts is not None else []
    for i, request in enumerate(tune):
        queries.append((signals_of(request.text), *labelled_rows(facts, request, index.track_ids, seed + i)))
    fusion, fit = learn_fusion(queries, index.size, seed)
    return fusion, {**fit, "playlist_queries": len(index.playlist_names), "labelled_queries": len(tune)}
