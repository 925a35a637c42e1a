"""Bad input gets a short helpful reply, never a traceback, and never corrupts the session."""

from __future__ import annotations

import uuid

import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from bot.app.wiring import App
from bot.core import BotCore, Services
from bot.core.messages import Incoming
from storage.database import Storage

BAD = [
    "",
    "   \t  ",
    "a" * 100_000,
    "rainy \x00\x07 day\u202e evil",
    "😀🎶🔥",
    "/definitelynotacommand",
    "/remove 999",
    "/remove -1",
    "/like abc",
    "/toggle nonexistent-tag",
    "/taste",
    "/more",
    "{\"$ne\": null}",
    "/start@SomeBot extra words",
]


@pytest.mark.parametrize("text", BAD, ids=[repr(t[:20]) for t in BAD])
async def test_bad_input_gets_a_helpful_reply(app: App, text: str) -> None:
    chat = f"bad{uuid.uuid4().hex[:6]}"
    ok = await app.core.handle(Incoming("console", chat, chat, "chill summer evening"))
    assert len(ok.playlist) == 10
    reply = await app.core.handle(Incoming("console", chat, chat, text))
    assert reply.text and "Traceback" not in reply.text and len(reply.text) < 2000
    # The session still works and still holds a playlist afterwards.
    session = await app.storage.sessions.load(f"console:{chat}")
    assert session is not None and session["playlist"]
    again = await app.core.handle(Incoming("console", chat, chat, "/more"))
    assert len(again.playlist) == 10


async def test_unknown_command_lists_help(app: App) -> None:
    reply = await app.core.handle(Incoming("console", "x", "x", "/dance"))
    assert "I don't know /dance" in reply.text and "/taste" in reply.text


async def test_database_down_still_answers(app: App) -> None:
    client = AsyncIOMotorClient("mongodb://127.0.0.1:1/?directConnection=true", serverSelectionTimeoutMS=200)
    dead = Storage(client, client["nothing"])
    s = app.core.s
    core = BotCore(Services(dead.users, dead.sessions, dead.events, dead.playlists, dead.listener_data, dead.limits, s.chat2tag, s.recommender, s.catalog))
    reply = await core.handle(Incoming("console", "y", "y", "summer road trip"))
    assert "can't reach my memory" in reply.text and len(reply.playlist) == 10
    reply = await core.handle(Incoming("console", "y", "y", "/more"))
    assert "can't reach my memory" in reply.text and not reply.playlist
    client.close()
