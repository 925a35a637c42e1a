"""`/forget`: everything Suggestify keeps about one listener, deleted, in every collection that holds it."""

from __future__ import annotations

from motor.motor_asyncio import AsyncIOMotorDatabase

from storage.repositories import _s

# Collection -> the field naming the listener. A collection that starts to hold listener data belongs here.
PER_LISTENER = {
    "users": "_id",
    "sessions": "user_id",
    "listening_events": "user_id",
    "playlists": "user_id",
    "oauth_tokens": "user_id",
    "oauth_states": "user_id",
    "spotify_saves": "user_id",
    "rate_limits": "user_id",
    "deliveries": "user_id",
    "inbox": "chat",  # a direct chat's updates waiting for their turn (the chat is the listener)
}


class ListenerData:
    def __init__(self, db: AsyncIOMotorDatabase) -> None:
        self._db = db

    async def erase(self, user_id: str) -> dict[str, int]:
        """Documents deleted per collection; the listener also leaves other people's blends."""
        user_id = _s(user_id)
        deleted = {name: (await self._db[name].delete_many({field: user_id})).deleted_count
                   for name, field in PER_LISTENER.items()}
        await self._db["sessions"].update_many({"blend": user_id}, {"$pull": {"blend": user_id}})
        return deleted
