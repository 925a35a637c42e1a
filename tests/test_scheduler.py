"""Scheduled suggestions: one job per subscriber in MongoDB, surviving restarts, one leader, pushes retried once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from bot.app.wiring import App
from bot.core.messages import Incoming, Reply
from bot.core.suggestions import parse_times
from jobs.scheduler import SuggestionScheduler, push_suggestions
from tests.waiting import wait_until


async def test_subscribe_replaces_and_unsubscribe_removes(app: App) -> None:
    pushed: list[Reply] = []

    async def deliver(user_id: str) -> None:
        pushed.append(await app.core.suggestion_reply(user_id))

    name = f"t{uuid.uuid4().hex[:6]}"
    scheduler = SuggestionScheduler(app.storage.db, app.storage.uri, deliver, name=name)
    await scheduler.start()
    core = app.core.with_services(subscriptions=scheduler)
    chat = f"sub{uuid.uuid4().hex[:6]}"
    try:
        first = await core.handle(Incoming("telegram", chat, chat, "/subscribe 08:00 20:30"))
        assert "08:00, 20:30 (UTC)" in first.text and first.suggestions
        await core.handle(Incoming("telegram", chat, chat, "/subscribe 07:15"))
        assert [j.id for j in scheduler.jobs()] == [f"suggest:telegram:{chat}"]  # replaced, not duplicated
        user = await app.storage.users.get(f"telegram:{chat}")
        assert user["subscription"] == {"platform": "telegram", "chat_id": chat, "times": ["07:15"], "timezone": "UTC"}

        # Run the job now, as the scheduler would at 07:15.
        scheduler.scheduler.modify_job(f"suggest:telegram:{chat}", next_run_time=datetime.now(timezone.utc))
        assert await wait_until(lambda: pushed, timeout=5)
        assert pushed and pushed[0].suggestions and "tap one" in pushed[0].text

        gone = await core.handle(Incoming("telegram", chat, chat, "/unsubscribe"))
        assert "Unsubscribed" in gone.text and scheduler.jobs() == []
        assert "subscription" not in (await app.storage.users.get(f"telegram:{chat}"))
    finally:
        await scheduler.shutdown()


async def test_jobs_survive_a_restart_and_only_one_scheduler_leads(app: App) -> None:
    async def deliver(user_id: str) -> None:
        return None

    name = f"t{uuid.uuid4().hex[:6]}"
    first = SuggestionScheduler(app.storage.db, app.storage.uri, deliver, name=name, lease_s=0.6)
    second = SuggestionScheduler(app.storage.db, app.storage.uri, deliver, name=name, lease_s=0.6)
    await first.start()
    try:
        await first.subscribe("telegram:42", parse_times("09:00"), "Asia/Seoul")
        await second.start()
        assert first.leading and not second.leading  # the follower can add jobs but runs none
        assert [j.id for j in second.jobs()] == ["suggest:telegram:42"]
        await first.shutdown()  # the leader goes: its lease is released, the follower takes over
        assert await wait_until(lambda: second.leading, timeout=3)
        job = second.scheduler.get_job("suggest:telegram:42")
        assert job is not None and str(job.next_run_time.tzinfo) == "Asia/Seoul"
    finally:
        await first.shutdown()
        await second.shutdown()


async def test_a_failing_push_is_retried_once_and_never_raises(app: App, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    async def flaky(user_id: str) -> None:
        calls.append(user_id)
        if len(calls) < 3:
            raise ConnectionError("platform down")

    name = f"t{uuid.uuid4().hex[:6]}"
    now = [datetime(2026, 11, 29, 8, 0, 2, tzinfo=timezone.utc)]
    scheduler = SuggestionScheduler(app.storage.db, app.storage.uri, flaky, name=name, clock=lambda: now[0])
    await scheduler.start()
    try:
        with caplog.at_level(logging.ERROR):
            await push_suggestions(name, "telegram:1")  # fails twice: logged, no exception
        assert calls == ["telegram:1", "telegram:1"] and caplog.text.count("failed (attempt") == 2
        now[0] += timedelta(hours=1)
        await push_suggestions(name, "telegram:1")  # the next slot's push succeeds at once
        assert len(calls) == 3
    finally:
        await scheduler.shutdown()


async def test_the_leader_runs_jobs_another_process_added(app: App) -> None:
    pushed: list[str] = []

    async def deliver(user_id: str) -> None:
        pushed.append(user_id)

    name = f"t{uuid.uuid4().hex[:6]}"
    leader = SuggestionScheduler(app.storage.db, app.storage.uri, deliver, name=name, lease_s=0.6)
    follower = SuggestionScheduler(app.storage.db, app.storage.uri, deliver, name=name, lease_s=0.6)
    await leader.start()
    await follower.start()
    try:
        assert leader.leading and not follower.leading
        await asyncio.sleep(0.5)  # the leader has an empty store and nothing to wake up for
        # Another process (the follower) adds a job due now: only the leader's lease loop can notice it.
        await follower.subscribe("telegram:7", parse_times("09:00"), "UTC")
        follower.scheduler.modify_job("suggest:telegram:7", next_run_time=datetime.now(timezone.utc))
        assert await wait_until(lambda: pushed, timeout=5)
        assert pushed == ["telegram:7"]
    finally:
        await follower.shutdown()
        await leader.shutdown()


async def test_retrain_is_one_job_kept_across_restarts(app: App) -> None:
    from jobs.pipelines.retrain import _RETRAINERS, RETRAIN_JOB_ID, scheduled_retrain

    async def deliver(user_id: str) -> None:
        return None

    runs: list[int] = []

    async def run() -> dict:
        runs.append(1)
        return {"files": [], "tracks_added": 0, "skipped": "nothing new", "swapped": False}

    name = f"t{uuid.uuid4().hex[:6]}"
    first = SuggestionScheduler(app.storage.db, app.storage.uri, deliver, name=name)
    await first.start()
    try:
        due = await first.schedule_retrain(24, run)
        job = first.scheduler.get_job(RETRAIN_JOB_ID)
        assert job.func is scheduled_retrain and job.args == (name,) and job.next_run_time == due
        assert due > datetime.now(timezone.utc) + timedelta(hours=23)
        await first.shutdown()
        assert name not in _RETRAINERS

        second = SuggestionScheduler(app.storage.db, app.storage.uri, deliver, name=name)  # a restart
        await second.start()
        try:
            assert await second.schedule_retrain(24, run) == due  # kept, not postponed by the restart
            assert [j.id for j in second.jobs()] == [RETRAIN_JOB_ID]
            assert await second.schedule_retrain(6, run) < due  # a new interval replaces it
            assert [j.id for j in second.jobs()] == [RETRAIN_JOB_ID]
            second.scheduler.modify_job(RETRAIN_JOB_ID, next_run_time=datetime.now(timezone.utc))
            assert await wait_until(lambda: runs, timeout=5)
            assert runs == [1]  # the job ran what this process registered
            assert await second.schedule_retrain(0, run) is None and second.jobs() == []  # 0 switches it off
        finally:
            await second.shutdown()
    finally:
        await first.shutdown()


async def test_schedulers_whose_clocks_disagree_push_once_per_listener_and_slot(app: App) -> None:
    """Two processes fire the same 08:00 job, each when its own clock says 08:00 (45 s apart in real time),
    a little late or early: one push. The next slot pushes again."""
    name = f"t{uuid.uuid4().hex[:6]}"
    fired = datetime(2026, 11, 29, 8, 0, 0, tzinfo=timezone.utc)
    readings = {"a": fired + timedelta(seconds=3), "b": fired - timedelta(seconds=45)}
    schedulers = {k: SuggestionScheduler(app.storage.db, app.storage.uri, lambda u: asyncio.sleep(0), name=name,
                                         clock=lambda k=k: readings[k]) for k in readings}
    claims = await asyncio.gather(*(s.claim_slot("telegram:7") for s in schedulers.values()))
    assert sorted(claims) == [False, True]
    readings = {k: v + timedelta(days=1) for k, v in readings.items()}  # tomorrow's 08:00
    assert await schedulers["b"].claim_slot("telegram:7") and not await schedulers["a"].claim_slot("telegram:7")


async def test_the_lease_is_kept_on_the_database_clock_not_a_skewed_process_clock(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process whose clock runs 45 s ahead cannot take a 30 s lease that another process still holds."""
    import jobs.scheduler as scheduling
    from storage.leases import Lease

    class Ahead(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return datetime.now(tz) + timedelta(seconds=45)

    name = f"lease{uuid.uuid4().hex[:6]}"
    holder, skewed = Lease(app.storage.db, name, lease_s=30), Lease(app.storage.db, name, lease_s=30)
    assert await holder.acquire()
    monkeypatch.setattr(scheduling, "datetime", Ahead)
    assert not await skewed.acquire()
    assert await holder.acquire()  # renewing
    short = Lease(app.storage.db, f"{name}s", lease_s=0.3)
    assert await short.acquire()
    assert not await Lease(app.storage.db, f"{name}s").acquire()
    await asyncio.sleep(0.4)  # expired on the server's clock: free to take
    assert await Lease(app.storage.db, f"{name}s").acquire()


async def test_a_process_that_loses_the_lease_stops_the_job_it_is_running(app: App) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def slow_push(user_id: str) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    name = f"t{uuid.uuid4().hex[:6]}"
    scheduler = SuggestionScheduler(app.storage.db, app.storage.uri, slow_push, name=name, lease_s=0.6)
    await scheduler.start()
    try:
        await scheduler.subscribe("telegram:9", parse_times("09:00"), "UTC")
        await asyncio.to_thread(scheduler.scheduler.modify_job, "suggest:telegram:9",
                                next_run_time=datetime.now(timezone.utc))
        await asyncio.wait_for(started.wait(), 5)
        # Another process takes the lease (this one stalled past its expiry, say).
        await app.storage.db["locks"].update_one(
            {"_id": f"scheduler:{name}"},
            [{"$set": {"owner": "another-process", "expires_ms": {"$add": [{"$toLong": "$$NOW"}, 60_000]}}}])
        assert await wait_until(cancelled.is_set, timeout=3)
        assert not scheduler.leading
    finally:
        await scheduler.shutdown()
