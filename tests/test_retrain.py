"""Retraining: inbox files are ingested once, a candidate is served only when it scores no worse than
the served model on the validation slice both were trained without, and the job skips when nothing is new;
and a first start serves a quick model while the full one trains behind it.

Each test works in its own home (a copy of the session's catalog) and its own database on the session's
server, so nothing here changes what the session's bot serves. Few epochs keep it cheap: on this data
1 epoch scores far below 4, and 4 far below the session's 60-epoch model."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.app.config import Settings
from bot.app.wiring import App, open_storage
from jobs.pipelines.retrain import (
    _exclusive,
    register_retrain,
    retrain,
    scheduled_retrain,
    unregister_retrain,
)
from jobs.pipelines.train import model_store, train_model
from recommender.index import CatalogIndex
from recommender.model_store import MODEL_FILE
from recommender.sage import SageConfig
from recommender.serving import GraphSAGERecommender, SageRanker
from recommender.types import Taste, WeightedTag
from storage.database import Storage
from tests.cli_runner import SCRIPT

NEW = ("retrain0000000000000001", "retrain0000000000000002")
CSV = f"""track_id,name,artist,tags,valence,energy,tempo
{NEW[0]},Harbour Lights at Dawn,The Quay Singers,sea shanty;folk;melancholic,0.3,0.4,90
{NEW[1]},Pylon Hum,Static Orchard,ambient;electronic;night,0.2,0.2,70
"""
BROKEN = "id,title\n1,not our format\n"


def _isolated(app: App, home: Path) -> Settings:
    """A home with a copy of the session's catalog, and a database of its own on the same server."""
    shutil.copytree(app.settings.catalog_dir, home / "catalog")
    return app.settings.with_changes(home=home, db_name=f"retrain_{uuid.uuid4().hex[:8]}")


@asynccontextmanager
async def _storage(app: App, settings: Settings) -> AsyncIterator[Storage]:
    async with open_storage(settings) as storage:
        await storage.catalog.set_build_info(
            {k: v for k, v in (await app.storage.catalog.build_info() or {}).items() if k != "_id"})
        try:
            yield storage
        finally:
            await storage.client.drop_database(settings.db_name)


def _copy_served(app: App, settings: Settings) -> str:
    source = model_store(app.settings)
    version = source.current()
    assert version is not None
    shutil.copytree(source.root / version, settings.home / "models" / version)
    (settings.home / "models" / "current").write_text(version)
    return version


def _versions(settings: Settings) -> set[str]:
    return {p.name for p in (settings.home / "models").iterdir() if p.is_dir()}


async def test_a_worse_candidate_is_not_swapped_by_suggestify_retrain(app: App, tmp_path: Path) -> None:
    settings = _isolated(app, tmp_path / "home")
    served = _copy_served(app, settings)
    store = model_store(settings)
    async with _storage(app, settings):  # as an operator runs it
        res = subprocess.run([SCRIPT, "retrain", "--force", "--epochs", "1", "--json"], capture_output=True,
                             text=True, env={**os.environ, **settings.to_env()}, timeout=600)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    candidate = report["candidate"]["version"]
    assert report["trained"] and not report["swapped"], report
    assert store.current() == served and report["serving"] == served
    assert report["served"]["comparable"]
    assert report["candidate"]["score"] < report["served"]["score"]
    assert "kept the served model" in report["reason"]
    # Re-scored today, the served model scores what it scored when trained: the slice is stable.
    recorded = store.manifest(served)["validation"]["scores"]["ndcg@100"]
    assert report["served"]["score"] == pytest.approx(recorded, abs=1e-4)
    assert not (store.root / candidate).exists()  # the loser's folder goes ...
    assert store.last_rejected()["version"] == candidate  # ... its manifest stays, with the reason
    assert "kept the served model" in store.last_rejected()["rejected_because"]
    assert _versions(settings) == {served}


@dataclass
class Retrained:
    settings: Settings
    storage: Storage
    weak: dict[str, Any]
    report: dict[str, Any]


@pytest.fixture(scope="module")
async def retrained(app: App, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Retrained]:
    """A deliberately weak model served; then two files in the inbox, and a retrain."""
    settings = _isolated(app, tmp_path_factory.mktemp("retrain") / "home")
    async with _storage(app, settings) as storage:
        weak = await train_model(storage, settings, SageConfig(epochs=1), progress=False)
        settings.inbox_dir.mkdir()
        (settings.inbox_dir / "new.csv").write_text(CSV)
        (settings.inbox_dir / "broken.csv").write_text(BROKEN)
        (settings.inbox_dir / "notes.txt").write_text("not a track file")
        report = await retrain(storage, settings, config=SageConfig(epochs=4), progress=False)
        yield Retrained(settings, storage, weak, report)


def test_a_better_candidate_is_swapped(retrained: Retrained) -> None:
    report, weak = retrained.report, retrained.weak
    store = model_store(retrained.settings)
    assert report["trained"] and report["swapped"], report
    assert report["served"]["version"] == weak["version"] and report["served"]["comparable"]
    assert report["candidate"]["score"] > report["served"]["score"]
    assert store.current() == report["candidate"]["version"] == report["serving"] != weak["version"]
    assert store.manifest(store.current())["validation"]["scores"]["ndcg@100"] == report["candidate"]["score"]


async def test_inbox_files_are_ingested_once_and_served(retrained: Retrained) -> None:
    settings, report = retrained.settings, retrained.report
    done = [f for f in report["files"] if f["status"] == "done"]
    assert [f["file"] for f in done] == ["new.csv"] and report["tracks_added"] == 2
    assert [p.name.split("-", 1)[1] for p in (settings.inbox_dir / "done").iterdir()] == ["new.csv"]
    assert sorted(p.name for p in settings.inbox_dir.iterdir() if p.is_file()) == ["notes.txt"]
    for track_id in NEW:
        assert await retrained.storage.db["tracks"].find_one({"_id": track_id}) is not None
    index = CatalogIndex.load(settings.catalog_dir)
    assert all(t in index.row_of for t in NEW)
    # The served version, loaded with today's index as a running bot should, recommends a new track.
    store = model_store(settings)
    ranker = SageRanker.load(store.path(store.current()), index)
    row = index.track_tags[index.row_of[NEW[0]]]
    tags = [WeightedTag(index.vocab.tags[c]) for c in row.indices[row.data.argsort()[::-1][:3]]]
    recommended = [t.track_id for t in GraphSAGERecommender(ranker).recommend(Taste(), tags, 20)]
    assert NEW[0] in recommended, (tags, recommended)


def test_a_malformed_file_goes_to_failed_with_its_reason(retrained: Retrained) -> None:
    inbox = retrained.settings.inbox_dir
    [failed] = [f for f in retrained.report["files"] if f["status"] == "failed"]
    assert failed["file"] == "broken.csv" and "missing column" in failed["reason"]
    moved = Path(failed["moved_to"])
    assert moved.parent == inbox / "failed" and moved.read_text() == BROKEN  # never lost
    assert "missing column" in moved.with_name(moved.name + ".reason.txt").read_text()


async def test_the_scheduled_job_skips_training_when_nothing_is_new(retrained: Retrained) -> None:
    settings = retrained.settings
    store = model_store(settings)
    serving, versions = store.current(), _versions(settings)
    size = CatalogIndex.load(settings.catalog_dir).size
    name = f"t{uuid.uuid4().hex[:6]}"
    register_retrain(name, partial(retrain, retrained.storage, settings, config=SageConfig(epochs=4), progress=False))
    try:
        report = await scheduled_retrain(name)
    finally:
        unregister_retrain(name)
    assert report is not None and report["files"] == [] and not report["trained"]
    assert report["skipped"] == f"nothing new since the served model {serving}"
    assert store.current() == serving and _versions(settings) == versions  # nothing trained, nothing swapped
    assert CatalogIndex.load(settings.catalog_dir).size == size  # the done file was not ingested again


async def test_retrains_never_overlap(app: App, tmp_path: Path) -> None:
    settings = app.settings.with_changes(home=tmp_path / "home")
    store = model_store(settings)
    with _exclusive(store.root) as first:
        assert first
        report = await retrain(app.storage, settings, force=True, progress=False)
    assert report["skipped"] == "another retrain is running" and not report["trained"]
    assert store.current() is None and not any(store.root.glob(f"*/{MODEL_FILE}"))
    with _exclusive(store.root) as again:
        assert again  # released


async def test_a_first_start_answers_on_a_quick_model_and_swaps_in_the_full_one(app: App, tmp_path: Path) -> None:
    """No model yet: a quick one (2 epochs) is trained and serves at once; the full one (4 epochs) trains in
    the background, is published, and the running bot swaps it in without a restart."""
    import shutil

    from bot.app.wiring import open_app
    from bot.core.messages import Incoming
    from jobs.pipelines.train import model_store
    from tests.waiting import wait_until

    shutil.copytree(app.settings.catalog_dir, tmp_path / "catalog")  # the built catalog; no model
    settings = app.settings.with_changes(home=tmp_path, quick_start_epochs=2, train_epochs=4, model_poll_seconds=0.2)
    async with open_app(settings, progress=False) as fresh:
        store = model_store(settings)
        quick = store.current()
        assert quick is not None and store.manifest(quick)["config"]["epochs"] == 2
        assert fresh.training is not None
        reply = await fresh.core.handle(Incoming("console", "quick", "quick", "calm evening"))
        assert len(reply.playlist) == 10  # answering while the full model trains
        await asyncio.wait_for(fresh.training, 600)
        full = store.current()
        assert full != quick and store.manifest(full)["config"]["epochs"] == 4
        assert await wait_until(lambda: fresh.core.s.recommender.version == full, timeout=10)  # type: ignore[attr-defined]
        reply = await fresh.core.handle(Incoming("console", "quick", "quick", "calm evening"))
        assert len(reply.playlist) == 10


async def test_a_model_published_on_one_machine_serves_a_worker_with_an_empty_home(app: App, tmp_path: Path) -> None:
    """Versions live in MongoDB (GridFS): a worker with the catalog but no model downloads the current one,
    checks it and serves it; a corrupt copy falls back to the version before; a version published later is
    swapped in; publishing a version twice uploads it once. Its own server: model files are large."""
    from bson import Binary

    from bot.app.wiring import open_app
    from bot.core.messages import Incoming
    from jobs.pipelines.train import publish_version
    from storage.server import EmbeddedMongo
    from tests.waiting import wait_until

    with EmbeddedMongo(tmp_path / "shared" / "db") as server:
        trainer = _isolated(app, tmp_path / "trainer").with_changes(mongo_uri=server.uri, share_models=True)
        async with _storage(app, trainer) as storage:
            store = model_store(trainer)
            older = _copy_served(app, trainer)
            newer, latest = f"{older}-b", f"{older}-c"  # copies under later names stand in for later trainings
            for version in (newer, latest):
                shutil.copytree(store.root / older, store.root / version)
            assert await storage.models.current() is None
            for version in (older, newer):
                await publish_version(storage, store, version, shared=True)
            assert await storage.models.current() == newer
            assert not await storage.models.publish(newer, store.root / newer, "any")  # once: already there
            assert await storage.db["model_files.files"].count_documents({"metadata.version": newer}) == 2
            model_file = await storage.db["model_files.files"].find_one({"filename": f"{newer}/{MODEL_FILE}"})
            await storage.db["model_files.chunks"].update_one({"files_id": model_file["_id"], "n": 3},
                                                              {"$set": {"data": Binary(b"\0" * 1024)}})

            worker = trainer.with_changes(home=tmp_path / "worker", model_poll_seconds=0.2)
            shutil.copytree(trainer.catalog_dir, worker.catalog_dir)  # the catalog, built there; no model at all
            async with open_app(worker, progress=False) as fresh:
                served = fresh.core.s.recommender
                assert served.version == older  # type: ignore[attr-defined]
                assert not (worker.home / "models" / newer).exists()  # the corrupt download left nothing behind
                reply = await fresh.core.handle(Incoming("telegram", "5", "5", "calm evening"))
                assert len(reply.playlist) == 10

                await publish_version(storage, store, latest, shared=True)  # the trainer publishes again
                assert await wait_until(lambda: served.version == latest, timeout=30)  # type: ignore[attr-defined]


async def test_machines_starting_on_one_fresh_database_train_the_first_model_once(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three machines with empty homes start together: one claims the first training (a lease in MongoDB),
    the others wait and serve what it publishes, downloaded from the database."""
    from jobs.pipelines import train as pipeline

    machines = [_isolated(app, tmp_path / name).with_changes(share_models=True, model_poll_seconds=0.1)
                for name in ("a", "b", "c")]
    trained: list[Path] = []

    async def train_once(storage: Storage, settings: Settings, *args: Any, **kwargs: Any) -> dict[str, Any]:
        trained.append(settings.home)
        await asyncio.sleep(1.0)  # long enough for the others to look, find nothing and wait
        version = _copy_served(app, settings)
        await pipeline.publish_version(storage, model_store(settings), version, shared=True)
        return {"version": version}

    monkeypatch.setattr(pipeline, "train_model", train_once)
    async with _storage(app, machines[0]) as storage:
        started = await asyncio.gather(*(pipeline.ensure_model(storage, m, progress=False) for m in machines))
        assert len(trained) == 1
        assert {versions[0] for versions, _ in started} == {model_store(app.settings).current()}
        for machine in machines:  # each serves from its own disk now
            assert model_store(machine).servable((await storage.catalog.build_info() or {}).get("fingerprint"))
        assert await storage.db["locks"].count_documents({}) == 0  # the claim is let go once published


async def test_the_fusion_asks_a_training_playlist_without_its_own_labels_or_name(app: App) -> None:
    """A fold's playlists leave the catalog the fusion learns from: their names are not among those a request
    can find, and a genre label only they gave a track falls back to what the track's artist carries."""
    import numpy as np

    from jobs.pipelines.train import load_training_data
    from recommender.graph import artist_tag_matrix, build_graph, track_artist_matrix
    from recommender.playlist_folds import PlaylistFolds, label_pairs
    from recommender.train_sage import train

    data = await load_training_data(app.storage, app.settings)
    # A model of this very data, as training makes one (the served model predates tracks other tests ingested).
    model, _ = await asyncio.to_thread(train, build_graph(data.index, data.interactions), SageConfig(epochs=1),
                                       progress=False)
    artists = artist_tag_matrix(data.index, data.interactions.artists)
    folds = PlaylistFolds(model, data.index, data.playlists, data.interactions, data.index.track_tags, artists, {}, None)
    recommender, asked = next(folds.requests(seed=0))
    names = data.playlists["name"].astype(str)
    fold = (names.isin([name for name, _ in asked]) & ~names.duplicated(keep=False)).to_numpy()  # one by that name
    assert len(recommender.index.playlist_names) == len(data.playlists) - len(asked) > 0
    only_fold = label_pairs(data.index, data.playlists, fold) - label_pairs(data.index, data.playlists, ~fold)
    rows, cols = (only_fold > 0).nonzero()
    assert len(rows)
    from_artists = (track_artist_matrix(data.index, data.interactions.artists) @ artists).tocsr()
    served, hidden = data.index.track_tags[rows, cols].A1, recommender.index.track_tags[rows, cols].A1
    assert np.allclose(hidden, from_artists[rows, cols].A1)
    assert (served > hidden).any()  # labels the served catalog carries, gone while the fold is asked
