"""Who gets a turn: a per-listener message rate and a daily budget of paid Chat2Tag calls, shared by all workers
through MongoDB, with a count in this process first so a flood costs no database trip."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.core import texts
from bot.core.messages import Reply
from bot.core.ports import Limits

LLM_CALLS_PER_DAY, DAY_S = 200, 86_400.0  # paid Chat2Tag calls per listener; past it, the local reading
LIMIT_WAIT_S = 0.3  # a stalled counter lets the message through rather than hold up the reply


@dataclass(frozen=True)
class MessageRate:
    """How many messages a listener may send per window: more than a person types; a script gets "slow down"."""
    per_window: float = 12
    window_s: float = 10.0


UNLIMITED = MessageRate(per_window=float("inf"))  # a benchmark or load test measures playlists, not the limiter


class WindowCount:
    """Uses per key in the current time window, in this process only (forgotten when the window turns)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> int:
        window = int(time.monotonic() // self.window_s)
        if window != self._window:
            self._window, self._counts = window, {}
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]


class Admission:
    def __init__(self, limits: Limits, rate: MessageRate = MessageRate()) -> None:
        self.limits = limits
        self.rate = rate
        self._local = WindowCount(rate.window_s)

    def refused_here(self, sender: str) -> Reply | None:
        """This process's count: a flood is refused without a database trip."""
        return self._verdict(self._local.hit(sender))

    async def refusal(self, sender: str) -> Reply | None:
        """The count all workers share (asked while the turn's session loads): None when the sender may have
        this turn; else "slow down" (said once, then quietly)."""
        try:
            sent = await asyncio.wait_for(self.limits.hit(sender, "message", self.rate.window_s), LIMIT_WAIT_S)
        except Exception:  # a slow or lost database: no count to keep, and the turn degrades on its own
            return None
        return self._verdict(sent)

    def _verdict(self, sent: int) -> Reply | None:
        if sent > self.rate.per_window:
            return Reply(texts.SLOW_DOWN, quiet=sent > self.rate.per_window + 1)
        return None

    async def may_use_llm(self, sender: str) -> bool:
        try:
            used = await asyncio.wait_for(self.limits.hit(sender, "llm", DAY_S), LIMIT_WAIT_S)
        except Exception:  # no count to check against: the free path
            return False
        return used <= LLM_CALLS_PER_DAY
