"""Open the database: MONGO_URI when given, else an embedded secantusdb server."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from storage.erasure import ListenerData
from storage.inbox import Inbox
from storage.model_files import ModelFiles
from storage.rate_limits import RateLimits
from storage.repositories import (
    CatalogRepository,
    EventRepository,
    PlaylistRepository,
    SessionRepository,
    UserRepository,
)
from storage.schema import ensure_schema
from storage.server import EmbeddedMongo

log = logging.getLogger(__name__)


# No operation waits longer (a stalled server must not hold a thread forever); generous, as bulk ingest
# batches share the client. Chat turns bound their own waits far tighter (bot.core.playlists.STORAGE_WAIT_S).
OPERATION_TIMEOUT_MS = 20_000
SUPERVISE_EVERY_S = 1.0


@dataclass
class Storage:
    """Every repository over one motor database."""

    client: AsyncIOMotorClient
    db: AsyncIOMotorDatabase
    uri: str = ""  # for components that need their own (synchronous) client, such as the job store
    users: UserRepository = field(init=False)
    sessions: SessionRepository = field(init=False)
    events: EventRepository = field(init=False)
    playlists: PlaylistRepository = field(init=False)
    catalog: CatalogRepository = field(init=False)
    listener_data: ListenerData = field(init=False)
    limits: RateLimits = field(init=False)
    inbox: Inbox = field(init=False)
    models: ModelFiles = field(init=False)

    def __post_init__(self) -> None:
        self.users = UserRepository(self.db)
        self.sessions = SessionRepository(self.db)
        self.events = EventRepository(self.db)
        self.playlists = PlaylistRepository(self.db)
        self.catalog = CatalogRepository(self.db)
        self.listener_data = ListenerData(self.db)
        self.limits = RateLimits(self.db)
        self.inbox = Inbox(self.db)
        self.models = ModelFiles(self.db)

    async def ping(self) -> bool:
        await self.db.command("ping")
        return True


class Database:
    """Async context manager: connects (starting the embedded server if needed),
    applies the schema, and yields a `Storage`."""

    def __init__(self, uri: str | None, db_name: str, data_dir: Path, timeout_ms: int = 5000) -> None:
        self.uri = uri
        self.db_name = db_name
        self.data_dir = data_dir
        self.timeout_ms = timeout_ms
        self.embedded: EmbeddedMongo | None = None
        self.client: AsyncIOMotorClient | None = None
        self._supervisor: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Storage:
        uri = self.uri
        if not uri:
            self.embedded = EmbeddedMongo(self.data_dir)
            uri = self.embedded.start()
        self.client = AsyncIOMotorClient(
            uri, serverSelectionTimeoutMS=self.timeout_ms, timeoutMS=OPERATION_TIMEOUT_MS, tz_aware=True,
            uuidRepresentation="standard",
            journal=True,  # acknowledged means on disk: without it a killed server lost 9 of 200 acknowledged writes
        )
        storage = Storage(self.client, self.client[self.db_name], uri)
        try:
            await storage.ping()
            await ensure_schema(storage.db)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        if self.embedded is not None:
            self._supervisor = asyncio.create_task(self._supervise(self.embedded))
        return storage

    async def _supervise(self, server: EmbeddedMongo) -> None:
        """The embedded server restarted on its own port when it dies: the bot recovers without a restart
        (meanwhile, turns answer without memory)."""
        while True:
            await asyncio.sleep(SUPERVISE_EVERY_S)
            if server.alive:
                continue
            log.error("the embedded database stopped; restarting it")
            try:
                await asyncio.to_thread(server.start)
                log.warning("the embedded database is back on 127.0.0.1:%d", server.port)
            except Exception:
                log.exception("could not restart the embedded database; trying again")

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            self._supervisor = None
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
