"""Secrets at rest: OAuth tokens encrypted with Fernet (AES-128-CBC + HMAC), and single-use OAuth states.

A database dump without the key shows who connected which account, never a usable token. Several keys
(comma-separated, newest first) rotate: new writes use the first, old records stay readable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from motor.motor_asyncio import AsyncIOMotorDatabase

from storage.repositories import _s

log = logging.getLogger(__name__)


def cipher(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def local_key(path: Path) -> str:
    """A key for a local install without SUGGESTIFY_SECRET_KEY: made once, kept beside the embedded database,
    readable by its owner only. Production sets the environment variable."""
    if path.exists() and (key := path.read_text().strip()):
        return key  # (an empty file never encrypted anything: it is replaced)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    # Written whole, then renamed into place: a crash in between leaves no key, never an empty one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")  # created 0600
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # fails if the file exists: another process's key wins, an empty file does not
    except FileExistsError:
        if existing := path.read_text().strip():
            key = existing
        else:
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    log.warning("SUGGESTIFY_SECRET_KEY is not set: using a local key in %s", path)
    return key


class TokenVault:
    """One document per (provider, user): the token encrypted, the account's public name in the clear."""

    def __init__(self, db: AsyncIOMotorDatabase, fernet: MultiFernet) -> None:
        self._c = db["oauth_tokens"]
        self._fernet = fernet

    @staticmethod
    def _id(provider: str, user_id: str) -> str:
        return f"{_s(provider)}:{_s(user_id)}"

    async def put(self, provider: str, user_id: str, token: Mapping[str, Any],
                  account: Mapping[str, str] | None = None) -> None:
        """A new connection (the account's name with it)."""
        update = self._sealed(provider, user_id, token)
        if account is not None:
            update["account"] = dict(account)
        await self._c.update_one({"_id": self._id(provider, user_id)}, {"$set": update}, upsert=True)

    async def refreshed(self, provider: str, user_id: str, token: Mapping[str, Any]) -> bool:
        """A refreshed token, kept only while the connection still exists: a refresh racing /disconnect
        must not bring the account back."""
        result = await self._c.update_one({"_id": self._id(provider, user_id)},
                                          {"$set": self._sealed(provider, user_id, token)})
        return result.matched_count > 0

    def _sealed(self, provider: str, user_id: str, token: Mapping[str, Any]) -> dict[str, Any]:
        return {"user_id": _s(user_id), "provider": _s(provider),
                "token": self._fernet.encrypt(json.dumps(dict(token)).encode()), "updated_at": datetime.now(timezone.utc)}

    async def token(self, provider: str, user_id: str) -> dict[str, Any] | None:
        doc = await self._c.find_one({"_id": self._id(provider, user_id)}, {"token": 1})
        if doc is None:
            return None
        try:
            return json.loads(self._fernet.decrypt(bytes(doc["token"])))
        except InvalidToken:  # written under a key we no longer have: the listener must connect again
            log.error("the %s token of %s cannot be decrypted with the configured key", provider, user_id)
            return None

    async def account(self, provider: str, user_id: str) -> dict[str, str] | None:
        doc = await self._c.find_one({"_id": self._id(provider, user_id)}, {"account": 1})
        return (doc.get("account") or {}) if doc else None

    async def delete(self, provider: str, user_id: str) -> bool:
        return (await self._c.delete_one({"_id": self._id(provider, user_id)})).deleted_count > 0


class OAuthStates:
    """The `state` of an authorisation link: random, bound to one listener and chat, to the first browser that
    opens it, used once, expiring. Only hashes are stored, so the database never holds a live link."""

    def __init__(self, db: AsyncIOMotorDatabase, ttl: timedelta = timedelta(minutes=10)) -> None:
        self._c = db["oauth_states"]
        self.ttl = ttl

    @staticmethod
    def _hash(state: str) -> str:
        return hashlib.sha256(state.encode()).hexdigest()

    async def issue(self, provider: str, user_id: str, chat: str) -> str:
        state = secrets.token_urlsafe(32)
        await self._c.insert_one({"_id": self._hash(state), "provider": _s(provider), "user_id": _s(user_id),
                                  "chat": _s(chat), "expires_at": datetime.now(timezone.utc) + self.ttl})
        return state

    def _live(self, provider: str, state: str) -> dict[str, Any] | None:
        if not isinstance(state, str) or not state or len(state) > 200:
            return None
        return {"_id": self._hash(state), "provider": _s(provider), "expires_at": {"$gt": datetime.now(timezone.utc)}}

    async def bind(self, provider: str, state: str, nonce: str) -> dict[str, Any] | None:
        """The first browser to open the link claims it (the hash of a nonce kept in its cookie); None when the
        state is unknown, expired or already claimed by another browser."""
        query = self._live(provider, state)
        if query is None:
            return None
        return await self._c.find_one_and_update({**query, "browser": {"$exists": False}},
                                                 {"$set": {"browser": self._hash(nonce)}})

    async def consume(self, provider: str, state: str, nonce: str | None) -> tuple[dict[str, Any] | None, bool]:
        """(the pending link, whether this browser is the one that claimed it), once: the state is gone after;
        (None, False) for an unknown, used or expired state."""
        query = self._live(provider, state)
        doc = await self._c.find_one_and_delete(query) if query else None
        if doc is None:
            return None, False
        return doc, bool(nonce) and secrets.compare_digest(doc.get("browser", ""), self._hash(nonce or ""))
