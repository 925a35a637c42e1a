"""Bad input gets a short helpful reply, never a traceback, and never corrupts the session."""

from __future__ import annotations

import uuid

import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from bot.app.wiring import App
from bot.core import BotCore, Services, texts
from bot.core.messages import Incoming
from storage.database import Storage

# Each bad input and the answer it must get: a specific one, never the generic apology of a crashed handler.
BAD = {
    "": "Tell me a mood",
    "   \t  ": "Tell me a mood",
    "a" * 100_000: "couldn't find a mood",
    "rainy \x00\x07 day\u202e evil": "Here's your playlist for “rainy day evil”",
    "😀🎶🔥": "Here's your playlist",
    "/definitelynotacommand": "I don't know /definitelynotacommand",
    "/remove 999": "Which one? Use /remove N with N from 1 to 10",
    "/remove -1": "Which one? Use /remove N",
    "/like abc": "Which one? Use /like N",
    "/toggle nonexistent-tag": "isn't one of your tags",
    "/taste": "Name a few artists you love",
    "/more": "More like this",
    "{\"$ne\": null}": "couldn't find a mood",
    "/start@SomeBot extra words": "I'm Suggestify",
}


@pytest.mark.parametrize(("text", "answer"), BAD.items(), ids=[repr(t[:20]) for t in BAD])
async def test_bad_input_gets_a_helpful_reply(app: App, text: str, answer: str) -> None:
    chat = f"bad{uuid.uuid4().hex[:6]}"
    ok = await app.core.handle(Incoming("console", chat, chat, "chill summer evening"))
    assert len(ok.playlist) == 10
    reply = await app.core.handle(Incoming("console", chat, chat, text))
    assert answer in reply.text and reply.text != texts.SOMETHING_WENT_WRONG and len(reply.text) < 2000
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
