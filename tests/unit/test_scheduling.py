"""Scheduling without a database: times people type, and the job store polled off the event loop."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from bot.core.suggestions import parse_times
from tests.waiting import LoopLag, wait_until


def test_parse_times() -> None:
    assert [t.strftime("%H:%M") for t in parse_times("20:30 8, 25:00 x 07:05")] == ["07:05", "08:00", "20:30"]


async def test_polling_a_slow_job_store_never_stalls_the_event_loop() -> None:
    """APScheduler reads due jobs from the (blocking) store on every wake-up: in a worker thread here, so a
    store taking 0.3 s per read leaves the loop free, and the due job still runs on the loop."""
    import time

    from apscheduler.jobstores.memory import MemoryJobStore

    from jobs.scheduler import OffLoopScheduler

    READ_S = 0.3  # a read on the loop would hold it this long, every time

    class SlowStore(MemoryJobStore):
        def get_due_jobs(self, now):  # type: ignore[no-untyped-def]
            time.sleep(READ_S)
            return super().get_due_jobs(now)

        def get_next_run_time(self):  # type: ignore[no-untyped-def]
            time.sleep(READ_S)
            return super().get_next_run_time()

    ran: list[bool] = []

    async def job() -> None:
        ran.append(asyncio.get_running_loop() is loop)

    loop = asyncio.get_running_loop()
    scheduler = OffLoopScheduler(jobstores={"default": SlowStore()}, timezone=timezone.utc)
    async with LoopLag() as lag:
        await scheduler.start_off_loop(paused=False)
        try:
            await asyncio.to_thread(scheduler.add_job, job, "date", run_date=datetime.now(timezone.utc))
            for _ in range(3):
                scheduler.wakeup()
            assert await wait_until(lambda: ran, timeout=5)
        finally:
            await scheduler.stop_off_loop()
    assert ran == [True] and lag.worst < READ_S, lag.worst
