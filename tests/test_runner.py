"""`suggestify run`: both adapters in one process over one core, stopped gracefully by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import replace

from bot.app import App
from bot.runner import serve
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram

TG_TOKEN = "42:runner-telegram-token"


async def test_run_serves_telegram_and_discord_and_stops_on_sigterm(app: App) -> None:
    async with FakeTelegram(TG_TOKEN).running() as telegram, FakeDiscord().running() as discord:
        settings = replace(app.settings, telegram_token=TG_TOKEN, telegram_api_base_url=telegram.api_base_url,
                           discord_token="runner-discord-token", discord_api_base_url=discord.api_base_url,
                           discord_gateway_url=discord.gateway_url)
        task = asyncio.create_task(serve(settings))
        deadline = time.monotonic() + 120
        # Ready when Discord has identified and the stop signal is ours (never SIGTERM pytest itself).
        while not (discord.identified and signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
            assert not task.done(), task.exception()
            assert time.monotonic() < deadline, "the adapters never came up"
            await asyncio.sleep(0.1)
        mark = len(telegram.calls)
        telegram.push_text(5150, "sunny road trip")
        _, sent = await telegram.wait_for("sendMessage", mark, timeout=60)
        assert sent["text"].count("open.spotify.com") == 10
        mark = len(telegram.calls)
        telegram.push_text(5150, "/subscribe 08:00")
        _, sent = await telegram.wait_for("sendMessage", mark, timeout=30)
        assert "Subscribed" in sent["text"]
        jobs = [d async for d in app.storage.db["jobs_suggestions"].find({}, {"_id": 1})]
        assert {"_id": "suggest:telegram:5150"} in jobs
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, 30)  # returns: both adapters stopped, storage closed
    assert task.exception() is None
