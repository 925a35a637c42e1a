"""`suggestify run`: both adapters, the scheduler and the Spotify callback server in one process over one core,
stopped gracefully by SIGTERM."""

from __future__ import annotations

import asyncio
import html
import os
import signal
import time
from pathlib import Path

import aiohttp
from cryptography.fernet import Fernet

from bot.app.runner import serve
from bot.app.wiring import App
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.local_server import free_port
from tests.fakes.spotify_server import CLIENT_ID, CLIENT_SECRET, FakeSpotify
from tests.fakes.telegram_server import FakeTelegram
from tests.waiting import wait_until

TG_TOKEN = "42:runner-telegram-token"


async def test_run_serves_telegram_and_discord_and_stops_on_sigterm(app: App) -> None:
    async with (FakeTelegram(TG_TOKEN).running() as telegram, FakeDiscord().running() as discord,
                FakeSpotify().running() as spotify):
        web_port = free_port()
        settings = app.settings.with_changes(telegram_token=TG_TOKEN, telegram_api_base_url=telegram.api_base_url,
                           discord_token="runner-discord-token", discord_api_base_url=discord.api_base_url,
                           discord_gateway_url=discord.gateway_url, spotify_client_id=CLIENT_ID,
                           spotify_client_secret=CLIENT_SECRET,
                           spotify_redirect_uri="http://localhost:9/spotify/callback",  # served on web_host/port
                           web_host="127.0.0.1", web_port=web_port, spotify_api_base_url=f"{spotify.base}/v1",
                           spotify_accounts_base_url=spotify.base, secret_key=Fernet.generate_key().decode())
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
        assert {"_id": "retrain"} in jobs  # the periodic retrain, scheduled by `run`

        # Spotify: the link from /connect, a browser at Spotify's consent, our callback; the chat hears of it.
        mark = len(telegram.calls)
        telegram.push_text(5150, "/connect")
        _, sent = await telegram.wait_for("sendMessage", mark, timeout=30)
        link = html.unescape(next(w for w in sent["text"].split() if w.startswith("http")))  # sent as HTML
        start = link.replace("localhost:9", f"127.0.0.1:{web_port}")  # our start page, then Spotify's consent
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            state = start.split("state=", 1)[1]
            async with browser.post(start.split("?")[0], data={"state": state}, allow_redirects=False) as begun:
                consent = begun.headers["Location"]
            async with browser.get(consent, allow_redirects=False) as consented:
                callback = consented.headers["Location"].replace("localhost:9", f"127.0.0.1:{web_port}")
            mark = len(telegram.calls)
            async with browser.get(callback) as page:
                assert page.status == 200
        _, sent = await telegram.wait_for("sendMessage", mark, timeout=30)
        assert "Connected to Spotify as Ada" in sent["text"]
        telegram.push_text(5150, "/save")
        assert await wait_until(lambda: any("Saved" in p.get("text", "") for _, p in telegram.calls[mark:]),
                                timeout=30), "the save was never reported"
        assert len(spotify.playlists) == 1 and len(next(iter(spotify.playlists.values()))["uris"]) == 10
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, 30)  # returns: both adapters stopped, storage closed
    assert task.exception() is None


async def test_workers_answer_chats_and_only_the_scheduler_runs_the_jobs(app: App) -> None:
    """`run --role worker` answers Telegram and adds a listener's job but never runs it, even when it is due;
    `run --role scheduler` serves no chat yet pushes it, through a send-only Bot API client."""
    from datetime import datetime, timezone

    from bot.app.runner import Role
    from jobs.scheduler import SuggestionScheduler

    async with FakeTelegram(TG_TOKEN).running() as telegram:
        settings = app.settings.with_changes(telegram_token=TG_TOKEN, telegram_api_base_url=telegram.api_base_url)
        worker = asyncio.create_task(serve(settings, role=Role.WORKER))
        scheduler: asyncio.Task[None] | None = None
        try:
            telegram.push_text(6001, "/subscribe 08:00")
            _, sent = await telegram.wait_for("sendMessage", 0, timeout=120)
            assert "Subscribed" in sent["text"]
            # Another process makes the job due now (the worker keeps its hands off it).
            handle = SuggestionScheduler(app.storage.db, app.storage.uri, lambda _: asyncio.sleep(0))
            await handle.start(lead=False)
            await asyncio.to_thread(handle.scheduler.modify_job, "suggest:telegram:6001",
                                    next_run_time=datetime.now(timezone.utc))
            await handle.shutdown()
            mark = len(telegram.calls)
            telegram.push_text(6001, "calm evening")
            _, sent = await telegram.wait_for("sendMessage", mark, timeout=30)  # the worker is up and answering
            assert "your playlist for" in sent["text"]
            assert not any("Tags for right now" in p.get("text", "") for _, p in telegram.calls)

            scheduler = asyncio.create_task(serve(settings, role=Role.SCHEDULER))
            assert await wait_until(lambda: any("Tags for right now" in p.get("text", "")
                                                for m, p in telegram.calls if m == "sendMessage"), timeout=120)
            pushes = [p for m, p in telegram.calls if "Tags for right now" in p.get("text", "")]
            assert len(pushes) == 1 and int(pushes[0]["chat_id"]) == 6001
        finally:
            for task in (scheduler, worker):
                if task is not None:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)


async def test_when_the_scheduler_process_dies_another_takes_over_and_pushes_once(app: App, tmp_path: Path) -> None:
    """Two `run --role scheduler` processes: one leads. Killed outright (no lease given back), the other takes
    the jobs over within the lease; a push it finds due for the same listener and slot does not go out again
    (the Bot API stand-in's history says so)."""
    import subprocess
    from datetime import datetime, timezone

    from bot.core.suggestions import parse_times
    from jobs.scheduler import SuggestionScheduler
    from tests.cli_runner import SCRIPT

    lease_s = 3.0
    async with FakeTelegram(TG_TOKEN).running() as telegram:
        settings = app.settings.with_changes(telegram_token=TG_TOKEN, telegram_api_base_url=telegram.api_base_url,
                                             scheduler_lease_seconds=lease_s, retrain_hours=0, log_level="INFO")
        user = "telegram:7001"
        await app.storage.users.get_or_create("telegram", "7001")
        await app.storage.users.set_subscription(user, {"platform": "telegram", "chat_id": "7001",
                                                        "times": ["08:00"], "timezone": "UTC"})
        handle = SuggestionScheduler(app.storage.db, app.storage.uri, lambda _: asyncio.sleep(0))
        await handle.start(lead=False)

        async def due_now() -> None:
            await asyncio.to_thread(handle.scheduler.modify_job, f"suggest:{user}",
                                    next_run_time=datetime.now(timezone.utc))

        def pushes() -> int:
            return sum("Tags for right now" in p.get("text", "") for m, p in telegram.calls if m == "sendMessage")

        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        processes: list[subprocess.Popen[bytes]] = []
        try:
            await handle.subscribe(user, parse_times("08:00"), "UTC")
            for log in logs:
                processes.append(subprocess.Popen([SCRIPT, "run", "--role", "scheduler"], stdout=subprocess.DEVNULL,
                                                  stderr=log.open("wb"), env={**os.environ, **settings.to_env()}))
                assert await wait_until(lambda log=log: "suggestion scheduler started" in log.read_text(), 180)
            leader = next(i for i, log in enumerate(logs) if "started as leader" in log.read_text())
            await due_now()
            assert await wait_until(lambda: pushes() == 1, timeout=30)

            processes[leader].kill()  # no shutdown: the lease stays held until it expires
            killed_at = time.monotonic()
            await due_now()  # due again in the same slot, as after a restart
            follower = logs[1 - leader]
            assert await wait_until(lambda: "now leads" in follower.read_text(), timeout=4 * lease_s)
            took_over_s = time.monotonic() - killed_at
            assert await wait_until(lambda: "went out from another process" in follower.read_text(), timeout=30)
            assert pushes() == 1
            print(f"took over {took_over_s:.1f} s after the leader was killed (lease {lease_s:g} s)")
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)
            await handle.unsubscribe(user)
            await handle.shutdown()
