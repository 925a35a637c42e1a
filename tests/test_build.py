"""The catalog built from the real shipped data."""

from __future__ import annotations

from bot.app.wiring import App, ensure_catalog
from recommender.index import CatalogIndex


async def test_build_ingests_the_real_data(app: App) -> None:
    info = await app.storage.catalog.build_info()
    assert info is not None
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
