"""A turn's database steps share one budget of waiting: a stall after a slow start still answers in time, and
time spent on other work (ranking) leaves the database its share."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.core.playlists import bounded, storage_budget


async def test_a_later_step_gets_only_what_is_left_of_the_turn() -> None:
    with storage_budget(0.3):
        assert await bounded(asyncio.sleep(0.2, "first")) == "first"  # within its own cap and the turn's
        with pytest.raises(asyncio.TimeoutError):
            await bounded(asyncio.sleep(0.2, "second"))  # 0.1 s left, though one step may take 2.0 s
        seen = await asyncio.gather(bounded(asyncio.sleep(0.5)), return_exceptions=True)  # a task inherits it
        assert isinstance(seen[0], asyncio.TimeoutError)
    assert await bounded(asyncio.sleep(0.2, "after")) == "after"  # outside a turn: the step's own cap only


async def test_steps_waited_for_together_count_once_and_work_between_them_not_at_all() -> None:
    with storage_budget(0.3):
        both = await asyncio.gather(bounded(asyncio.sleep(0.15, "a")), bounded(asyncio.sleep(0.15, "b")))
        assert both == ["a", "b"]  # 0.15 s of waiting, not 0.3
        await asyncio.to_thread(time.sleep, 0.3)  # a slow ranking on a busy worker: not the database's time
        assert await bounded(asyncio.sleep(0.1, "saved")) == "saved"
        with pytest.raises(asyncio.TimeoutError):
            await bounded(asyncio.sleep(0.1))  # ~0.05 s of the turn's waiting left


async def test_a_stall_after_a_slow_ranking_still_ends_by_the_reply_time() -> None:
    with storage_budget(2.0, reply_by=0.4):
        started = time.perf_counter()
        await asyncio.to_thread(time.sleep, 0.35)  # ranking on a worker busy with other chats
        assert await bounded(asyncio.sleep(0.1, "saved")) == "saved"  # a database that answers still saves
        with pytest.raises(asyncio.TimeoutError):
            await bounded(asyncio.sleep(5.0))  # a stall: cut past the reply time, not at 2.0 s of waiting
        assert time.perf_counter() - started < 1.0
