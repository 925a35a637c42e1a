"""Several workers on one MongoDB: a chat's session changed from two processes at once loses no change."""

from __future__ import annotations

import asyncio
import uuid

from bot.app.wiring import App
from bot.core import BotCore, texts
from bot.core.admission import UNLIMITED, MessageRate
from bot.core.messages import Incoming

HOUR = 3600.0  # a window no slow machine's burst straddles: the count, not the clock, refuses


async def test_toggles_from_two_workers_at_once_are_all_kept(app: App) -> None:
    workers = [BotCore(app.core.s, rate=UNLIMITED) for _ in range(2)]  # each its own chat locks
    chat = f"w{uuid.uuid4().hex[:6]}"
    first = await workers[0].handle(Incoming("telegram", chat, chat, "calm evening"))
    assert len(first.playlist) == 10
    shown = {c.tag for c in first.tags}
    extra = [t for t in app.core.s.catalog.suggested_tags(40) if t not in shown][:8]
    assert len(extra) == 8
    replies = await asyncio.gather(*(workers[i % 2].handle(Incoming("telegram", chat, chat, f"/toggle {tag}"))
                                     for i, tag in enumerate(extra)))
    assert all(r.text.startswith("Re-ranked") for r in replies), [r.text for r in replies]
    session = await app.storage.sessions.load(f"telegram:{chat}")
    assert {t["tag"] for t in session["tags"]} == shown | set(extra)  # every toggle, from both workers
    assert session["version"] == 1 + len(extra)
    served = await app.storage.db["playlists"].count_documents({"user_id": f"telegram:{chat}"})
    assert served == 1 + len(extra)  # one record per turn that stuck: a redone turn took its first one back


async def test_a_mood_the_shared_count_refuses_on_another_worker_saves_and_records_nothing(app: App) -> None:
    """Each worker alone sees half a burst; the count they share refuses the rest. A mood is ranked while that
    count is asked, so this checks the refusal still comes before any write."""
    workers = [BotCore(app.core.s, rate=MessageRate(per_window=3, window_s=HOUR)) for _ in range(2)]
    chat = f"w{uuid.uuid4().hex[:6]}"
    moods = ["calm evening", "rainy morning", "gym workout", "late night drive", "summer party", "sad songs"]
    replies = [await workers[i % 2].handle(Incoming("telegram", chat, chat, text)) for i, text in enumerate(moods)]
    assert [len(r.playlist) for r in replies[:3]] == [10, 10, 10]
    assert all(r.text == texts.SLOW_DOWN and not r.playlist for r in replies[3:])
    session = await app.storage.sessions.load(f"telegram:{chat}")
    assert session["version"] == 3 and session["last_text"] == moods[2]  # refused turns wrote no session
    served = await app.storage.db["playlists"].count_documents({"user_id": f"telegram:{chat}"})
    assert served == 3
