"""The catalog built from the real shipped data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app.wiring import App, ensure_catalog, open_storage
from recommender.index import CatalogIndex
from storage import database
from storage.server import EmbeddedMongo


async def test_build_ingests_the_real_data(app: App) -> None:
    info = await app.storage.catalog.build_info()
    assert info is not None and info["documents"] == "written"  # written beside the first model's training
    report = info["report"]
    assert report["tracks"] == 28350  # unique TidyTuesday track ids with a name and an artist
    assert report["hetrec_users"] == 1892
    assert report["playlists"] == 471
    assert report["hetrec_artists_joined_to_tracks"] > 1900
    sizes = list(report["vocabulary_steps"].values())
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == report["vocabulary"]
    db = app.storage.db
    assert await db["tracks"].count_documents({}) == 28350
    assert await db["listening_events"].count_documents({"source": "hetrec"}) == report["listening_events"]
    track = await db["tracks"].find_one({"_id": "6b2oQwSGFkzsMtQruIWm2p"})  # Radiohead — Creep
    assert track["artist"] == "Radiohead" and "alternative" in track["tags"]
    assert set(track["features"]) >= {"valence", "energy", "tempo"}
    artist = await db["artists"].find_one({"_id": "radiohead"})
    assert artist["hetrec_ids"] and artist["tags"]
    tags = {d["_id"]: d async for d in db["tags"].find({"_id": {"$in": ["sad", "summer", "seen live"]}})}
    assert "sad" in tags and "summer" in tags and "seen live" not in tags


async def test_build_is_idempotent(app: App) -> None:
    before = await app.storage.db["listening_events"].count_documents({"source": "hetrec"})
    again = await ensure_catalog(app.settings, app.storage, progress=False)
    assert again["skipped"] is True
    assert await app.storage.db["listening_events"].count_documents({"source": "hetrec"}) == before
    assert CatalogIndex.exists(app.settings.catalog_dir)


async def test_documents_a_stopped_first_start_left_unwritten_are_written_on_the_next(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index is saved and recorded before the catalog's documents go into MongoDB (they are written while
    the first model trains): a process stopped in between leaves them pending, and the next start writes them."""
    # A second copy of the catalog on a server of its own: written into the session's server (already holding the
    # first), one 5,000-event batch took past the client's 20 s (session 22's CI), and later the count below
    # past 120 s, leaving the server busy for the tests after it (session 25's CI). What is tested is that the
    # pending documents get written, not how fast a loaded embedded server takes them.
    monkeypatch.setattr(database, "OPERATION_TIMEOUT_MS", 120_000)
    shutil.copytree(app.settings.catalog_dir, tmp_path / "catalog")
    with EmbeddedMongo(tmp_path / "db") as server:
        settings = app.settings.with_changes(mongo_uri=server.uri, home=tmp_path, db_name="pending")
        async with open_storage(settings) as storage:
            recorded = await app.storage.catalog.build_info()
            await storage.catalog.set_build_info({k: v for k, v in recorded.items() if k != "_id"}
                                                 | {"documents": "pending"})
            again = await ensure_catalog(settings, storage, progress=False)
            assert again["skipped"] is True  # the index stood; only the documents were written
            assert (await storage.catalog.build_info())["documents"] == "written"
            assert await storage.db["tracks"].count_documents({}) == 28350
            assert await storage.db["listening_events"].count_documents({"source": "hetrec"}) == \
                recorded["report"]["listening_events"]
