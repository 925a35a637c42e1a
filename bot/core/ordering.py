"""One chat's updates answered one at a time and in order, whichever worker each one reached.

A worker that receives an update stores it in the shared inbox and then drains that chat: it takes the chat's
lease, takes and answers its waiting updates oldest first, and lets go. A worker that finds the lease taken
leaves its update to the holder, who looks again before letting go. An update is answered at most once: one a
worker dies answering is lost, never answered twice. Updates a dead worker left waiting are picked up by
`sweep` once its lease has run out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

log = logging.getLogger(__name__)

TURN_LEASE_S = 30.0


class Lease(Protocol):
    async def acquire(self) -> bool: ...  # taken or extended; False while another holds it

    async def release(self) -> None: ...


class Inbox(Protocol):
    async def put(self, chat: str, key: str, seq: int, payload: dict[str, Any]) -> bool: ...  # False: seen before

    async def take(self, chat: str) -> dict[str, Any] | None: ...  # the oldest waiting update, marked taken

    async def waiting(self, chat: str) -> bool: ...

    async def waiting_since(self, before: datetime) -> list[str]: ...

    def turn(self, chat: str, lease_s: float) -> Lease: ...


Answer = Callable[[dict[str, Any]], Awaitable[None]]  # one stored update, answered (its reply sent)


class ChatOrder:
    def __init__(self, inbox: Inbox, answer: Answer, lease_s: float = TURN_LEASE_S) -> None:
        # lease_s: longer than any one answer takes; a worker that dies holding it delays its chat this long
        self.inbox, self.answer, self.lease_s = inbox, answer, lease_s
        self._draining: set[asyncio.Task[None]] = set()  # strong references while they run

    async def accept(self, chat: str, key: str, seq: int, payload: dict[str, Any]) -> bool:
        """Store an update (False: the platform sent it before) and start answering its chat in the background.
        Raises when the inbox cannot be reached: the caller answers the update some other way."""
        if not await self.inbox.put(chat, key, seq, payload):
            return False
        task = asyncio.create_task(self.drain(chat))
        self._draining.add(task)
        task.add_done_callback(self._draining.discard)
        return True

    async def drain(self, chat: str) -> int:
        """Answer the chat's waiting updates if no other worker is; how many this call answered."""
        answered = 0
        while True:
            turn = self.inbox.turn(chat, self.lease_s)
            held = time.monotonic()  # before the round trip: the lease runs from no earlier than this
            if not await turn.acquire():
                return answered  # its holder answers what is waiting
            try:
                while (update := await self.inbox.take(chat)) is not None:
                    try:
                        await self.answer(update["payload"])
                    except Exception:  # one failing update must not hold up the chat's next ones
                        log.exception("could not answer an update of a chat")
                    answered += 1
                    # Extended once half spent, not after every answer: a round trip less per update, and the
                    # half left outlasts any one answer (a turn gives up on the database within seconds).
                    if time.monotonic() - held < self.lease_s / 2:
                        continue
                    held = time.monotonic()
                    if not await turn.acquire():  # lost only if one answer outlasted half the lease
                        log.warning("lost a chat's turn to another worker mid-drain")
                        return answered
            finally:
                await turn.release()
            # An update stored after the last look, by a worker that found the lease still held, is ours to take.
            if not await self.inbox.waiting(chat):
                return answered

    async def sweep(self) -> int:
        """Drain the chats whose updates have waited longer than a lease (their worker died); how many answered."""
        before = datetime.now(timezone.utc) - timedelta(seconds=self.lease_s)
        counts = await asyncio.gather(*(self.drain(chat) for chat in await self.inbox.waiting_since(before)))
        return sum(counts)

    async def close(self) -> None:
        """Let the drains in progress finish (a worker stopping answers what it took)."""
        if self._draining:
            await asyncio.gather(*self._draining, return_exceptions=True)
