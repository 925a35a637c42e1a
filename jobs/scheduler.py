"""Scheduled suggestion pushes: APScheduler with its jobs in MongoDB (they survive restarts), one job
per subscriber (replaced, never duplicated), and one leader among the bot processes running them.
The same scheduler runs the periodic retrain (jobs/pipelines/retrain.py) as one job with a fixed id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta, timezone
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.mongodb import MongoDBJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler, run_in_event_loop
from apscheduler.schedulers.base import STATE_RUNNING, BaseScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import MongoClient
from pymongo.errors import DuplicateKeyError

from jobs.pipelines.retrain import (
    RETRAIN_JOB_ID,
    Retrain,
    register_retrain,
    scheduled_retrain,
    unregister_retrain,
)
from storage.leases import Lease

log = logging.getLogger(__name__)

Deliver = Callable[[str], Awaitable[None]]  # user id -> the suggestion message reaches them

# APScheduler stores a job as a reference to a module-level function plus picklable arguments, so the
# live objects a push needs are looked up here by scheduler name, set by whoever started the scheduler.
_SCHEDULERS: dict[str, "SuggestionScheduler"] = {}
SLOT_MINUTES = 10  # pushes for one listener within this slot are one push, whichever process's clock fired


async def push_suggestions(scheduler_name: str, user_id: str) -> None:
    """The job: one push per listener and slot across all processes, retried once; a failure is logged and
    never reaches the scheduler."""
    scheduler = _SCHEDULERS.get(scheduler_name)
    if scheduler is None:
        log.warning("no deliverer registered for %s; push to %s skipped", scheduler_name, user_id)
        return
    await scheduler.while_leading(_push(scheduler, user_id))


async def _push(scheduler: "SuggestionScheduler", user_id: str) -> None:
    if not await scheduler.claim_slot(user_id):
        log.info("the push to %s for this slot went out from another process", user_id)
        return
    for attempt in (1, 2):
        try:
            await scheduler.deliver(user_id)
            return
        except Exception:
            log.exception("suggestion push to %s failed (attempt %d of 2)", user_id, attempt)


class ThreadSafeExecutor(AsyncIOExecutor):
    """Runs coroutine jobs on the event loop when jobs are submitted from the polling thread."""

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        self._eventloop.call_soon_threadsafe(super()._do_submit_job, job, run_times)

    def shutdown(self, wait: bool = True) -> None:  # the running jobs are cancelled on the loop they run on
        self._eventloop.call_soon_threadsafe(super().shutdown, wait)


class OffLoopScheduler(AsyncIOScheduler):
    """AsyncIOScheduler whose job-store polling (blocking pymongo) runs in a worker thread, so a slow database
    never stalls the chats on the event loop; the jobs themselves still run on the loop."""

    async def start_off_loop(self, paused: bool) -> None:
        """Start in a worker thread too: starting reads the job store and builds its index."""
        self._eventloop = asyncio.get_running_loop()
        await asyncio.to_thread(self.start, paused)

    async def stop_off_loop(self) -> None:
        """Shut down in a worker thread too: shutting down waits for a poll in progress to release the stores."""
        if not self.running:
            return
        self._stop_timer()
        await asyncio.to_thread(BaseScheduler.shutdown, self, False)
        self._eventloop = None

    @run_in_event_loop
    def wakeup(self) -> None:
        self._stop_timer()
        polled = self._eventloop.run_in_executor(None, self._process_jobs)
        polled.add_done_callback(self._polled)

    def _polled(self, polled: "asyncio.Future[float | None]") -> None:
        if self._eventloop is None or polled.cancelled() or not self.running:  # shut down meanwhile
            return
        self._start_timer(None if polled.exception() else polled.result())

    def _create_default_executor(self) -> ThreadSafeExecutor:
        return ThreadSafeExecutor()


class SuggestionScheduler:
    def __init__(self, db: AsyncIOMotorDatabase, mongo_uri: str, deliver: Deliver, name: str = "suggestions",
                 lease_s: float = 60.0, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.name = name
        self.clock = clock
        self._deliveries = db["deliveries"]
        # The job store speaks pymongo, and closes its client on shutdown: it gets one of its own.
        store = MongoDBJobStore(database=db.name, collection=f"jobs_{name}",
                                client=MongoClient(mongo_uri, tz_aware=True, serverSelectionTimeoutMS=5000))
        self.scheduler = OffLoopScheduler(jobstores={"default": store}, timezone=timezone.utc,
                                          job_defaults={"coalesce": True, "max_instances": 1,
                                                        "misfire_grace_time": 600})
        self.lock = Lease(db, f"scheduler:{name}", lease_s)
        self.deliver = deliver
        self._lease_s = lease_s
        self._renew: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[Any]] = set()  # jobs in flight: stopped when this process stops leading

    @property
    def leading(self) -> bool:
        return self.scheduler.state == STATE_RUNNING  # started and not paused

    async def claim_slot(self, user_id: str) -> bool:
        """Record this listener's push for the current slot; False when another process already did."""
        # The nearest slot start: each process fires when its own clock reaches the cron time, so the reading is
        # that time plus a small delay, whatever the skew between machines.
        step = SLOT_MINUTES * 60
        slot = datetime.fromtimestamp(round(self.clock().timestamp() / step) * step, timezone.utc)
        try:
            await self._deliveries.insert_one({"_id": f"{self.name}:{user_id}:{slot.isoformat()}", "user_id": user_id,
                                               "expires_at": slot + timedelta(days=2)})
            return True
        except DuplicateKeyError:
            return False

    async def while_leading(self, work: Awaitable[Any]) -> Any:
        """Run a job's work, cancelled if this process loses the lease meanwhile (another one leads now)."""
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            return await work
        except asyncio.CancelledError:
            if self.leading:  # shutting down, not handing over: let the cancellation through
                raise
            log.info("a running job stopped: this process no longer leads %s", self.name)
            return None
        finally:
            self._running.discard(task)

    async def start(self, lead: bool = True) -> None:
        """Start, and lead whenever the lease is free; with `lead=False` (a worker) this process only adds and
        removes jobs, and never runs them."""
        if lead:  # the jobs run here: what they need is looked up under this name
            _SCHEDULERS[self.name] = self
        leader = lead and await self.lock.acquire()
        await self.scheduler.start_off_loop(paused=not leader)  # followers can still add and remove jobs
        log.info("suggestion scheduler started as %s", "leader" if leader else "follower" if lead else "a worker")
        if lead:
            self._renew = asyncio.create_task(self._keep_lease())

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self._lease_s / 3)
            try:
                leader = await self.lock.acquire()
            except Exception:
                log.warning("could not renew the scheduler lease", exc_info=True)
                leader = False
            if leader and not self.leading:
                log.info("this process now leads %s", self.name)
                self.scheduler.resume()
            elif not leader and self.leading:
                self.scheduler.pause()
                for task in list(self._running):
                    task.cancel()
            if self.leading:  # APScheduler 3 does not see jobs another process added to the shared store
                self.scheduler.wakeup()

    async def shutdown(self) -> None:
        if self._renew is not None:
            self._renew.cancel()
        await self.scheduler.stop_off_loop()
        await self.lock.release()
        if _SCHEDULERS.get(self.name) is self:
            _SCHEDULERS.pop(self.name)
            unregister_retrain(self.name)

    async def subscribe(self, user_id: str, times: list[time], tz: str) -> datetime | None:
        """One job per listener: subscribing again replaces their times."""
        trigger = OrTrigger([CronTrigger(hour=t.hour, minute=t.minute, timezone=tz) for t in times])
        job = await asyncio.to_thread(  # the job store speaks blocking pymongo: off the event loop
            self.scheduler.add_job, push_suggestions, trigger, args=[self.name, user_id], id=f"suggest:{user_id}",
            replace_existing=True, name=f"suggestions for {user_id}")
        return job.next_run_time if hasattr(job, "next_run_time") else None

    async def unsubscribe(self, user_id: str) -> bool:
        job_id = f"suggest:{user_id}"
        if await asyncio.to_thread(self.scheduler.get_job, job_id) is None:
            return False
        await asyncio.to_thread(self.scheduler.remove_job, job_id)
        return True

    async def schedule_retrain(self, hours: float, run: Retrain) -> datetime | None:
        """Run `run` every `hours` (0: never), on whichever process leads. Every process registers what the
        job runs; the job itself is kept when its interval is unchanged, so restarting a bot more often
        than every `hours` does not postpone the retrain forever."""
        if hours <= 0:
            unregister_retrain(self.name)
            if await asyncio.to_thread(self.scheduler.get_job, RETRAIN_JOB_ID) is not None:
                await asyncio.to_thread(self.scheduler.remove_job, RETRAIN_JOB_ID)
            return None
        register_retrain(self.name, lambda: self.while_leading(run()))
        interval = timedelta(hours=hours)
        job = await asyncio.to_thread(self.scheduler.get_job, RETRAIN_JOB_ID)
        if job is None or getattr(job.trigger, "interval", None) != interval or job.args != (self.name,):
            job = await asyncio.to_thread(
                self.scheduler.add_job, scheduled_retrain, IntervalTrigger(hours=hours, timezone=timezone.utc),
                args=[self.name], id=RETRAIN_JOB_ID, replace_existing=True, name="retrain the models",
                misfire_grace_time=None)  # late (all processes were down) beats skipped
        return getattr(job, "next_run_time", None)

    def jobs(self) -> list[Any]:
        return self.scheduler.get_jobs()
