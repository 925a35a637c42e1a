"""Leases in MongoDB: whoever holds an unexpired `locks` document may act (lead the scheduler, answer a chat).
Expiry is read and written on the database server's clock ($$NOW), so processes whose clocks disagree still agree
on who holds it."""

from __future__ import annotations

import uuid

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError


class Lease:
    def __init__(self, db: AsyncIOMotorDatabase, name: str, lease_s: float = 60.0) -> None:
        self._c = db["locks"]
        self.name = name
        self.owner = uuid.uuid4().hex
        self.lease_ms = int(lease_s * 1000)

    async def acquire(self) -> bool:
        """Take the lease if it is free or expired, or extend it if it is ours; False while another holds it."""
        # Expiry in epoch milliseconds: dates compare as equal inside expressions in secantusdb 0.7, numbers do
        # not. A missing one (a new lease) compares below any number.
        now_ms = {"$toLong": "$$NOW"}
        ours = {"$or": [{"$eq": ["$owner", self.owner]}, {"$lt": ["$expires_ms", now_ms]}]}
        try:
            doc = await self._c.find_one_and_update(
                {"_id": self.name},
                [{"$set": {"owner": {"$cond": [ours, self.owner, "$owner"]},
                           "expires_ms": {"$cond": [ours, {"$add": [now_ms, self.lease_ms]}, "$expires_ms"]}}}],
                upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # another process created the lease at the same moment
            return False
        return doc is not None and doc.get("owner") == self.owner

    async def release(self) -> None:
        await self._c.delete_one({"_id": self.name, "owner": self.owner})
