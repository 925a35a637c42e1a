"""One way for a test to wait for something that happens on its own time: poll a condition, never sleep blind."""

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
