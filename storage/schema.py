"""Collections, indexes and validators, applied idempotently at start-up.

Modelled on the original report's §3.3 (Listening_Events, User, Track,
Candidate_Keywords) plus what a chat bot needs (sessions, playlists).
"""

from __future__ import annotations

from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import CollectionInvalid, OperationFailure

AUDIO_FEATURES: tuple[str, ...] = (
    "danceability", "energy", "key", "loudness", "mode", "speechiness",
    "acousticness", "instrumentalness", "liveness", "valence", "tempo", "duration_ms",
)

_STR = {"bsonType": "string"}
_NUM = {"bsonType": ["double", "int", "long", "decimal"]}
_STR_LIST = {"bsonType": "array", "items": {"bsonType": "string"}}
_DATE = {"bsonType": "date"}

VALIDATORS: dict[str, dict[str, Any]] = {
    "users": {
        "bsonType": "object",
        "required": ["_id", "platform", "platform_user_id", "created_at"],
        "properties": {
            "_id": _STR,
            "platform": {"enum": ["console", "telegram", "discord", "hetrec", "cli"]},
            "platform_user_id": _STR,
            "display_name": _STR,
            "country": _STR,
            "timezone": _STR,
            "place": {"bsonType": "object"},  # where the listener is: weather and local time for suggestions
            "subscription": {"bsonType": "object"},  # scheduled suggestions: platform, chat, times, time zone
            "connected": {"bsonType": "object"},
            "consent": {"bsonType": "object"},
            "created_at": _DATE,
        },
    },
    "tracks": {
        "bsonType": "object",
        "required": ["_id", "name", "artist", "tags"],
        "properties": {
            "_id": _STR,
            "name": _STR,
            "artist": _STR,
            "artist_key": _STR,
            "uri": _STR,
            "tags": _STR_LIST,
            "genres": _STR_LIST,
            "popularity": _NUM,
            "features": {"bsonType": "object", "properties": {f: _NUM for f in AUDIO_FEATURES}},
            "source": _STR,
        },
    },
    "artists": {
        "bsonType": "object",
        "required": ["_id", "name"],
        "properties": {
            "_id": _STR,
            "name": _STR,
            "hetrec_id": {"bsonType": ["int", "long"]},
            "genres": _STR_LIST,
            "tags": {"bsonType": "array"},
        },
    },
    "tags": {
        "bsonType": "object",
        "required": ["_id", "category", "count"],
        "properties": {
            "_id": _STR,
            "category": _STR,
            "count": {"bsonType": ["int", "long"]},
            "aliases": _STR_LIST,
        },
    },
    "listening_events": {
        "bsonType": "object",
        "required": ["user_id", "item_type", "item_id", "weight", "source", "at"],
        "properties": {
            "user_id": _STR,
            "item_type": {"enum": ["track", "artist"]},
            "item_id": _STR,
            "weight": _NUM,
            "source": _STR,
            "at": _DATE,
        },
    },
    "sessions": {
        "bsonType": "object",
        "required": ["_id", "user_id", "updated_at"],
        "properties": {
            "_id": _STR,
            "user_id": _STR,
            "last_text": _STR,
            "tags": {"bsonType": "array"},
            "playlist": _STR_LIST,
            "removed": _STR_LIST,
            "shown": _STR_LIST,
            "filters": {"bsonType": "object"},
            "sound": {"bsonType": "object"},  # the request's audio target: dimension -> [0, 1]
            "query": _STR,  # the request's own words, for text retrieval on /more and toggles
            "version": {"bsonType": ["int", "long"]},  # bumped by every save: concurrent writers never overwrite
            "updated_at": _DATE,
        },
    },
    "playlists": {
        "bsonType": "object",
        "required": ["user_id", "tracks", "created_at"],
        "properties": {
            "user_id": _STR,
            "text": _STR,
            "tags": _STR_LIST,
            "tracks": _STR_LIST,
            "created_at": _DATE,
        },
    },
}

INDEXES: dict[str, list[IndexModel]] = {
    "users": [IndexModel([("platform", ASCENDING), ("platform_user_id", ASCENDING)], unique=True)],
    "tracks": [IndexModel([("artist_key", ASCENDING)]), IndexModel([("tags", ASCENDING)])],
    "artists": [IndexModel([("hetrec_id", ASCENDING)], unique=True, sparse=True)],
    "tags": [IndexModel([("category", ASCENDING), ("count", DESCENDING)])],
    "listening_events": [
        IndexModel([("user_id", ASCENDING), ("at", DESCENDING)]),
        IndexModel([("source", ASCENDING)]),
    ],
    "sessions": [IndexModel([("user_id", ASCENDING)])],
    "playlists": [IndexModel([("user_id", ASCENDING), ("created_at", DESCENDING)])],
    "meta": [],
    "model_versions": [IndexModel([("catalog", ASCENDING), ("published_at", DESCENDING)])],
    # GridFS's own indexes, made here rather than by the first upload, which would create them amid other traffic.
    "model_files.files": [IndexModel([("filename", ASCENDING), ("uploadDate", ASCENDING)])],
    "model_files.chunks": [IndexModel([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)],
    "oauth_tokens": [IndexModel([("user_id", ASCENDING)])],
    # Expired states are removed by the server; consume() also checks the time, as TTL sweeps run once a minute.
    "oauth_states": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
    "rate_limits": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
    # Chat updates waiting for their turn (storage/inbox.py), in the platform's order; kept a day (redeliveries).
    "inbox": [IndexModel([("chat", ASCENDING), ("taken", ASCENDING), ("seq", ASCENDING)]),
              IndexModel([("taken", ASCENDING), ("at", ASCENDING)]),
              IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
    "deliveries": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],  # one push per slot
    # A finished save is kept a month (a repeated /save finds it and says "already saved"), then removed.
    "spotify_saves": [IndexModel([("status", ASCENDING)]), IndexModel([("user_id", ASCENDING)]),
                      IndexModel([("done_at", ASCENDING)], expireAfterSeconds=30 * 24 * 3600)],
}


async def ensure_schema(db: AsyncIOMotorDatabase) -> None:
    """Create collections with validators and their indexes; safe to run on every start."""
    existing = set(await db.list_collection_names())
    for name in INDEXES:
        validator = VALIDATORS.get(name)
        options: dict[str, Any] = {"validator": {"$jsonSchema": validator}} if validator else {}
        if name not in existing:
            try:
                await db.create_collection(name, **options)
            except CollectionInvalid:
                pass  # created concurrently by another process
        elif options:
            try:
                await db.command({"collMod": name, **options})
            except OperationFailure:
                pass  # a server without collMod keeps the validator it was created with
        if INDEXES[name]:
            await db[name].create_indexes(INDEXES[name])
