"""Who gets a turn: the per-process count refuses a flood without a database trip; the count all workers share
refuses a flood spread over several workers."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.core import texts
from bot.core.admission import Admission, MessageRate

HOURLY_6 = MessageRate(per_window=6, window_s=3600.0)  # no window turns mid-test


class SharedCounts:
    """The `Limits` port as MongoDB gives it: one count per listener and purpose, seen by every worker."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.trips = 0

    async def hit(self, user_id: str, purpose: str, window_s: float) -> int:
        self.trips += 1
        self.counts[f"{purpose}:{user_id}"] += 1
        return self.counts[f"{purpose}:{user_id}"]


class StalledCounts:
    async def hit(self, user_id: str, purpose: str, window_s: float) -> int:
        await asyncio.sleep(60)
        return 0


def test_a_flood_spread_over_two_workers_is_refused_by_the_shared_count_and_told_once() -> None:
    shared = SharedCounts()
    workers = [Admission(shared, HOURLY_6), Admission(shared, HOURLY_6)]

    async def send(i: int):
        worker = workers[i % 2]
        return worker.refused_here("telegram:1") or await worker.refusal("telegram:1")

    answers = asyncio.run(_each(send, 10))
    assert answers[:6] == [None] * 6  # each worker alone saw only 3
    refused = answers[6:]
    assert all(r is not None and r.text == texts.SLOW_DOWN for r in refused)
    assert [r.quiet for r in refused] == [False, True, True, True]
    assert asyncio.run(workers[0].refusal("telegram:2")) is None  # another listener is not slowed down


def test_a_flood_on_one_worker_is_refused_without_a_database_trip() -> None:
    shared = SharedCounts()
    worker = Admission(shared, MessageRate(per_window=3, window_s=3600.0))
    local = [worker.refused_here("discord:9") for _ in range(5)]
    assert local[:3] == [None] * 3 and all(r is not None for r in local[3:])
    assert shared.trips == 0


def test_a_stalled_counter_lets_the_message_through() -> None:
    assert asyncio.run(Admission(StalledCounts()).refusal("telegram:1")) is None


async def _each(send, n: int) -> list:
    return [await send(i) for i in range(n)]
