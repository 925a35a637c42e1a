"""The Telegram adapter: the real python-telegram-bot client, long-polling a local Bot API stand-in."""

from __future__ import annotations

import html
import logging
import random
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.telegram_bot import (
    COMMANDS,
    MAX_CALLBACK_BYTES,
    MAX_MESSAGE_CHARS,
    TelegramConfig,
    render_text,
    start_telegram,
    stop_telegram,
    telegram_sender,
    units,
)
from bot.app.wiring import App
from bot.core.export import export_reply
from bot.core.messages import Reply
from recommender.types import Recommendation
from tests.fakes.telegram_server import FakeTelegram

TOKEN = "123456:TEST-telegram-token-never-logged"


@pytest.fixture
async def telegram(app: App) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN).running() as fake:
        telegram = await start_telegram(app.core, TelegramConfig(TOKEN, api_base_url=fake.api_base_url))
        try:
            yield fake
        finally:
            await stop_telegram(telegram)


def buttons(params: dict[str, Any]) -> list[dict[str, str]]:
    markup = params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def say(fake: FakeTelegram, user: int, text: str, method: str = "sendMessage") -> dict[str, Any]:
    mark = len(fake.calls)
    fake.push_text(user, text)
    return (await fake.wait_for(method, mark))[1]


async def press(fake: FakeTelegram, user: int, data: str, method: str) -> dict[str, Any]:
    mark = len(fake.calls)
    query_id = fake.push_button(user, data)
    answered = await fake.wait_for("answerCallbackQuery", mark)
    assert answered[1]["callback_query_id"] == query_id  # no endless spinner
    return (await fake.wait_for(method, mark))[1]


async def test_start_offers_tags_and_a_mood_gives_a_playlist_with_buttons(app: App, telegram: FakeTelegram) -> None:
    user = random.randint(10**6, 10**9)
    hello = await say(telegram, user, "/start")
    assert "Suggestify" in hello["text"] and len(buttons(hello)) >= 5
    playlist = await say(telegram, user, "rainy sunday morning, feeling nostalgic")
    assert playlist["parse_mode"] == "HTML" and playlist["text"].count("open.spotify.com") == 10
    datas = [b["callback_data"] for b in buttons(playlist)]
    assert all(len(d.encode()) <= MAX_CALLBACK_BYTES for d in datas)
    assert "/more" in datas and "/feedback up" in datas
    assert sum(d.startswith("/toggle ") for d in datas) >= 2 and sum(d.startswith("/remove ") for d in datas) == 10
    assert any(name == "setMyCommands" for name, _ in telegram.calls)


async def test_toggle_remove_and_feedback_through_buttons(app: App, telegram: FakeTelegram) -> None:
    user = random.randint(10**6, 10**9)
    playlist = await say(telegram, user, "late night drive")
    datas = [b["callback_data"] for b in buttons(playlist)]
    toggle = next(d for d in datas if d.startswith("/toggle "))
    edited = await press(telegram, user, toggle, "editMessageText")
    assert edited["text"] != playlist["text"] and "Re-ranked" in edited["text"]
    session = await app.storage.sessions.load(f"telegram:{user}")
    assert any(t["tag"] == toggle.removeprefix("/toggle ") and not t["on"] for t in session["tags"])

    remove = next(b["callback_data"] for b in buttons(edited) if b["callback_data"].startswith("/remove "))
    removed_id = remove.removeprefix("/remove ")
    after = await press(telegram, user, remove, "editMessageText")
    assert "Removed" in after["text"]
    session = await app.storage.sessions.load(f"telegram:{user}")
    assert removed_id not in session["playlist"] and removed_id in session["removed"]
    assert (await app.storage.events.weights(f"telegram:{user}", "track"))[removed_id] < 0

    mark = len(telegram.calls)
    telegram.push_button(user, "/feedback up")
    _, answer = await telegram.wait_for("answerCallbackQuery", mark)
    assert "Thanks" in answer.get("text", "")
    weights = await app.storage.events.weights(f"telegram:{user}", "track")
    assert all(weights.get(t, 0) > 0 for t in session["playlist"])


async def test_suggested_tag_button_starts_a_playlist(telegram: FakeTelegram) -> None:
    user = random.randint(10**6, 10**9)
    hello = await say(telegram, user, "/start")
    data = buttons(hello)[0]["callback_data"]
    mark = len(telegram.calls)
    telegram.push_button(user, data)
    _, message = await telegram.wait_for("sendMessage", mark)
    assert message["text"].count("open.spotify.com") == 10


async def test_a_failing_handler_gets_a_friendly_reply_and_the_bot_keeps_running(
        app: App, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    user = random.randint(10**6, 10**9)
    real = app.core.handle
    calls = {"n": 0}

    async def flaky(msg: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return await real(msg)

    monkeypatch.setattr(app.core, "handle", flaky)
    with caplog.at_level(logging.ERROR):
        sorry = await say(telegram, user, "sunny beach day")
    assert "went wrong" in sorry["text"]
    assert "telegram handler failed" in caplog.text and TOKEN not in caplog.text
    ok = await say(telegram, user, "sunny beach day")
    assert ok["text"].count("open.spotify.com") == 10


async def test_direct_messages_only(telegram: FakeTelegram) -> None:
    user = random.randint(10**6, 10**9)
    mark = len(telegram.calls)
    telegram.push_text(user, "party songs", chat={"id": -100123, "type": "supergroup", "title": "friends"})
    with pytest.raises(TimeoutError):
        await telegram.wait_for("sendMessage", mark, timeout=1.5)
    hello = await say(telegram, user, "/help")  # the same person in a DM gets answers
    assert "/more" in hello["text"]


async def test_scheduled_suggestions_arrive_with_tag_buttons(app: App) -> None:
    async with FakeTelegram(TOKEN).running() as fake:
        telegram = await start_telegram(app.core, TelegramConfig(TOKEN, api_base_url=fake.api_base_url))
        try:
            mark = len(fake.calls)
            await telegram_sender(telegram)("31337", await app.core.suggestion_reply("telegram:31337"))
            _, sent = await fake.wait_for("sendMessage", mark)
            assert sent["chat_id"] == 31337 and "tap one" in sent["text"]
            assert all(b["callback_data"].startswith("m:") for b in buttons(sent)) and len(buttons(sent)) >= 5
        finally:
            await stop_telegram(telegram)


async def test_export_sends_the_playlist_file_after_its_links(app: App, telegram: FakeTelegram) -> None:
    user = random.randint(10**6, 10**9)
    await say(telegram, user, "chill summer evening")
    session = await app.storage.sessions.load(f"telegram:{user}")
    mark = len(telegram.calls)
    telegram.push_text(user, "/export")
    _, document = await telegram.wait_for("sendDocument", mark)
    _, links = await telegram.wait_for("sendMessage", mark)
    methods = [name for name, _ in telegram.calls[mark:]]
    assert methods.index("sendMessage") < methods.index("sendDocument")  # the links, then the file
    assert links["text"].count("youtube.com/results") == 10 and units(links["text"]) <= MAX_MESSAGE_CHARS
    upload = document["document"]
    assert document["chat_id"] == user and upload["filename"].endswith(".m3u")
    content = upload["content"].decode()
    assert content.startswith("#EXTM3U") and content.count("open.spotify.com/track/") == len(session["playlist"])
    assert {"export", "disconnect"} <= set(COMMANDS)


def test_a_long_text_is_cut_at_a_line_and_stays_valid_html() -> None:
    tracks = [Recommendation(f"{i:022d}", "Ça & “ça” 🎸 " * 8, "AC/DC & <Friends>", "spotify:track:x",
                             f"https://open.spotify.com/track/{i:022d}", [], 1.0, "") for i in range(40)]
    long = Reply("Your playlist:\n" + "\n".join(f"{i}. {t.artist} — {t.name}\n   Spotify: {t.url}"
                                                  for i, t in enumerate(tracks, 1)))
    text = render_text(long)
    assert units(text) <= MAX_MESSAGE_CHARS and text.endswith("…")
    assert "<" not in text and not re.search(r"&(?!(amp|lt|gt|quot|#x27);)", text)  # no entity cut in half
    body = text.removesuffix("…").rstrip("\n").split("\n")
    assert all(line.startswith(("Your playlist", "   Spotify: https://")) or re.match(r"\d+\. ", line)
               for line in body)  # nothing was cut mid-line
    # An export lists only as many links as a message holds, so it needs no cut at all.
    export = export_reply("a very long mood " * 20, tracks)
    assert render_text(export) == html.escape(export.text) and units(render_text(export)) <= MAX_MESSAGE_CHARS
    assert render_text(export_reply("short", tracks[:2])) == html.escape(export_reply("short", tracks[:2]).text)
