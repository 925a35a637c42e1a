"""`suggestify train`: fit the GraphSAGE models on everything known — the shipped
datasets and what users told us (chat ratings, named artists, Spotify history) —
and publish a new model version for the running bot to pick up."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any

from bot.config import Settings
from recommender.catalog import build_catalog
from recommender.datasets import load_raw
from recommender.evaluation import catalog_events, interactions
from recommender.graph import build_graph
from recommender.index import CatalogIndex
from recommender.model_store import MODEL_FILE, ModelStore
from recommender.sage import SageConfig
from recommender.serving import SageRanker
from recommender.train_sage import device, train
from storage.database import Storage

log = logging.getLogger(__name__)

BULK_SOURCES = ("hetrec",)  # read from the data files directly


def model_store(settings: Settings) -> ModelStore:
    return ModelStore(settings.home / "models")


async def train_model(storage: Storage, settings: Settings, config: SageConfig | None = None,
                      progress: bool = True) -> dict[str, Any]:
    config = config or SageConfig(epochs=settings.train_epochs)
    info = await storage.catalog.build_info() or {}
    user_events = await storage.events.totals(exclude_sources=BULK_SOURCES)

    def work() -> dict[str, Any]:
        started = time.perf_counter()
        index = CatalogIndex.load(settings.catalog_dir)
        catalog = build_catalog(load_raw(settings.data_dir))
        inter = interactions(index, catalog_events(catalog) + user_events)
        graph = build_graph(index, inter)
        model, history = train(graph, config, progress=progress)
        ranker = SageRanker.from_model(model, graph, inter.artists, index)
        store = model_store(settings)
        folder = store.new_version()
        ranker.save(folder / MODEL_FILE)
        manifest = {
            "catalog": info.get("fingerprint"),
            "trained_at": datetime.now(timezone.utc).isoformat(),
            "device": str(device()),
            "seconds": round(time.perf_counter() - started, 1),
            "config": config.to_dict(),
            "graph": {t: int(graph[t].num_nodes) for t in graph.node_types}
            | {"/".join(rel): int(graph[rel].edge_index.shape[1]) for rel in graph.edge_types},
            "final_loss": history[-1] if history else {},
            "user_events": len(user_events),
        }
        manifest["version"] = store.publish(folder, manifest)
        return manifest

    return await asyncio.to_thread(work)


async def ensure_model(storage: Storage, settings: Settings, progress: bool = True) -> str:
    """Train on first start, or when the catalog was rebuilt since the served model was trained."""
    store = model_store(settings)
    version = store.current()
    info = await storage.catalog.build_info() or {}
    if version is not None and store.manifest(version).get("catalog") == info.get("fingerprint"):
        return version
    log.warning("no GraphSAGE model for this catalog yet: training one (a few minutes on 2 cores)")
    return str((await train_model(storage, settings, progress=progress))["version"])
