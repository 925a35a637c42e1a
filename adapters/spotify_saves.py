"""`/save` in the background: a playlist written to the listener's Spotify account, retried until it is there.

Each save is a document (`spotify_saves`) keyed by listener and playlist, so a second `/save` of the same
playlist reuses it, and a save left pending by a restart is picked up again (`resume`). Every attempt is
idempotent: the Spotify playlist carries the save's id in its description, so an attempt whose "created"
answer was lost finds it instead of creating a second; tracks already in it are not added again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument

from bot.core.ports import AccountUnavailable

log = logging.getLogger(__name__)

Notify = Callable[[str, str], Awaitable[None]]  # ("platform:chat", text)


class PlaylistWriter(Protocol):
    """The Spotify calls a save makes (adapters/spotify.py)."""

    async def find_playlist(self, user_id: str, marker: str) -> tuple[str, str] | None: ...

    async def create_playlist(self, user_id: str, title: str, description: str) -> tuple[str, str]: ...

    async def playlist_uris(self, user_id: str, playlist_id: str) -> list[str]: ...

    async def add_items(self, user_id: str, playlist_id: str, uris: list[str]) -> None: ...

    def retry_after(self, error: Exception) -> float | None: ...  # None: retrying cannot help


class SpotifySaves:
    def __init__(self, db: AsyncIOMotorDatabase, writer: PlaylistWriter, notify: Notify, attempts: int = 5,
                 backoff_s: float = 1.0, max_wait_s: float = 60.0) -> None:
        self._c = db["spotify_saves"]
        self.writer, self.notify = writer, notify
        self.attempts, self.backoff_s, self.max_wait_s = attempts, backoff_s, max_wait_s
        self._running: dict[str, asyncio.Task[None]] = {}
        self.owner = uuid.uuid4().hex  # this process, in a save's claim
        self.lease_s = attempts * max_wait_s + 60  # longer than every retry of one save

    @staticmethod
    def save_id(user_id: str, title: str, uris: list[str]) -> str:
        return hashlib.sha256("\n".join([user_id, title, *uris]).encode()).hexdigest()[:24]

    async def enqueue(self, user_id: str, chat: str, title: str, uris: list[str]) -> str:
        """Start (or restart, after a failure) saving this playlist; returns its save id at once."""
        save_id = self.save_id(user_id, title, uris)
        now = datetime.now(timezone.utc)
        await self._c.update_one(
            {"_id": save_id},
            {"$setOnInsert": {"user_id": user_id, "title": title, "uris": uris, "created_at": now},
             "$set": {"chat": chat, "requested_at": now}},
            upsert=True)
        await self._c.update_one({"_id": save_id, "status": {"$ne": "done"}}, {"$set": {"status": "pending"}})
        self._spawn(save_id)
        return save_id

    async def resume(self) -> int:
        """Pick up saves a stopped process left pending."""
        ids = [d["_id"] async for d in self._c.find({"status": "pending"}, {"_id": 1})]
        for save_id in ids:
            self._spawn(save_id)
        return len(ids)

    async def wait(self) -> None:
        """Until every running save has finished (for tests and a graceful stop)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Stop saving: unfinished saves stay pending in the database and resume on the next start."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, save_id: str) -> None:
        if save_id in self._running:
            return  # already saving: a second tap changes nothing
        task = asyncio.create_task(self._run(save_id))
        self._running[save_id] = task
        task.add_done_callback(lambda _: self._running.pop(save_id, None))

    async def _claim(self, save_id: str) -> dict[str, Any] | None:
        """The save, if no other process is working on it (a lease: a crashed worker's claim runs out)."""
        now = datetime.now(timezone.utc)
        return await self._c.find_one_and_update(
            {"_id": save_id, "$or": [{"claimed_until": {"$exists": False}}, {"claimed_until": {"$lt": now}},
                                     {"claimed_by": self.owner}]},
            {"$set": {"claimed_by": self.owner, "claimed_until": now + timedelta(seconds=self.lease_s)}},
            return_document=ReturnDocument.AFTER)

    async def _run(self, save_id: str) -> None:
        doc = await self._claim(save_id)
        if doc is None:
            return  # unknown, or another process is saving it right now: one playlist, not two
        try:
            await self._save(save_id, doc)
        finally:
            await self._c.update_one({"_id": save_id, "claimed_by": self.owner},
                                     {"$unset": {"claimed_by": "", "claimed_until": ""}})

    async def _save(self, save_id: str, doc: dict[str, Any]) -> None:
        if doc.get("status") == "done":
            await self._tell(doc, f"That playlist is already in your Spotify: {doc.get('url', '')}")
            return
        for attempt in range(1, self.attempts + 1):
            try:
                url = await self._attempt(doc)
            except Exception as error:
                wait = self.writer.retry_after(error)
                if wait is None or attempt == self.attempts:
                    await self._failed(doc, error)
                    return
                wait = min(max(wait, self.backoff_s * 2 ** (attempt - 1)), self.max_wait_s)
                log.warning("saving %s to Spotify: attempt %d failed (%s); retrying in %.1f s",
                            save_id, attempt, type(error).__name__, wait)
                await asyncio.sleep(wait)
                continue
            await self._c.update_one({"_id": save_id}, {"$set": {"status": "done", "url": url,
                                                                  "done_at": datetime.now(timezone.utc)}})
            await self._tell(doc, f"Saved “{doc['title']}” to your Spotify ({len(doc['uris'])} tracks): {url}")
            return

    async def _attempt(self, doc: dict[str, Any]) -> str:
        user_id, marker = doc["user_id"], f"ref {doc['_id']}"
        if not doc.get("playlist_id"):
            found = await self.writer.find_playlist(user_id, marker)
            playlist_id, url = found or await self.writer.create_playlist(
                user_id, doc["title"], f"Made for you by Suggestify ({marker})")
            await self._c.update_one({"_id": doc["_id"]}, {"$set": {"playlist_id": playlist_id, "url": url}})
            doc.update(playlist_id=playlist_id, url=url)
        present = set(await self.writer.playlist_uris(user_id, doc["playlist_id"]))
        missing = [u for u in doc["uris"] if u not in present]
        if missing:
            await self.writer.add_items(user_id, doc["playlist_id"], missing)
        return str(doc["url"])

    async def _failed(self, doc: dict[str, Any], error: Exception) -> None:
        log.error("saving %s to Spotify failed: %s", doc["_id"], type(error).__name__)
        await self._c.update_one({"_id": doc["_id"]}, {"$set": {"status": "failed", "error": type(error).__name__}})
        if isinstance(error, AccountUnavailable):
            text = "I couldn't save to Spotify: I no longer have access to your account. /connect again, please."
        else:
            text = ("I couldn't save to Spotify — it kept refusing. Try /save again later; /export gives you the "
                    "playlist as links and a file meanwhile.")
        await self._tell(doc, text)

    async def _tell(self, doc: dict[str, Any], text: str) -> None:
        try:
            await self.notify(doc["chat"], text)
        except Exception:
            log.exception("could not tell %s how their Spotify save went", doc["user_id"])
