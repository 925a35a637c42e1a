"""Per-listener rate limits shared by every worker: a counter per key and time window in MongoDB, one
atomic upsert per check, removed by a TTL index once its window has passed."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument, WriteConcern

from storage.repositories import _s


class RateLimits:
    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        # Not journaled: a count lost with a crashed server only forgives a few messages, and a journal flush
        # per message was a tenth of a turn's latency.
        self._c = db.get_collection("rate_limits", write_concern=WriteConcern(w=1, j=False))

    async def hit(self, user_id: str, purpose: str, window_s: float) -> int:
        """Count one more `purpose` ("message", "llm") by this listener in the current window; returns the count
        so far, this one included."""
        window = int(time.time() // window_s)
        expires = datetime.fromtimestamp((window + 2) * window_s, timezone.utc)
        doc = await self._c.find_one_and_update(
            {"_id": f"{_s(purpose)}:{_s(user_id)}@{window_s:g}:{window}"},
            {"$inc": {"n": 1}, "$setOnInsert": {"user_id": _s(user_id), "expires_at": expires}},
            upsert=True, return_document=ReturnDocument.AFTER, projection={"n": 1})
        return int(doc["n"]) if doc else 1
