"""Waiting in tests: for something that happens on its own time (poll a condition, never sleep blind), and how
late the event loop wakes meanwhile."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable


async def wait_until(condition: Callable[[], object], timeout: float = 5.0, every: float = 0.05) -> bool:
    """True as soon as `condition()` (a plain or an async function) is truthy; False once `timeout` seconds pass
    without it (assert on that)."""
    deadline = time.monotonic() + timeout
    while True:
        met = condition()
        if inspect.isawaitable(met):
            met = await met
        if met:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)


class LoopLag:
    """How late the event loop wakes up while a block runs: a probe sleeps 10 ms at a time and keeps the worst
    overshoot (`worst`, in seconds). Anything blocking the loop shows up here."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._stop = asyncio.Event()
        self._probe: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, time.perf_counter() - before - 0.01)

    async def __aenter__(self) -> "LoopLag":
        self._probe = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._probe is not None
        await self._probe
