"""Chat updates waiting for their turn, shared by every worker: a platform update is stored once (its id is the
key, so a platform's retry of one already taken is a no-op) and taken in the platform's order (its sequence
number), one chat at a time, by whichever worker holds that chat's lease (`storage.leases`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from storage.leases import Lease

KEEP = timedelta(days=1)  # an update nobody could answer for a day is dropped (the server's TTL sweep)


class Inbox:
    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        self._db = db
        self._c = db["inbox"]

    async def put(self, chat: str, key: str, seq: int, payload: dict[str, Any]) -> bool:
        """Store an update for `chat`; False when one with this key was stored before (a redelivery)."""
        now = datetime.now(timezone.utc)
        try:
            await self._c.insert_one({"_id": key, "chat": chat, "seq": seq, "taken": False, "payload": payload,
                                      "at": now, "expires_at": now + KEEP})
        except DuplicateKeyError:
            return False
        return True

    async def take(self, chat: str) -> dict[str, Any] | None:
        """The chat's oldest waiting update, marked taken: {"_id": key, "payload": ...}. Taken before it is
        answered: a worker that dies mid-answer loses that one update rather than answering it twice (a
        toggle applied twice would undo itself). Its key is kept until it expires, so a redelivery is still
        known; its message is not (the document as it was before the update is what comes back)."""
        return await self._c.find_one_and_update({"chat": chat, "taken": False},
                                                 {"$set": {"taken": True}, "$unset": {"payload": ""}},
                                                 {"payload": 1}, sort=[("seq", ASCENDING)])

    async def waiting(self, chat: str) -> bool:
        return await self._c.find_one({"chat": chat, "taken": False}, {"_id": 1}) is not None

    async def waiting_since(self, before: datetime) -> list[str]:
        """Chats with an update stored before `before` and still waiting (their worker may have died)."""
        return await self._c.distinct("chat", {"taken": False, "at": {"$lt": before}})  # type: ignore[no-any-return]

    def turn(self, chat: str, lease_s: float) -> Lease:
        """The lease that makes one worker at a time answer `chat` (a new owner each time: one turn per drain)."""
        return Lease(self._db, f"chat:{chat}", lease_s)
