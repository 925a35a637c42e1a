"""Scheduled suggestions: one job per subscriber in MongoDB, surviving restarts, one leader, pushes retried once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from bot.app import App
from bot.core import BotCore
from bot.messages import Incoming, Reply
from bot.suggestions import parse_times
from jobs.scheduler import SuggestionScheduler, push_suggestions


def test_parse_times() -> None:
    assert [t.strftime("%H:%M") for t in parse_times("20:30 8, 25:00 x 07:05")] == ["07:05", "08:00", "20:30"]


async def test_subscribe_replaces_and_unsubscribe_removes(app: App) -> None:
    pushed: list[Reply] = []

    async def deliver(user_id: str) -> None:
        pushed.append(await app.core.suggestion_reply(user_id))

    name = f"t{uuid.uuid4().hex[:6]}"
    scheduler = SuggestionScheduler(app.storage.db, app.storage.uri, deliver, name=name)
    await scheduler.start()
    core = BotCore(replace(app.core.s, subscriptions=scheduler))
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
        for _ in range(50):
            if pushed:
                break
            await asyncio.sleep(0.1)
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
        for _ in range(30):
            if second.leading:
                break
            await asyncio.sleep(0.1)
        assert second.leading
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
    scheduler = SuggestionScheduler(app.storage.db, app.storage.uri, flaky, name=name)
    await scheduler.start()
    try:
        with caplog.at_level(logging.ERROR):
            await push_suggestions(name, "telegram:1")  # fails twice: logged, no exception
        assert calls == ["telegram:1", "telegram:1"] and caplog.text.count("failed (attempt") == 2
        await push_suggestions(name, "telegram:1")  # third call succeeds at once
        assert len(calls) == 3
    finally:
        await scheduler.shutdown()
