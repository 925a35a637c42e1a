"""Published model versions in MongoDB (GridFS), so that a worker on any machine with only MONGO_URI can
serve: the trainer claims a version, uploads its files with their SHA-256, and only then points `current` at
it; a worker downloads a version, checks every file against its digest, and keeps its local folder as a cache.
A corrupt or missing file makes `fetch` refuse that version, so the caller falls back to an older one."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from motor.motor_asyncio import AsyncIOMotorDatabase, AsyncIOMotorGridFSBucket
from pymongo.errors import DuplicateKeyError

from storage.repositories import _s

KEEP_PUBLISHED = 3  # versions kept in MongoDB for a worker to fall back on
POINTER = "model"  # the `meta` document naming the version every worker serves


class ModelFiles:
    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        self._bucket = AsyncIOMotorGridFSBucket(db, bucket_name="model_files")
        self._versions = db["model_versions"]  # _id: version, catalog, state, files {name: sha256}, published_at
        self._meta = db["meta"]

    async def publish(self, version: str, folder: Path, catalog: str | None) -> bool:
        """Upload a version's files (its folder) and make it the one every worker serves. Once: the version's
        record is claimed first (a unique key), so a second publisher of the same version uploads nothing and
        gets False."""
        try:
            await self._versions.insert_one({"_id": _s(version), "catalog": catalog, "state": "uploading"})
        except DuplicateKeyError:
            return False
        try:
            digests: dict[str, str] = {}
            for path in sorted(p for p in folder.iterdir() if p.is_file()):
                digests[path.name] = _sha256(path)
                with path.open("rb") as source:
                    await self._bucket.upload_from_stream(f"{version}/{path.name}", source,
                                                          metadata={"version": version, "sha256": digests[path.name]})
        except BaseException:  # nothing half-published stays behind to be fetched
            await self._drop(version)
            raise
        await self._versions.update_one({"_id": _s(version)}, {"$set": {
            "state": "ready", "files": digests, "published_at": datetime.now(timezone.utc)}})
        await self._meta.update_one({"_id": POINTER}, {"$set": {"version": _s(version)}}, upsert=True)
        await self._prune()
        return True

    async def current(self) -> str | None:
        doc = await self._meta.find_one({"_id": POINTER})
        return str(doc["version"]) if doc else None

    async def servable(self, catalog: str | None) -> list[str]:
        """Published versions for this catalog: the current one first, then the newest."""
        current = await self.current()
        found = [d["_id"] async for d in self._versions.find({"catalog": catalog, "state": "ready"}, {"_id": 1})
                 .sort("published_at", -1)]
        return [v for v in dict.fromkeys([current, *found]) if v in found]

    async def fetch(self, version: str, into: Path) -> bool:
        """Download a version into `into`/version, every file checked against its digest; False (nothing left
        behind) when a file is missing or corrupt."""
        record = await self._versions.find_one({"_id": _s(version), "state": "ready"})
        if record is None:
            return False
        partial = into / f".{version}.download"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            for name, digest in record["files"].items():
                target = partial / name
                with target.open("wb") as out:
                    await self._bucket.download_to_stream_by_name(f"{version}/{name}", out)
                if _sha256(target) != digest:
                    return False
            os.replace(partial, into / version)
            return True
        except Exception:  # a missing chunk or file: not this version
            return False
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    async def _prune(self) -> None:
        current = await self.current()
        newest = [d["_id"] async for d in self._versions.find({"state": "ready"}, {"_id": 1}).sort("published_at", -1)]
        for version in newest[KEEP_PUBLISHED:]:
            if version != current:
                await self._drop(version)

    async def _drop(self, version: str) -> None:
        await self._versions.delete_one({"_id": _s(version)})  # first: no worker picks a version losing its files
        async for grid_file in self._bucket.find({"metadata.version": _s(version)}):
            await self._bucket.delete(grid_file._id)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
