"""`suggestify ingest tracks FILE.csv`: new tracks into the database and the serving index."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from recommender.catalog import spotify_uri
from recommender.encoder import TextEncoder
from recommender.index import CatalogIndex
from recommender.ingest import NewTrack, add_tracks, parse_tracks_csv
from recommender.names import artist_key
from storage.database import Storage

SOURCE = "ingest"


def _doc(track: NewTrack, index: CatalogIndex) -> dict[str, Any]:
    tags = index.tags_of(index.row_of[track.track_id])
    return {
        "_id": track.track_id, "name": track.name, "artist": track.artist, "artist_key": artist_key(track.artist),
        "uri": spotify_uri(track.track_id), "tags": tags, "raw_tags": track.tags, "genres": [],
        "popularity": 0.0, "features": track.features, "source": SOURCE,
    }


async def ingest_tracks(storage: Storage, catalog_dir: Path, path: Path, encoder: TextEncoder) -> dict[str, Any]:
    """Parse, embed and index in a worker thread: a large file inside a running bot never stalls its chats."""
    parsed = await asyncio.to_thread(parse_tracks_csv, path)
    index = await asyncio.to_thread(lambda: add_tracks(CatalogIndex.load(catalog_dir), parsed.tracks, encoder))
    docs = await asyncio.to_thread(lambda: [_doc(t, index) for t in parsed.tracks])
    await storage.catalog.upsert("tracks", docs)
    await asyncio.to_thread(index.save, catalog_dir)
    return {
        "added": len(parsed.tracks),
        "errors": [{"line": line, "error": msg} for line, msg in parsed.errors],
        "catalog_size": index.size,
    }


async def ingested_tracks(storage: Storage) -> list[NewTrack]:
    """Tracks added by ingest, so a rebuilt index keeps them."""
    docs = await storage.db["tracks"].find({"source": SOURCE}).to_list(None)
    return [NewTrack(d["_id"], d["name"], d["artist"], d.get("raw_tags", []), d.get("features", {})) for d in docs]
