"""`suggestify train`: fit the GraphSAGE models on everything known — the shipped
datasets and what users told us (chat ratings, named artists, Spotify history) —
and publish a new model version for the running bot to pick up.

Everything known but one thing: every version is trained without the same fixed,
seeded validation slice of HetRec plays (`recommender.evaluation.validation_slice`,
about 5 % of the plays) and scored on it, and the score goes into its manifest. Any
two versions are then comparable on data neither saw, which is what lets
`suggestify retrain` (jobs/pipelines/retrain.py) publish a new version only when it is no worse.

Training and publishing are separate steps: `train_model(..., publish=False)` leaves
the version staged, out of the `current` pointer, for the caller to publish or reject.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from jobs.pipelines.settings import PipelineSettings
from recommender import word_vectors
from recommender.catalog import build_catalog
from recommender.chat2tag import LocalChat2Tag
from recommender.datasets import load_raw
from recommender.encoder import load_encoder
from recommender.evaluation import (
    ValidationSlice,
    catalog_events,
    interactions,
    validation_scores,
    validation_slice,
    without_validation,
)
from recommender.fit_judge import FitRequest, TrackFacts
from recommender.fusion_training import labelled_requests, learn_ranker_fusion
from recommender.graph import Interactions, artist_tag_matrix, build_graph
from recommender.index import CatalogIndex
from recommender.lookup import CatalogLookup
from recommender.model_store import MODEL_FILE, ModelStore
from recommender.playlist_folds import PlaylistFolds
from recommender.sage import SageConfig
from recommender.serving import GraphSAGERecommender, SageRanker
from recommender.train_sage import device, train
from storage.database import Storage
from storage.leases import Lease

log = logging.getLogger(__name__)

BULK_SOURCES = ("hetrec",)  # read from the data files directly

Event = tuple[str, str, str, float]
FIRST_MODEL_LEASE_S = 60.0  # a machine that dies training the first model hands it on this much later


def model_store(settings: PipelineSettings) -> ModelStore:
    return ModelStore(settings.home / "models")


async def publish_version(storage: Storage, store: ModelStore, version: str, shared: bool) -> str:
    """Serve this version from now on: here (the local store) and, `shared`, on every machine (MongoDB's copy,
    uploaded before the local pointer moves, so a version served anywhere can be fetched everywhere)."""
    if shared:
        await storage.models.publish(version, store.root / version, store.manifest(version).get("catalog"))
    return store.publish(store.root / version)


async def _bring(storage: Storage, store: ModelStore, version: str) -> bool:
    """Download a published version into the local store and serve it here; False when its files are corrupt."""
    if not await storage.models.fetch(version, store.root):
        log.error("model %s in the database failed its checksum; serving an older one", version)
        return False
    store.publish(store.root / version)
    log.warning("model %s loaded from the database", version)
    return True


async def fetch_published(storage: Storage, store: ModelStore, catalog: str | None) -> list[str]:
    """For a machine with no servable version of its own: the versions published in MongoDB for this catalog,
    the first good one downloaded into the local store (a fresh machine with only MONGO_URI serves without
    training); a corrupt download falls back to the next."""
    for version in await storage.models.servable(catalog):
        if await _bring(storage, store, version):
            return store.servable(catalog)
    return []


async def follow_published(storage: Storage, store: ModelStore, catalog: str | None, every_s: float) -> None:
    """Bring each version another machine publishes into the local store, where the serving watcher swaps it
    in (`recommender.live`). A version this machine already has stands as it is."""
    corrupt: set[str] = set()  # not downloaded again on every poll
    while True:
        await asyncio.sleep(every_s)
        try:
            current = await storage.models.current()
            if (current and current not in corrupt and current not in store.servable(catalog)
                    and current in await storage.models.servable(catalog)
                    and not await _bring(storage, store, current)):
                corrupt.add(current)
        except Exception:  # the database away for a while: the model being served goes on
            log.warning("could not check the database for a newly published model", exc_info=True)


@dataclass
class TrainingData:
    """What a model version learns from, loaded once so that a retrain trains and scores on the same data."""

    index: CatalogIndex
    interactions: Interactions  # everything known, the validation plays included
    validation: ValidationSlice
    user_events: list[Event]
    catalog: str | None  # the catalog build's fingerprint
    playlists: pd.DataFrame  # the catalog's playlists: the fusion's training requests

    @property
    def inputs(self) -> str:
        """A digest of the training inputs: equal digests mean a retrain would learn nothing new."""
        digest = hashlib.sha256(f"{self.catalog}|{self.validation.digest}".encode())
        tags = self.index.track_tags.tocsr()
        for array in (self.index.track_ids, tags.indptr, tags.indices, tags.data):
            digest.update(array.tobytes())
        digest.update(json.dumps(sorted(self.user_events)).encode())
        return digest.hexdigest()[:16]


async def load_training_data(storage: Storage, settings: PipelineSettings) -> TrainingData:
    info = await storage.catalog.build_info() or {}
    user_events = await storage.events.totals(exclude_sources=BULK_SOURCES)

    def load() -> TrainingData:
        index = CatalogIndex.load(settings.catalog_dir)
        catalog = build_catalog(load_raw(settings.data_dir), load_encoder(settings.encoder))
        inter = interactions(index, catalog_events(catalog) + user_events)
        return TrainingData(index, inter, validation_slice(inter), user_events, info.get("fingerprint"),
                            catalog.playlists)

    return await asyncio.to_thread(load)


def score_version(store: ModelStore, version: str, data: TrainingData) -> dict[str, float]:
    """A stored version's validation scores, with today's catalog index (off the event loop: seconds)."""
    return validation_scores(SageRanker.load(store.path(version), data.index), data.validation)


def comparable(manifest: dict[str, Any], data: TrainingData) -> bool:
    """Whether that version was trained without exactly this validation slice (else its score is not honest)."""
    return (manifest.get("validation") or {}).get("digest") == data.validation.digest


def _train_and_stage(store: ModelStore, data: TrainingData, config: SageConfig, parser: LocalChat2Tag,
                     labelled: tuple[list[FitRequest], TrackFacts | None], words: dict[str, np.ndarray],
                     progress: bool) -> dict[str, Any]:
    started = time.perf_counter()
    seen = without_validation(data.interactions, data.validation)
    graph = build_graph(data.index, seen)
    model, history = train(graph, config, progress=progress)
    train_seconds = time.perf_counter() - started
    ranker = SageRanker.from_model(model, graph, seen.artists, data.index)
    # The content signals' weights, learned on the catalog's playlists (name -> tracks), travel with the model.
    parser.warm_up()
    folds = PlaylistFolds(model, data.index, data.playlists, seen, data.index.track_tags,
                          artist_tag_matrix(data.index, seen.artists), words, parser.text_vector)
    ranker.fusion, fusion_fit = learn_ranker_fusion(GraphSAGERecommender(ranker, parser.text_vector), parser.parse,
                                                    folds, *labelled, seed=config.seed)
    folder = store.new_version()  # only now: a training that fails leaves nothing behind
    try:
        ranker.save(folder / MODEL_FILE)
        manifest = {
            "version": folder.name,
            "catalog": data.catalog,
            "inputs": data.inputs,
            "trained_at": datetime.now(timezone.utc).isoformat(),
            "device": str(device()),
            "seconds": round(time.perf_counter() - started, 1),
            "train_seconds": round(train_seconds, 1),
            "config": config.to_dict(),
            "graph": {t: int(graph[t].num_nodes) for t in graph.node_types}
            | {"/".join(rel): int(graph[rel].edge_index.shape[1]) for rel in graph.edge_types},
            "final_loss": history[-1] if history else {},
            "fusion": {"weights": ranker.fusion.to_dict(), **fusion_fit},
            "user_events": len(data.user_events),
            "validation": data.validation.protocol() | {"scores": validation_scores(ranker, data.validation)},
        }
        store.stage(folder, manifest)
    except BaseException:
        store.discard(folder)
        raise
    return manifest


async def train_model(storage: Storage, settings: PipelineSettings, config: SageConfig | None = None,
                      progress: bool = True, publish: bool = True, data: TrainingData | None = None
                      ) -> dict[str, Any]:
    """Train a new version (in a thread: a running bot keeps answering) and return its manifest; with
    `publish=False` it stays staged, out of `current`, until `model_store(settings).publish` or `.reject`."""
    config = config or SageConfig(epochs=settings.train_epochs)
    data = data or await load_training_data(storage, settings)
    store = model_store(settings)
    encoder = load_encoder(settings.encoder)
    parser = LocalChat2Tag(data.index, CatalogLookup(data.index), encoder,
                           word_vectors=settings.catalog_dir / word_vectors.FILE)  # English path: playlist names
    labelled = await asyncio.to_thread(labelled_requests, settings.data_dir)
    words = await asyncio.to_thread(word_vectors.load_word_vectors, settings.catalog_dir / word_vectors.FILE, encoder)
    manifest = await asyncio.to_thread(_train_and_stage, store, data, config, parser, labelled, words, progress)
    if publish:
        await publish_version(storage, store, manifest["version"], settings.models_in_database)
    return manifest


async def ensure_model(storage: Storage, settings: PipelineSettings, progress: bool = True
                       ) -> tuple[list[str], bool]:
    """The versions that may serve this catalog, best first, and whether the full model is still to train.
    On first start (or after a rebuild of the catalog) a quick model of `quick_start_epochs` is trained so the
    bot answers within minutes; the caller trains the full one in the background (`train_model`)."""
    store = model_store(settings)
    info = await storage.catalog.build_info() or {}
    if servable := store.servable(info.get("fingerprint")):
        if settings.models_in_database and await storage.models.current() is None:
            # trained before this database shared models: share it now, for the next machine
            await storage.models.publish(servable[0], store.root / servable[0], info.get("fingerprint"))
        return servable, False
    if not settings.models_in_database:
        return await _first_model(storage, settings, progress)
    # Several machines starting on one fresh database: one trains the first model, the rest wait for it.
    lease = Lease(storage.db, f"first-model:{info.get('fingerprint')}", FIRST_MODEL_LEASE_S)
    told = False
    while not (servable := await fetch_published(storage, store, info.get("fingerprint"))):
        if await lease.acquire():
            keep = asyncio.create_task(_keep(lease))
            try:  # published between the look and the claim: nothing to train
                if servable := await fetch_published(storage, store, info.get("fingerprint")):
                    return servable, False
                return await _first_model(storage, settings, progress)
            finally:
                keep.cancel()
                await lease.release()
        if not told:
            log.warning("another machine is training the first model for this catalog: waiting for it")
            told = True
        await asyncio.sleep(settings.model_poll_seconds)
    return servable, False


async def _keep(lease: Lease) -> None:
    """Renew a held lease until cancelled (a machine that dies while training lets it lapse)."""
    while True:
        await asyncio.sleep(FIRST_MODEL_LEASE_S / 3)
        await lease.acquire()


async def _first_model(storage: Storage, settings: PipelineSettings, progress: bool) -> tuple[list[str], bool]:
    quick = 0 < settings.quick_start_epochs < settings.train_epochs
    epochs = settings.quick_start_epochs if quick else settings.train_epochs
    log.warning("no GraphSAGE model for this catalog yet: training %s one (%d epochs)", "a quick" if quick else
                "the full", epochs)
    manifest = await train_model(storage, settings, SageConfig(epochs=epochs), progress=progress)
    return [str(manifest["version"])], quick
