"""One chat's updates answered once each and in order, whichever of several workers received them; a chat a
dead worker left waiting is picked up once its turn has run out."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from bot.core.ordering import ChatOrder


class MemoryLease:
    def __init__(self, holders: dict[str, tuple[str, float]], name: str, lease_s: float,
                 calls: list[str] | None = None) -> None:
        self.holders, self.name, self.lease_s, self.owner = holders, name, lease_s, uuid.uuid4().hex
        self.calls = calls if calls is not None else []

    async def acquire(self) -> bool:
        self.calls.append(self.name)
        await asyncio.sleep(0)  # a round trip: other workers run meanwhile
        owner, until = self.holders.get(self.name, ("", 0.0))
        if owner not in ("", self.owner) and until > time.monotonic():
            return False
        self.holders[self.name] = (self.owner, time.monotonic() + self.lease_s)
        return True

    async def release(self) -> None:
        if self.holders.get(self.name, ("",))[0] == self.owner:
            del self.holders[self.name]


class MemoryInbox:
    """The `Inbox` port as MongoDB gives it (storage/inbox.py), shared by the workers of one test."""

    def __init__(self) -> None:
        self.updates: dict[str, dict[str, Any]] = {}
        self.holders: dict[str, tuple[str, float]] = {}
        self.acquires: list[str] = []  # every acquire or extend: a round trip each

    async def put(self, chat: str, key: str, seq: int, payload: dict[str, Any]) -> bool:
        await asyncio.sleep(0)
        if key in self.updates:
            return False
        self.updates[key] = {"_id": key, "chat": chat, "seq": seq, "taken": False, "payload": payload,
                             "at": datetime.now(timezone.utc)}
        return True

    def _waiting(self, chat: str | None = None) -> list[dict[str, Any]]:
        return [u for u in self.updates.values() if not u["taken"] and chat in (None, u["chat"])]

    async def take(self, chat: str) -> dict[str, Any] | None:
        await asyncio.sleep(0)
        mine = sorted(self._waiting(chat), key=lambda u: u["seq"])
        if mine:
            mine[0]["taken"] = True
        return mine[0] if mine else None

    async def waiting(self, chat: str) -> bool:
        return bool(self._waiting(chat))

    async def waiting_since(self, before: datetime) -> list[str]:
        return sorted({u["chat"] for u in self._waiting() if u["at"] < before})

    def turn(self, chat: str, lease_s: float) -> MemoryLease:
        return MemoryLease(self.holders, f"chat:{chat}", lease_s, self.acquires)


async def test_updates_spread_over_two_workers_are_answered_once_each_and_in_order() -> None:
    inbox = MemoryInbox()
    answered: dict[str, list[int]] = {}

    async def answer(payload: dict[str, Any]) -> None:
        await asyncio.sleep(random.random() / 200)  # answers take varying time
        answered.setdefault(payload["chat"], []).append(payload["n"])

    workers = [ChatOrder(inbox, answer), ChatOrder(inbox, answer)]
    rng = random.Random(3)
    seq = 0
    for n in range(5):  # five messages from each of 20 chats, each message to a random worker
        for chat in (f"c{i}" for i in range(20)):
            seq += 1
            assert await rng.choice(workers).accept(chat, f"u{seq}", seq, {"chat": chat, "n": n})
    assert not await workers[0].accept("c0", "u1", 1, {"chat": "c0", "n": 0})  # a redelivery is not answered again
    for worker in workers:
        await worker.close()
    assert answered == {f"c{i}": [0, 1, 2, 3, 4] for i in range(20)}
    assert not inbox._waiting() and not inbox.holders


async def test_a_chat_a_dead_worker_held_is_answered_once_its_turn_runs_out() -> None:
    inbox = MemoryInbox()
    answered: list[int] = []

    async def answer(payload: dict[str, Any]) -> None:
        answered.append(payload["n"])

    dead = inbox.turn("c1", lease_s=0.3)
    assert await dead.acquire()  # a worker took the chat's turn, then died without letting go
    alive = ChatOrder(inbox, answer, lease_s=0.3)
    for n in range(3):
        await alive.accept("c1", f"u{n}", n, {"n": n})
    await alive.close()
    assert answered == [] and await alive.sweep() == 0  # still held, and too recent to sweep
    await asyncio.sleep(0.35)
    assert await alive.sweep() == 3 and answered == [0, 1, 2]


async def test_a_failing_answer_does_not_hold_up_the_chat() -> None:
    inbox = MemoryInbox()
    answered: list[int] = []

    async def answer(payload: dict[str, Any]) -> None:
        if payload["n"] == 1:
            raise RuntimeError("the platform refused the reply")
        answered.append(payload["n"])

    order = ChatOrder(inbox, answer)
    for n in range(3):
        await order.accept("c", f"u{n}", n, {"n": n})
    await order.close()
    assert answered == [0, 2]


async def test_a_long_drain_extends_its_turn_when_half_spent_and_keeps_the_chat_in_order() -> None:
    """Ten answers of 50 ms under a 300 ms lease: the turn is extended a few times, not after every answer, and
    updates another worker receives meanwhile wait for it."""
    inbox = MemoryInbox()
    answered: list[tuple[int, float]] = []

    async def answer(payload: dict[str, Any]) -> None:
        await asyncio.sleep(0.05)
        answered.append((payload["n"], time.monotonic()))

    first, second = ChatOrder(inbox, answer, lease_s=0.3), ChatOrder(inbox, answer, lease_s=0.3)
    for n in range(5):
        await first.accept("c", f"u{n}", n, {"n": n})
    await asyncio.sleep(0.12)
    for n in range(5, 10):  # the first worker holds the turn: these wait for it
        await second.accept("c", f"u{n}", n, {"n": n})
    await first.close()
    await second.close()
    assert [n for n, _ in answered] == list(range(10))
    took = answered[-1][1] - answered[0][1]
    assert took > 0.3  # the drain outlasted one lease, so it had to be extended to keep the chat
    # Ten tries as the updates arrive (one takes the turn), then a few extends: 20 when every answer extended.
    assert 11 < len(inbox.acquires) <= 16, len(inbox.acquires)
