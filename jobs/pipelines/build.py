"""`suggestify build`: ingest the shipped datasets into MongoDB and write the
serving index. Idempotent: a second run with the same data and code is a no-op."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Coroutine, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tqdm import tqdm

from jobs.pipelines.ingest import ingested_tracks
from recommender import word_vectors
from recommender.catalog import Catalog, build_catalog, spotify_uri
from recommender.datasets import AUDIO_COLUMNS, load_raw
from recommender.encoder import load_encoder
from recommender.index import CatalogIndex, build_index
from recommender.ingest import add_tracks
from recommender.vocabulary import Vocabulary, build_vocabulary
from recommender.word_vectors import build_word_vectors, load_word_vectors
from storage.database import Storage

log = logging.getLogger(__name__)

BUILD_VERSION = 14  # bump when the catalog's shape changes, so existing homes rebuild


NOT_CATALOG = ("chat2tag", "fit")  # labelled sets live beside the data but do not change the catalog


def fingerprint(data_dir: Path, min_exposure: int, encoder: str) -> str:
    digest = hashlib.sha256(f"{BUILD_VERSION}|{min_exposure}|{encoder}".encode())
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and path.relative_to(data_dir).parts[0] not in NOT_CATALOG:
            digest.update(f"{path.relative_to(data_dir)}|{path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def _track_docs(catalog: Catalog, index: CatalogIndex) -> Iterator[dict[str, Any]]:
    tracks = catalog.tracks
    shipped = set(tracks.index)  # the index also holds ingested tracks, whose documents `ingest` wrote
    for row, tid in enumerate(index.track_ids.tolist()):
        if tid not in shipped:
            continue
        t = tracks.loc[tid]
        tags = index.tags_of(row)
        yield {
            "_id": tid,
            "name": t["name"],
            "artist": t["artist"],
            "artist_key": t["artist_key"],
            "uri": spotify_uri(tid),
            "tags": tags,
            "genres": catalog.own_tags.get(tid, [])[:2],
            "popularity": float(t["popularity"]),
            "year": int(t["year"]),
            "features": {f: float(t[f]) for f in AUDIO_COLUMNS},
            "source": "tidytuesday",
        }


def _artist_docs(catalog: Catalog, vocab: Vocabulary) -> Iterator[dict[str, Any]]:
    for key, row in catalog.artists.iterrows():
        counts = catalog.artist_tags.get(str(key)) or Counter()
        yield {
            "_id": str(key),
            "name": row["name"],
            "hetrec_ids": list(row["hetrec_ids"]),
            "genres": catalog.artist_genres.get(str(key), []),
            "tags": [{"tag": t, "count": int(n)} for t, n in counts.most_common(30) if vocab.column(t) is not None],
        }


def _event_docs(catalog: Catalog, at: datetime) -> Iterator[dict[str, Any]]:
    for user_id, key, weight in catalog.plays[["user_id", "artist_key", "weight"]].itertuples(index=False):
        yield {"user_id": user_id, "item_type": "artist", "item_id": key, "weight": float(weight),
               "source": "hetrec", "at": at}


def _playlist_docs(catalog: Catalog, at: datetime) -> Iterator[dict[str, Any]]:
    for pid, name, genre, sub, tracks in catalog.playlists[
        ["playlist_id", "name", "genre", "subgenre", "track_ids"]
    ].itertuples(index=False):
        yield {"_id": f"tidytuesday:{pid}", "user_id": "dataset:tidytuesday", "text": str(name),
               "tags": [str(genre), str(sub)], "tracks": list(tracks), "created_at": at}


async def build(
    storage: Storage, data_dir: Path, catalog_dir: Path, encoder_name: str, min_exposure: int = 5,
    force: bool = False, progress: bool = True,
) -> dict[str, Any]:
    """The whole build: the serving index, then the catalog's documents in MongoDB."""
    record, documents = await build_files(storage, data_dir, catalog_dir, encoder_name, min_exposure, force, progress)
    if documents is not None:
        await documents
    return record


async def build_files(
    storage: Storage, data_dir: Path, catalog_dir: Path, encoder_name: str, min_exposure: int = 5,
    force: bool = False, progress: bool = True,
) -> tuple[dict[str, Any], Coroutine[Any, Any, None] | None]:
    """The serving index (what a model trains on and a reply needs), and what is left to do: writing the
    catalog's tracks, artists, tags, playlists and HetRec plays into MongoDB (None: already there). A first
    start writes them while the quick model trains; a process stopped before they are written writes them on
    its next start (the build record says they are pending)."""
    fp = fingerprint(data_dir, min_exposure, encoder_name)
    info = await storage.catalog.build_info()
    if not force and info and info.get("fingerprint") == fp and CatalogIndex.exists(catalog_dir):
        if info.get("documents", "written") == "written":
            return {**info, "skipped": True}, None
        encoder = load_encoder(encoder_name)
        catalog = build_catalog(load_raw(data_dir), encoder)
        index = CatalogIndex.load(catalog_dir)
        return {**info, "skipped": True}, _write_documents(storage, catalog, index, index.vocab, info, progress)

    steps = tqdm(total=3, desc="build", unit="step", disable=not progress)
    encoder = load_encoder(encoder_name)
    catalog = build_catalog(load_raw(data_dir), encoder)
    steps.update()
    exposure = catalog.tag_exposure()
    vocab = build_vocabulary(exposure, encoder, min_exposure, catalog.trusted_tags())
    build_word_vectors(encoder, catalog_dir / word_vectors.FILE)  # Chat2Tag's common-word table, off the hot path
    index = build_index(catalog, vocab, encoder, load_word_vectors(catalog_dir / word_vectors.FILE, encoder))
    steps.update()
    index = add_tracks(index, await ingested_tracks(storage), encoder)  # keep what `ingest` added
    index.save(catalog_dir)
    steps.update()
    steps.close()

    report = {
        **catalog.report,
        "raw_tags": catalog.raw_tag_count,
        "vocabulary_steps": dict(vocab.report),
        "vocabulary": len(vocab),
        "tracks_with_tags": int((index.track_tags.getnnz(axis=1) > 0).sum()),
    }
    record = {"fingerprint": fp, "built_at": datetime.now(timezone.utc), "report": report, "documents": "pending"}
    await storage.catalog.set_build_info(record)
    return {**record, "skipped": False}, _write_documents(storage, catalog, index, vocab, record, progress)


async def _write_documents(storage: Storage, catalog: Catalog, index: CatalogIndex, vocab: Vocabulary,
                           record: dict[str, Any], progress: bool) -> None:
    def bar(it: Any, total: int, desc: str) -> Any:
        return tqdm(it, total=total, desc=desc, unit="doc", disable=not progress, leave=False)

    now = record["built_at"]
    await storage.catalog.upsert("tracks", bar(_track_docs(catalog, index), len(catalog.tracks), "tracks"))
    await storage.catalog.upsert("artists", bar(_artist_docs(catalog, vocab), len(catalog.artists), "artists"))
    await storage.catalog.upsert("tags", bar(
        ({"_id": r["tag"], **{k: v for k, v in r.items() if k != "tag"}} for r in vocab.records()),
        len(vocab), "tags"))
    await storage.catalog.prune("tags", vocab.tags)
    await storage.events.replace_source("hetrec", bar(_event_docs(catalog, now), len(catalog.plays), "events"))
    await storage.catalog.upsert("playlists", bar(_playlist_docs(catalog, now), len(catalog.playlists), "playlists"))
    await storage.catalog.set_build_info({k: v for k, v in record.items() if k != "_id"} | {"documents": "written"})
