"""Typed access to the collections. Every filter is built from typed values
(str/int), so text a user typed can never become a query operator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import pymongo
from bson import ObjectId
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import InsertOne, ReplaceOne, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

TASTE_EVENTS = 5000  # a listener's most recent events that make up their taste
BULK_DELETE_S = 300  # a re-import's delete of a whole source

def _now() -> datetime:
    return datetime.now(timezone.utc)


def _s(value: object) -> str:
    """A query value that is a plain string, whatever the caller passed."""
    if not isinstance(value, (str, int)):
        raise TypeError(f"query values must be str or int, not {type(value).__name__}")
    return str(value)


def user_key(platform: str, platform_user_id: str | int) -> str:
    return f"{_s(platform)}:{_s(platform_user_id)}"


class UserRepository:
    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        self._c = db["users"]

    async def get_or_create(self, platform: str, platform_user_id: str, display_name: str = "") -> dict[str, Any]:
        key = user_key(platform, platform_user_id)
        doc = {
            "platform": _s(platform),
            "platform_user_id": _s(platform_user_id),
            "display_name": display_name[:100],
            "connected": {},
            "consent": {},
            "created_at": _now(),
        }
        # Upsert with $setOnInsert: concurrent first messages create one user; one round trip.
        found = await self._c.find_one_and_update({"_id": key}, {"$setOnInsert": doc}, upsert=True,
                                                  return_document=ReturnDocument.AFTER)
        assert found is not None
        return found

    async def get(self, user_id: str) -> dict[str, Any] | None:
        return await self._c.find_one({"_id": _s(user_id)})

    async def set_place(self, user_id: str, place: Mapping[str, Any]) -> None:
        await self._c.update_one({"_id": _s(user_id)}, {"$set": {"place": dict(place)}})

    async def set_subscription(self, user_id: str, subscription: Mapping[str, Any] | None) -> None:
        """Where and when scheduled suggestions go; None unsubscribes."""
        update = {"$set": {"subscription": dict(subscription)}} if subscription else {"$unset": {"subscription": ""}}
        await self._c.update_one({"_id": _s(user_id)}, update)

    async def set_consent(self, user_id: str, purpose: str, given: bool) -> None:
        """What the listener allows others to use ("blend": their taste in group playlists)."""
        await self._c.update_one({"_id": _s(user_id)}, {"$set": {f"consent.{_s(purpose)}": bool(given)}}, upsert=True)

    async def consenting(self, user_ids: list[str], purpose: str) -> set[str]:
        cursor = self._c.find({"_id": {"$in": [_s(u) for u in user_ids]}, f"consent.{_s(purpose)}": True}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}


class SessionRepository:
    """Conversation state per chat: last text, chosen tags, current playlist, removed tracks."""

    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        self._c = db["sessions"]

    async def load(self, session_id: str) -> dict[str, Any] | None:
        return await self._c.find_one({"_id": _s(session_id)})

    async def save(self, session: Mapping[str, Any]) -> bool:
        """Write a session only if nobody wrote it since it was read (its `version` is still the one read), as
        version + 1. False when another worker did: the caller re-reads and redoes its change on theirs."""
        doc = dict(session)
        read = int(doc.get("version", 0))
        doc.update(version=read + 1, updated_at=_now())
        # Version 0 is a session this worker created, or one saved before versions existed.
        unchanged = {"version": read} if read else {"version": {"$exists": False}}
        try:
            result = await self._c.replace_one({"_id": _s(doc["_id"]), **unchanged}, doc, upsert=True)
        except DuplicateKeyError:  # it exists with a version: someone else saved it first
            return False
        return result.matched_count == 1 or result.upserted_id is not None


class EventRepository:
    """Listening events: what a user played, liked or named, with a weight."""

    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        self._c = db["listening_events"]

    async def add(self, user_id: str, item_type: str, item_id: str, weight: float, source: str) -> None:
        await self.add_many(user_id, item_type, [item_id], weight, source)

    async def add_many(self, user_id: str, item_type: str, item_ids: Iterable[str], weight: float, source: str) -> None:
        """The same event for several items (a rated playlist, named artists) in one round trip."""
        now = _now()
        docs = [{"user_id": _s(user_id), "item_type": _s(item_type), "item_id": _s(i), "weight": float(weight),
                 "source": _s(source), "at": now} for i in item_ids]
        if docs:
            await self._c.insert_many(docs, ordered=False)

    async def replace_user_source(self, user_id: str, source: str, items: Iterable[tuple[str, str, float]]) -> int:
        """Replace one listener's events from one source (a re-import of their Spotify history)
        with (item type, item id, weight) triples."""
        now = _now()
        docs = [{"user_id": _s(user_id), "item_type": _s(t), "item_id": _s(i), "weight": float(w), "source": _s(source),
                 "at": now} for t, i, w in items]
        await self._c.delete_many({"user_id": _s(user_id), "source": _s(source)})
        if docs:
            await self._c.insert_many(docs, ordered=False)
        return len(docs)

    async def weights(self, user_id: str, item_type: str) -> dict[str, float]:
        """Summed weight per item for one user (negative feedback subtracts)."""
        return (await self._summed({"user_id": _s(user_id), "item_type": _s(item_type)})).get(item_type, {})

    async def taste(self, user_id: str) -> dict[str, dict[str, float]]:
        """`weights` for every item type at once: one round trip, as the core asks on every message."""
        return await self._summed({"user_id": _s(user_id)})

    async def _summed(self, query: Mapping[str, Any]) -> dict[str, dict[str, float]]:
        """Summed over the listener's most recent events only: a turn reads a bounded amount however long
        someone has been listening."""
        fields = {"_id": 0, "item_type": 1, "item_id": 1, "weight": 1}
        # Most listeners have fewer: all of them, unsorted (the embedded server sorts even along the index, at
        # about half the read's cost); only a longer history is read again, newest first.
        events = await self._c.find(query, fields).limit(TASTE_EVENTS + 1).to_list(None)
        if len(events) > TASTE_EVENTS:
            events = await self._c.find(query, fields).sort("at", -1).limit(TASTE_EVENTS).to_list(None)
        totals: dict[str, dict[str, float]] = {}
        for ev in events:
            per_item = totals.setdefault(ev["item_type"], {})
            per_item[ev["item_id"]] = per_item.get(ev["item_id"], 0.0) + float(ev["weight"])
        return totals

    async def totals(self, exclude_sources: Iterable[str] = ()) -> list[tuple[str, str, str, float]]:
        """(user, item type, item, summed weight) over every event not from the given (bulk) sources."""
        pipeline = [
            {"$match": {"source": {"$nin": [_s(s) for s in exclude_sources]}}},
            {"$group": {"_id": {"u": "$user_id", "t": "$item_type", "i": "$item_id"}, "w": {"$sum": "$weight"}}},
        ]
        return [(d["_id"]["u"], d["_id"]["t"], d["_id"]["i"], float(d["w"]))
                async for d in self._c.aggregate(pipeline)]

    async def replace_source(self, source: str, events: Iterable[Mapping[str, Any]], batch: int = 5000) -> int:
        """Replace every event of one import source (idempotent re-import). The old ones go in one statement
        given longer than the client's usual bound: the embedded server takes ~20 s for HetRec's 90k events
        (batches by id were slower still: a long `$in` costs it more than linear time)."""
        with pymongo.timeout(BULK_DELETE_S):
            await self._c.delete_many({"source": _s(source)})
        return await insert_batched(self._c, events, batch)


class PlaylistRepository:
    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        self._c = db["playlists"]

    async def add(self, user_id: str, text: str, tags: list[str], tracks: list[str]) -> str:
        res = await self._c.insert_one(
            {"user_id": _s(user_id), "text": text, "tags": tags, "tracks": tracks, "created_at": _now()}
        )
        return str(res.inserted_id)

    async def discard(self, playlist_id: str) -> None:
        """Take back a record whose turn did not stick (its session save was refused)."""
        await self._c.delete_one({"_id": ObjectId(playlist_id)})


class CatalogRepository:
    """Tracks, artists, tags and build metadata, written by `suggestify build`."""

    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        self._db = db

    async def build_info(self) -> dict[str, Any] | None:
        return await self._db["meta"].find_one({"_id": "catalog"})

    async def set_build_info(self, info: Mapping[str, Any]) -> None:
        await self._db["meta"].replace_one({"_id": "catalog"}, {"_id": "catalog", **info}, upsert=True)

    async def upsert(self, collection: str, docs: Iterable[Mapping[str, Any]], batch: int = 2000) -> int:
        """Write documents by _id. Into an empty collection (a first build) they are inserted, 2.4x faster than
        upserts on the embedded server; a document another process inserted meanwhile stands."""
        target = self._db[collection]
        if await target.estimated_document_count() == 0:
            return await write_batched(target, (InsertOne(dict(d)) for d in docs), batch, duplicates_ok=True)
        ops = (ReplaceOne({"_id": _s(d["_id"])}, dict(d), upsert=True) for d in docs)
        return await write_batched(target, ops, batch)

    async def prune(self, collection: str, keep: list[str]) -> int:
        """Delete documents whose _id is not in `keep` (a rebuilt vocabulary drops old tags)."""
        res = await self._db[collection].delete_many({"_id": {"$nin": [_s(k) for k in keep]}})
        return res.deleted_count



DUPLICATE_KEY = 11000  # MongoDB's error code


async def write_batched(collection: Any, ops: Iterable[Any], batch: int, duplicates_ok: bool = False) -> int:
    """Unordered bulk writes of `batch` operations; with `duplicates_ok`, an insert whose _id exists is skipped."""
    done, pending = 0, []

    async def flush() -> None:
        try:
            await collection.bulk_write(pending, ordered=False)
        except BulkWriteError as e:
            if not duplicates_ok or any(err.get("code") != DUPLICATE_KEY for err in e.details.get("writeErrors", [])):
                raise

    for op in ops:
        pending.append(op)
        if len(pending) >= batch:
            await flush()
            done, pending = done + len(pending), []
    if pending:
        await flush()
        done += len(pending)
    return done


async def insert_batched(collection: Any, docs: Iterable[Mapping[str, Any]], batch: int) -> int:
    return await write_batched(collection, (InsertOne(dict(d)) for d in docs), batch)
