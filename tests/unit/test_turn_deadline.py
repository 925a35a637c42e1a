"""A turn's database steps share one deadline: a stall after a slow start still answers in time."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.playlists import bounded, storage_deadline


async def test_a_later_step_gets_only_what_is_left_of_the_turn() -> None:
    with storage_deadline(0.3):
        assert await bounded(asyncio.sleep(0.2, "first")) == "first"  # within its own cap and the turn's
        with pytest.raises(asyncio.TimeoutError):
            await bounded(asyncio.sleep(0.2, "second"))  # 0.1 s left, though one step may take 2.3 s
        seen = await asyncio.gather(bounded(asyncio.sleep(0.5)), return_exceptions=True)  # a task inherits it
        assert isinstance(seen[0], asyncio.TimeoutError)
    assert await bounded(asyncio.sleep(0.2, "after")) == "after"  # outside a turn: the step's own cap only
