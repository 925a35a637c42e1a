"""Storage against a real server process: indexes, validators, typed queries, restarts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.errors import DuplicateKeyError, WriteError

from storage.database import Database, Storage
from storage.schema import ensure_schema
from storage.server import EmbeddedMongo


@pytest.fixture
async def storage(mongo_uri: str, tmp_path: Path):
    async with Database(mongo_uri, f"st_{uuid.uuid4().hex[:8]}", tmp_path) as st:
        yield st
        await st.client.drop_database(st.db.name)


async def test_unique_index_rejects_duplicate_user(storage: Storage) -> None:
    await storage.users.get_or_create("telegram", "42", "Ada")
    again = await storage.users.get_or_create("telegram", "42", "Ada Lovelace")
    assert again["display_name"] == "Ada"  # second call finds, never duplicates
    doc = {"_id": "other-id", "platform": "telegram", "platform_user_id": "42", "created_at": again["created_at"]}
    with pytest.raises(DuplicateKeyError):
        await storage.db["users"].insert_one(doc)
    assert await storage.db["users"].count_documents({"platform": "telegram"}) == 1


async def test_validator_rejects_malformed_event(storage: Storage) -> None:
    with pytest.raises(WriteError):
        await storage.db["listening_events"].insert_one({"user_id": "x", "item_type": "album"})


async def test_schema_is_idempotent(storage: Storage) -> None:
    await ensure_schema(storage.db)
    await ensure_schema(storage.db)
    info = await storage.db["users"].index_information()
    assert any(v.get("unique") for v in info.values())


async def test_user_text_never_becomes_an_operator(storage: Storage) -> None:
    with pytest.raises(TypeError):
        await storage.sessions.load({"$ne": None})  # type: ignore[arg-type]
    # A string that looks like an operator is only a string.
    assert await storage.sessions.load('{"$ne": null}') is None


async def test_a_session_saved_by_someone_else_since_it_was_read_is_not_overwritten(storage: Storage) -> None:
    sessions = storage.sessions
    assert await sessions.save({"_id": "c:1", "user_id": "c:1", "playlist": ["a"]})  # new: version 0 -> 1
    first, second = await sessions.load("c:1"), await sessions.load("c:1")  # two workers read version 1
    assert await sessions.save({**first, "playlist": ["b"]})
    assert not await sessions.save({**second, "playlist": ["c"]})  # stale: refused, nothing overwritten
    saved = await sessions.load("c:1")
    assert saved["playlist"] == ["b"] and saved["version"] == 2
    assert not await sessions.save({"_id": "c:1", "user_id": "c:1", "playlist": ["d"]})  # "new" but it exists
    await storage.db["sessions"].insert_one({"_id": "c:old", "user_id": "c:old", "updated_at": saved["updated_at"]})
    assert await sessions.save({**(await sessions.load("c:old")), "playlist": ["e"]})  # saved before versions


async def test_event_weights_sum_per_item(storage: Storage) -> None:
    await storage.events.add("console:u", "track", "t1", 5, "chat:like")
    await storage.events.add("console:u", "track", "t1", -5, "chat:dislike")
    await storage.events.add("console:u", "track", "t2", 5, "chat:like")
    assert await storage.events.weights("console:u", "track") == {"t1": 0.0, "t2": 5.0}


async def test_taste_reads_every_item_type_at_once(storage: Storage) -> None:
    await storage.events.add("console:taste", "artist", "radiohead", 25, "chat:taste")
    await storage.events.add("console:taste", "track", "t9", 5, "chat:like")
    await storage.events.add("console:other", "track", "t9", 5, "chat:like")
    assert await storage.events.taste("console:taste") == {"artist": {"radiohead": 25.0}, "track": {"t9": 5.0}}
    assert await storage.events.taste("console:nobody") == {}


async def test_taste_is_the_most_recent_events_only(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.repositories as repositories

    monkeypatch.setattr(repositories, "TASTE_EVENTS", 3)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    # Inserted out of time order, so reading them in insertion order would keep the wrong three.
    for day, artist in [(4, "new-a"), (1, "old-a"), (5, "new-b"), (2, "old-b"), (3, "new-c")]:
        await storage.db["listening_events"].insert_one(
            {"user_id": "console:long", "item_type": "artist", "item_id": artist, "weight": 1.0,
             "source": "chat:taste", "at": start + timedelta(days=day)})
    assert set((await storage.events.taste("console:long"))["artist"]) == {"new-a", "new-b", "new-c"}
    await storage.db["listening_events"].delete_many({"user_id": "console:long", "item_id": "old-a"})
    await storage.db["listening_events"].delete_many({"user_id": "console:long", "item_id": "old-b"})
    assert set((await storage.events.taste("console:long"))["artist"]) == {"new-a", "new-b", "new-c"}


async def test_embedded_server_keeps_data_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "db"
    with EmbeddedMongo(data) as first:
        client = AsyncIOMotorClient(first.uri)
        await client.t.things.insert_one({"_id": "kept", "n": 1})
        client.close()
    with EmbeddedMongo(data) as second:
        client = AsyncIOMotorClient(second.uri)
        assert await client.t.things.find_one({"_id": "kept"}) == {"_id": "kept", "n": 1}
        client.close()


async def test_the_embedded_server_is_asked_for_no_retryable_writes(storage: Storage) -> None:
    """It scans every retryable write it remembers on each new one (turns slowed from ~20 to ~30 ms over a
    few thousand writes); one local process has no failover to retry across. A deployment's URI is its own."""
    assert storage.client.options.retry_writes is False
    deployment = AsyncIOMotorClient("mongodb://db.example:27017/")
    assert deployment.options.retry_writes is True
    deployment.close()


async def test_an_answered_update_keeps_its_key_but_not_its_message(storage: Storage) -> None:
    """The inbox remembers a taken update a day so Telegram's redelivery is not answered again; what the listener
    wrote goes as soon as it is taken, and a chat's updates come out in the platform's order."""
    chat = f"telegram:{uuid.uuid4().hex[:8]}"
    assert await storage.inbox.put(chat, f"{chat}:2", 2, {"text": "second"})
    assert await storage.inbox.put(chat, f"{chat}:1", 1, {"text": "first"})
    taken = await storage.inbox.take(chat)
    assert taken is not None and taken["payload"] == {"text": "first"}
    stored = await storage.db["inbox"].find_one({"_id": f"{chat}:1"})
    assert stored is not None and stored["taken"] and "payload" not in stored
    assert not await storage.inbox.put(chat, f"{chat}:1", 1, {"text": "first"})  # a redelivery
    assert await storage.inbox.waiting(chat)
    assert (await storage.inbox.take(chat))["payload"] == {"text": "second"}
    assert await storage.inbox.take(chat) is None and not await storage.inbox.waiting(chat)
