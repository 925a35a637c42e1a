"""Nobody acts as someone else, and no secret reaches a log: forged webhook updates are refused, and every
log record of a Telegram round trip at DEBUG is free of the token and the webhook secret."""

from __future__ import annotations

import asyncio
import io
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator

import aiohttp
import pytest

from adapters.telegram_bot import TelegramConfig, start_telegram, stop_telegram
from bot.app import log_redaction
from bot.app.config import secret
from bot.app.wiring import App
from bot.core import BotCore, Services, texts
from bot.core.admission import UNLIMITED
from bot.core.messages import Incoming
from storage.database import Database, Storage
from tests.fakes.local_server import free_port
from tests.fakes.stall_proxy import StallProxy
from tests.fakes.telegram_server import FakeTelegram
from tests.waiting import LoopLag, wait_until

TOKEN = "654321:SECRET-telegram-token-never-in-a-log"
WEBHOOK_SECRET = "webhook-secret-Xy9_never-in-a-log"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The root logger at DEBUG into a buffer, through the redactor the CLI installs."""
    root, buffer = logging.getLogger(), io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    old_level, old_handlers = root.level, root.handlers[:]
    root.handlers, root.level = [handler], logging.DEBUG
    log_redaction.install([TOKEN, WEBHOOK_SECRET])
    try:
        yield buffer
    finally:
        root.handlers, root.level = old_handlers, old_level


async def test_forged_webhook_updates_are_refused_and_nothing_secret_is_logged(
        app: App, debug_log: io.StringIO) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with FakeTelegram(TOKEN).running() as fake:
        telegram = await start_telegram(app.core, TelegramConfig(
            TOKEN, api_base_url=fake.api_base_url, webhook_url=url, webhook_listen="127.0.0.1",
            webhook_port=port, webhook_secret=WEBHOOK_SECRET))
        try:
            assert fake.webhook["url"] == url and fake.webhook["secret_token"] == WEBHOOK_SECRET
            user = random.randint(10**6, 10**9)
            async with aiohttp.ClientSession() as http:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                    mark = len(fake.calls)
                    async with http.post(url, json=fake.text_update(user, "/disconnect"), headers=headers) as r:
                        assert r.status == 403
                    with pytest.raises(TimeoutError):
                        await fake.wait_for("sendMessage", mark, timeout=1.0)
                mark = len(fake.calls)
                async with http.post(url, json=fake.text_update(user, "rainy sunday morning"),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}) as r:
                    assert r.status == 200
                _, sent = await fake.wait_for("sendMessage", mark)
                assert sent["chat_id"] == user
        finally:
            await stop_telegram(telegram)
    logged = debug_log.getvalue()
    assert "telegram" in logged  # the libraries did log at DEBUG ...
    assert TOKEN not in logged and WEBHOOK_SECRET not in logged  # ... and none of it was secret


class StalledHistory:
    """Listening history that never comes (the database stalls after the session was read)."""

    async def taste(self, user_id: str) -> dict[str, dict[str, float]]:
        await asyncio.sleep(60)
        return {}


async def test_a_history_read_that_stalls_after_the_session_still_gets_a_playlist_in_time(app: App) -> None:
    core = app.core.with_services(events=StalledHistory())
    started = time.perf_counter()
    reply = await core.handle(Incoming("console", "stalled-history", "stalled-history", "rainy sunday morning"))
    assert time.perf_counter() - started < 3.0
    assert len(reply.playlist) == 10 and reply.text == texts.NO_MEMORY_PLAYLIST


async def test_a_database_stalled_mid_load_gets_degraded_answers_in_time_then_recovers(app: App) -> None:
    """MongoDB behind a proxy that stops forwarding while 20 listeners are mid-conversation: every reply still
    comes within 3 s (saying it is not personal), full replies resume once the path flows again with no
    restart, and no acknowledged write is lost."""
    from urllib.parse import urlsplit

    target = urlsplit(app.storage.uri)
    async with StallProxy(target.hostname or "127.0.0.1", target.port or 27017).running() as proxy:
        uri = f"mongodb://127.0.0.1:{proxy.port}/?directConnection=true"
        async with Database(uri, app.settings.db_name, app.settings.db_dir) as storage:
            async def stall_then_resume() -> None:
                await asyncio.sleep(1.0)
                proxy.stall()
                await asyncio.sleep(4.0)
                proxy.resume()

            await _fault_under_load(_core_over(app, storage), storage, stall_then_resume)


async def test_many_listeners_all_answered_and_a_flooder_delays_nobody(app: App) -> None:
    """200 listeners with a burst of two messages each through the Telegram stand-in: every one answered, in
    order; then a flooder's 300 messages do not push another listener's reply past 2 s."""
    import statistics

    async with FakeTelegram(TOKEN).running() as fake:
        telegram = await start_telegram(app.core, TelegramConfig(TOKEN, api_base_url=fake.api_base_url))
        try:
            users = [random.randint(10**9, 2 * 10**9) for _ in range(200)]
            started = time.monotonic()
            for user in users:
                fake.push_text(user, "rainy sunday morning")
                fake.push_text(user, "/tags")
            deadline = started + 120
            while sum(1 for m, _ in fake.calls if m == "sendMessage") < 2 * len(users) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            replies: dict[int, list[tuple[float, str]]] = {}
            for (method, params), at in zip(fake.calls, fake.call_times):
                if method == "sendMessage":
                    replies.setdefault(int(params["chat_id"]), []).append((at - started, params["text"]))
            assert all(len(replies.get(u, [])) == 2 for u in users), "lost replies"
            assert all("tags" in replies[u][1][1].lower() for u in users)  # each chat's answers in its order
            waits = sorted(at for u in users for at, _ in replies[u])
            print(f"\n200 listeners x 2 messages: p50 {statistics.median(waits):.2f} s, "
                  f"p99 {waits[int(0.99 * len(waits))]:.2f} s after the burst began")

            flooder, other = random.randint(10**9, 2 * 10**9), random.randint(10**9, 2 * 10**9)
            mark = len(fake.calls)
            for i in range(300):
                fake.push_text(flooder, f"party {i}")
            sent = time.monotonic()
            fake.push_text(other, "calm evening jazz")
            while not any(m == "sendMessage" and p["chat_id"] == other for m, p in fake.calls[mark:]):
                await asyncio.sleep(0.02)
                assert time.monotonic() - sent < 10, "never answered"
            answered = next(t for (m, p), t in zip(fake.calls[mark:], fake.call_times[mark:])
                            if m == "sendMessage" and p["chat_id"] == other)
            print(f"a listener beside a 300-message flood: answered in {answered - sent:.2f} s")
            assert answered - sent < 2.0
            await asyncio.sleep(1.0)
            to_flooder = [p["text"] for m, p in fake.calls[mark:] if m == "sendMessage" and p["chat_id"] == flooder]
            assert sum("faster than I can" in t for t in to_flooder) == 1  # told once, not 288 times
            assert len(to_flooder) <= 13
        finally:
            await stop_telegram(telegram)


async def test_a_database_killed_mid_load_is_restarted_and_nothing_acknowledged_is_lost(
        app: App, tmp_path) -> None:
    """The embedded server SIGKILLed while 20 listeners are mid-conversation: replies within 3 s throughout,
    the server is restarted by its supervisor, and every acknowledged session write survives."""
    import os
    import signal

    database = Database(None, "killed", tmp_path / "db")
    killed: list[int] = []
    async with database as storage:
        async def kill() -> None:
            await asyncio.sleep(1.0)
            assert database.embedded is not None
            killed.append(database.embedded._proc.pid)  # type: ignore[union-attr]
            os.kill(killed[0], signal.SIGKILL)

        # Retried reads and writes often ride out a quick restart, so no turn need degrade; a new process must run.
        await _fault_under_load(_core_over(app, storage), storage, kill, must_degrade=False)
        assert database.embedded is not None and database.embedded._proc.pid not in killed  # type: ignore[union-attr]


def _core_over(app: App, storage: Storage) -> BotCore:
    """The test app's bot over another database, without the per-listener rate limit (load tests pace themselves)."""
    s = app.core.s
    return BotCore(Services(storage.users, storage.sessions, storage.events, storage.playlists, storage.listener_data,
                            storage.limits, s.chat2tag, s.recommender, s.catalog), rate=UNLIMITED)


async def _fault_under_load(core: BotCore, storage: Storage, fault: Callable[[], Awaitable[None]],
                            listeners: int = 20, seconds: float = 9.0, must_degrade: bool = True) -> None:
    """Listeners ask for playlists one turn after another while `fault` strikes. Each turn must be answered within
    3 s with a playlist; some turns must have degraded (when `must_degrade`: the fault landed mid-load) and the
    last ones be whole;
    and each listener's stored session must hold their last acknowledged turn or a later one."""

    moods = ["rainy night", "summer road trip", "late night drive", "calm evening jazz", "gym workout"]
    sent: dict[str, list[str]] = {}
    acked: dict[str, int] = {}
    turns: list[tuple[float, float, bool]] = []  # (started, took, whole)
    began = time.monotonic()

    async def listener(user: str) -> None:
        i = 0
        while time.monotonic() - began < seconds:
            text = f"{moods[i % len(moods)]} {i}"
            sent.setdefault(user, []).append(text)
            started = time.perf_counter()
            reply = await core.handle(Incoming("console", user, user, text))
            took = time.perf_counter() - started
            whole = "memory" not in reply.text and "couldn't save" not in reply.text
            assert took < 3.0 and len(reply.playlist) == 10, (took, reply.text)
            turns.append((started, took, whole))
            if whole:
                acked[user] = i
            i += 1
            await asyncio.sleep(0.05)

    users = [f"load{random.randint(0, 10**9)}-{n}" for n in range(listeners)]
    await asyncio.gather(*(listener(u) for u in users), fault())
    degraded = sum(not whole for _, _, whole in turns)
    print(f"\n{len(turns)} turns under a fault: {degraded} degraded, slowest {max(t for _, t, _ in turns):.2f} s")
    assert degraded > 0 or not must_degrade, "the fault never landed mid-load"

    async def whole_again() -> bool:
        reply = await core.handle(Incoming("console", users[0], users[0], "/tags"))
        return "memory" not in reply.text

    assert await wait_until(whole_again, timeout=30, every=0.5)  # recovered without a restart of the bot
    for user in users:
        if user in acked:
            session = await storage.sessions.load(f"console:{user}")
            assert session["last_text"] in sent[user][acked[user]:], (user, session["last_text"])


async def test_a_large_ingest_inside_the_running_bot_keeps_answering_listeners(app: App, tmp_path) -> None:
    """The scheduled retrain ingests the inbox inside the bot: while a 3,000-track file goes in, a listener keeps
    chatting and every reply still comes within Discord's 3 s, and a probe records how late the loop wakes."""
    import shutil

    from jobs.pipelines.ingest import ingest_tracks
    from storage.database import Database

    catalog = tmp_path / "catalog"
    shutil.copytree(app.settings.catalog_dir, catalog)
    path = tmp_path / "inbox.csv"
    rows = [f"lagprobe{i:014d},Song {i},Band {i % 300},rainy day;indie;calm,0.{i % 10},0.5,{90 + i % 60}"
            for i in range(3000)]
    path.write_text("track_id,name,artist,tags,valence,energy,tempo\n" + "\n".join(rows) + "\n")
    turns: list[float] = []
    async with Database(secret(app.settings.mongo_uri), f"{app.settings.db_name}_lag", tmp_path / "db") as storage:
        async with LoopLag() as lag:
            ingest = asyncio.create_task(
                ingest_tracks(storage, catalog, path, app.core.s.chat2tag.encoder))  # type: ignore[attr-defined]
            while not ingest.done():
                started = time.perf_counter()
                listener = f"mid-ingest-{len(turns)}"  # one turn each: the rate limit is not under test
                reply = await app.core.handle(Incoming("console", listener, listener, "rainy night"))
                assert len(reply.playlist) == 10, reply.text
                turns.append(time.perf_counter() - started)
                await asyncio.sleep(0.05)
            result = await ingest
        await storage.client.drop_database(f"{app.settings.db_name}_lag")
    assert result["added"] == 3000
    print(f"\nduring a 3,000-track ingest: {len(turns)} turns, slowest {max(turns) * 1000:.0f} ms; "
          f"event loop woke {lag.worst * 1000:.0f} ms late at most")
    # The ingest on the loop would stall it for seconds in one piece (encoding 3,000 names): one turn, late.
    # Off the loop, turns keep coming; C code holding the GIL in the worker stretches a wake-up to ~0.1-0.7 s.
    assert len(turns) >= 3 and max(turns) < 3.0 and lag.worst < 3.0, (turns, lag.worst)
