"""Scheduled suggestion pushes: APScheduler with its jobs in MongoDB (they survive restarts), one job
per subscriber (replaced, never duplicated), and one leader among the bot processes running them.
The same scheduler runs the periodic retrain (jobs/retrain.py) as one job with a fixed id."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta, timezone
from typing import Any

from apscheduler.jobstores.mongodb import MongoDBJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import MongoClient
from pymongo.errors import DuplicateKeyError

from jobs.retrain import RETRAIN_JOB_ID, Retrain, register_retrain, scheduled_retrain, unregister_retrain

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
    if not await scheduler.claim_slot(user_id):
        log.info("the push to %s for this slot went out from another process", user_id)
        return
    for attempt in (1, 2):
        try:
            await scheduler.deliver(user_id)
            return
        except Exception:
            log.exception("suggestion push to %s failed (attempt %d of 2)", user_id, attempt)


class LeaderLock:
    """A lease in MongoDB: whoever holds an unexpired `locks` document runs the jobs."""

    def __init__(self, db: AsyncIOMotorDatabase, name: str, lease_s: float = 60.0) -> None:
        self._c = db["locks"]
        self.name = name
        self.owner = uuid.uuid4().hex
        self.lease = timedelta(seconds=lease_s)

    async def acquire(self) -> bool:
        now = datetime.now(timezone.utc)
        try:
            await self._c.find_one_and_update(
                {"_id": self.name, "$or": [{"owner": self.owner}, {"expires": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "expires": now + self.lease}}, upsert=True)
            return True
        except DuplicateKeyError:  # someone else holds an unexpired lease
            return False

    async def release(self) -> None:
        await self._c.delete_one({"_id": self.name, "owner": self.owner})


class SuggestionScheduler:
    def __init__(self, db: AsyncIOMotorDatabase, mongo_uri: str, deliver: Deliver, name: str = "suggestions",
                 lease_s: float = 60.0, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.name = name
        self.clock = clock
        self._deliveries = db["deliveries"]
        # The job store speaks pymongo, and closes its client on shutdown: it gets one of its own.
        store = MongoDBJobStore(database=db.name, collection=f"jobs_{name}",
                                client=MongoClient(mongo_uri, tz_aware=True, serverSelectionTimeoutMS=5000))
        self.scheduler = AsyncIOScheduler(jobstores={"default": store}, timezone=timezone.utc,
                                          job_defaults={"coalesce": True, "max_instances": 1,
                                                        "misfire_grace_time": 600})
        self.lock = LeaderLock(db, f"scheduler:{name}", lease_s)
        self.deliver = deliver
        self._lease_s = lease_s
        self._renew: asyncio.Task[None] | None = None

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

    async def start(self) -> None:
        _SCHEDULERS[self.name] = self
        leader = await self.lock.acquire()
        self.scheduler.start(paused=not leader)  # followers can still add and remove jobs
        log.info("suggestion scheduler started as %s", "leader" if leader else "follower")
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
                self.scheduler.resume()
            elif not leader and self.leading:
                self.scheduler.pause()
            if self.leading:  # APScheduler 3 does not see jobs another process added to the shared store
                self.scheduler.wakeup()

    async def shutdown(self) -> None:
        if self._renew is not None:
            self._renew.cancel()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
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
            if self.scheduler.get_job(RETRAIN_JOB_ID) is not None:
                self.scheduler.remove_job(RETRAIN_JOB_ID)
            return None
        register_retrain(self.name, run)
        interval = timedelta(hours=hours)
        job = self.scheduler.get_job(RETRAIN_JOB_ID)
        if job is None or getattr(job.trigger, "interval", None) != interval or job.args != (self.name,):
            job = self.scheduler.add_job(scheduled_retrain, IntervalTrigger(hours=hours, timezone=timezone.utc),
                                         args=[self.name], id=RETRAIN_JOB_ID, replace_existing=True,
                                         name="retrain the models",
                                         misfire_grace_time=None)  # late (all processes were down) beats skipped
        return getattr(job, "next_run_time", None)

    def jobs(self) -> list[Any]:
        return self.scheduler.get_jobs()
