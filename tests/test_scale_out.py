"""Several workers behind one URL: two `run --role worker` processes and one `run --role scheduler` on one
MongoDB, Telegram in webhook mode behind a round-robin proxy. Every update is answered once, each listener's
replies come in the order they wrote, no session change is lost, and when one worker is killed mid-load the
other keeps answering (what the dead one had taken in hand is all that is lost)."""

from __future__ import annotations

import asyncio
import html
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import aiohttp

from bot.app.wiring import App
from bot.core import texts
from tests.cli_runner import SCRIPT
from tests.fakes.local_server import free_port
from tests.fakes.round_robin import RoundRobin
from tests.fakes.telegram_server import FakeTelegram
from tests.waiting import wait_until

TG_TOKEN = "43:scale-out-telegram-token"
SECRET = "scale-out-webhook-secret"
TURN_LEASE_S = 10.0  # short, so the test sees a dead worker's chats picked up soon; longer than any answer
# Between two listeners' first messages: ~12 updates/s, what two workers, a scheduler and the suite's shared
# embedded server answer on 2 cores. At ~40/s (0.08 s) the full suite on the CI machine told 37-82 of 100
# listeners their turn was not saved (alone, 5-21 here): their database waits ran past the turn's 2.2 s
# (why it is slower there than alone is not known yet). Throughput is `suggestify bench`'s to measure; this
# test is about order and once-only.
ARRIVALS_S = 0.25
MOOD = "calm evening"
DEGRADED = "can't reach my memory"  # texts.NO_MEMORY_*


async def deliver(http: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> None:
    """As Telegram delivers: POST with the secret, again until the webhook says 2xx."""
    for _ in range(100):
        try:
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
                if r.status < 300:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"update {update['update_id']} never accepted")


def degraded(said: list[str]) -> bool:
    return any(DEGRADED in h or texts.NOT_SAVED.strip() in h for h in said)


def header(params: dict[str, Any]) -> str:
    return html.unescape(str(params.get("text", "")).split("\n")[0])


async def test_two_workers_behind_a_proxy_answer_every_update_once_and_in_order(app: App, tmp_path: Path) -> None:
    reading = await app.core.s.chat2tag.understand(MOOD)
    extra = [t for t in app.core.s.catalog.suggested_tags(40) if t not in {w.tag for w in reading.tags}][:2]
    burst = [MOOD, f"/toggle {extra[0]}", f"/toggle {extra[1]}"]
    ports = [free_port(), free_port()]
    async with (FakeTelegram(TG_TOKEN).running() as telegram, RoundRobin(ports).running() as proxy,
                aiohttp.ClientSession() as http):
        url = f"http://127.0.0.1:{proxy.port}/telegram"
        settings = app.settings.with_changes(
            telegram_token=TG_TOKEN, telegram_api_base_url=telegram.api_base_url, telegram_webhook_url=url,
            telegram_webhook_secret=SECRET, chat_turn_lease_seconds=TURN_LEASE_S, retrain_hours=0,
            log_level="INFO")
        logs = [tmp_path / "worker0.log", tmp_path / "worker1.log", tmp_path / "scheduler.log"]
        processes: list[subprocess.Popen[bytes]] = []

        def start(role: str, log: Path, **env: str) -> None:
            processes.append(subprocess.Popen([SCRIPT, "run", "--role", role], stdout=subprocess.DEVNULL,
                                              stderr=log.open("wb"), env={**os.environ, **settings.to_env(), **env}))

        def replies(chat: int) -> list[str]:
            return [header(p) for m, p in telegram.calls if m == "sendMessage" and p.get("chat_id") == chat]

        async def listener(user: int, delay: float = 0.0) -> None:
            await asyncio.sleep(delay)
            for text in burst:  # one after another, as a person types (Telegram posts each once accepted)
                await deliver(http, url, telegram.text_update(user, text))

        def kind(said: str) -> int:
            """0: the playlist; 1: re-ranked with the first toggle only; 2: with both; 3: with the second only (the
            first was lost); -1: anything else."""
            tags = said.split("tags:")[-1]
            if said.startswith("Here's your playlist"):
                return 0
            return {(True, False): 1, (True, True): 2, (False, True): 3}.get((extra[0] in tags, extra[1] in tags), -1)

        def in_order(said: list[str]) -> bool:
            return [kind(h) for h in said] == [0, 1, 2]

        try:
            for i, port in enumerate(ports):
                start("worker", logs[i], TELEGRAM_WEBHOOK_PORT=str(port))
            start("scheduler", logs[2])
            for log in logs[:2]:
                assert await wait_until(lambda log=log: "telegram adapter running (webhook)" in log.read_text(), 240)

            # 100 listeners arriving over a few seconds, three messages each, every message to the next worker in
            # turn (a burst beyond what the machine answers in time gets degraded replies: tests/test_security.py).
            users = random.sample(range(10**6, 10**7), 140)
            first, before_kill, after_kill = users[:100], users[100:120], users[120:]
            await asyncio.gather(*(listener(u, i * ARRIVALS_S) for i, u in enumerate(first)))
            assert await wait_until(lambda: all(len(replies(u)) >= 3 for u in first), 180)
            await asyncio.sleep(1.0)  # time for any second answer to show up
            said = {u: replies(u) for u in first}
            assert all(len(s) == 3 for s in said.values())  # each update answered once
            # A database that stalls past the core's wait gets an answer that says so (tests/test_security.py);
            # the order of such a listener's replies cannot be read from them.
            stalled = [u for u, s in said.items() if degraded(s)]
            assert len(stalled) <= len(first) // 10, [said[u] for u in stalled][:3]
            wrong = {u: s for u, s in said.items() if u not in stalled and not in_order(s)}
            assert not wrong, list(wrong.items())[:3]
            assert min(proxy.sent) > 50  # both workers took a share
            for u in [u for u in first if u not in stalled][:20]:  # both toggles kept, whichever worker made each
                session = await app.storage.sessions.load(f"telegram:{u}")
                assert {t["tag"] for t in session["tags"] if t["on"]} >= set(extra)

            # One worker killed while 20 listeners are mid-burst; 20 more write after it died.
            loading = asyncio.gather(*(listener(u, i * ARRIVALS_S) for i, u in enumerate(before_kill)))
            assert await wait_until(lambda: sum(len(replies(u)) for u in before_kill) >= 10, 60)
            processes[0].kill()
            await loading
            await asyncio.gather(*(listener(u, i * ARRIVALS_S) for i, u in enumerate(after_kill)))
            assert await wait_until(lambda: all(len(replies(u)) >= 3 for u in after_kill), 60)
            assert all(len(replies(u)) == 3 and (in_order(replies(u)) or degraded(replies(u)))
                       for u in after_kill)  # the rest keep flowing
            assert await wait_until(lambda: _nothing_waiting(app), 4 * TURN_LEASE_S + 10)  # swept up
            lost = 0
            for u in before_kill:  # what the dead worker had in hand is lost, never answered twice or out of order
                kinds = [kind(h) for h in replies(u) if not degraded([h])]
                assert -1 not in kinds and kinds == sorted(set(kinds)) and not {1, 3} <= set(kinds), replies(u)
                lost += 3 - len(replies(u))
            print(f"killed worker: {lost} of {3 * len(before_kill)} updates lost, "
                  f"{sum(len(replies(u)) for u in after_kill)} answered after the kill; proxy shares {proxy.sent}")
            assert processes[2].poll() is None  # the scheduler lives on
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                process.wait(30)


async def _nothing_waiting(app: App) -> bool:
    return await app.storage.db["inbox"].count_documents({"taken": False}) == 0
