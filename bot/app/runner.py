"""`suggestify run`: every adapter with a token, in one asyncio process over one core; the console chat when no
token is set. SIGINT/SIGTERM stop it gracefully.

Several processes share one MongoDB by role: `worker`s answer chats (any update on any worker) and only add or
remove scheduled jobs; the `scheduler` runs them under the MongoDB lease (pushes, through send-only platform
clients; the periodic retrain; pending Spotify saves); `all`, the default, is both in one process."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from enum import Enum
from functools import partial

from bot.app.config import Settings, secret
from bot.app.wiring import App, open_app
from bot.core import BotCore
from bot.core.messages import Reply
from jobs.pipelines.retrain import retrain
from jobs.scheduler import SuggestionScheduler

log = logging.getLogger(__name__)

Stopper = Callable[[], Awaitable[None]]


class Role(str, Enum):
    ALL = "all"
    WORKER = "worker"
    SCHEDULER = "scheduler"

    @property
    def chats(self) -> bool:  # serves chat updates and the Spotify callback
        return self is not Role.SCHEDULER

    @property
    def runs_jobs(self) -> bool:  # runs scheduled jobs (when it holds the lease) and resumes pending saves
        return self is not Role.WORKER


async def _start_spotify(application: App, role: Role, stoppers: list[Stopper]) -> None:
    """The OAuth callback server (for a role that serves chats), and the saves a previous run left pending (for
    one that runs jobs)."""
    from adapters.spotify_web import (
        callback_app,
        callback_path,
        listen_address,
        start_web,
    )

    spotify, settings = application.spotify, application.settings
    assert spotify is not None and settings.spotify_redirect_uri
    stoppers.append(spotify.saves.stop)
    if role.chats:
        host, port = listen_address(settings.spotify_redirect_uri, settings.web_host, settings.web_port)
        web = await start_web(callback_app(spotify, callback_path(settings.spotify_redirect_uri)), host, port)
        stoppers.append(web.cleanup)
        log.info("Spotify callback server on %s:%d", host, port)
    if role.runs_jobs and (resumed := await spotify.saves.resume()):
        log.info("resuming %d Spotify saves", resumed)


async def _start_adapters(application: App, core: BotCore, stoppers: list[Stopper]) -> list[asyncio.Task[None]]:
    """Telegram and Discord, for whichever has a token; each registers how to reach its chats."""
    settings, notifier = application.settings, application.notifier
    running: list[asyncio.Task[None]] = []
    if settings.telegram_token:
        from adapters.telegram_bot import (
            TelegramConfig,
            start_telegram,
            stop_telegram,
            telegram_sender,
        )

        telegram = await start_telegram(core, TelegramConfig(
            secret(settings.telegram_token) or "", api_base_url=settings.telegram_api_base_url,
            webhook_url=settings.telegram_webhook_url, webhook_port=settings.telegram_webhook_port,
            webhook_secret=secret(settings.telegram_webhook_secret), turn_lease_s=settings.chat_turn_lease_seconds))
        stoppers.append(lambda: stop_telegram(telegram))
        notifier.register("telegram", telegram_sender(telegram))
    if settings.discord_token:
        from adapters.discord_bot import DiscordConfig, SuggestifyClient, discord_sender

        discord_client = SuggestifyClient(core, DiscordConfig(
            secret(settings.discord_token) or "", api_base_url=settings.discord_api_base_url,
            gateway_url=settings.discord_gateway_url, shard_id=settings.discord_shard_id,
            shard_count=settings.discord_shard_count))
        running.append(asyncio.create_task(discord_client.serve()))
        stoppers.append(discord_client.close)
        notifier.register("discord", discord_sender(discord_client))
    return running


def _scheduler(application: App) -> SuggestionScheduler:
    """Scheduled pushes (and the periodic retrain), started once the adapters that deliver them are up."""
    notifier = application.notifier

    async def deliver(user_id: str) -> None:
        """A scheduled push: this listener's suggestions, to where they subscribed."""
        user = await application.storage.users.get(user_id) or {}
        subscription = user.get("subscription")
        if not subscription or not notifier.serves(subscription["platform"]):
            return  # unsubscribed meanwhile, or that platform is not served by this process
        await notifier.send(f"{subscription['platform']}:{subscription['chat_id']}",
                            await application.core.suggestion_reply(user_id))

    return SuggestionScheduler(application.storage.db, application.storage.uri, deliver,
                               lease_s=application.settings.scheduler_lease_seconds)


async def _start_senders(application: App, stoppers: list[Stopper]) -> None:
    """For a process that serves no chats (the scheduler role): clients that only send, so pushes still go out."""
    settings, notifier = application.settings, application.notifier
    if settings.telegram_token:
        from adapters.telegram_bot import (
            TelegramConfig,
            start_telegram_sender,
            stop_telegram,
            telegram_sender,
        )

        telegram = await start_telegram_sender(TelegramConfig(
            secret(settings.telegram_token) or "", api_base_url=settings.telegram_api_base_url))
        stoppers.append(lambda: stop_telegram(telegram))
        notifier.register("telegram", telegram_sender(telegram))
    if settings.discord_token:
        from adapters.discord_bot import (
            DiscordConfig,
            discord_sender,
            start_discord_sender,
        )

        discord_client = await start_discord_sender(DiscordConfig(
            secret(settings.discord_token) or "", api_base_url=settings.discord_api_base_url))
        stoppers.append(discord_client.close)
        notifier.register("discord", discord_sender(discord_client))


async def _start_scheduler(application: App, scheduler: SuggestionScheduler, role: Role,
                           stoppers: list[Stopper]) -> None:
    await scheduler.start(lead=role.runs_jobs)
    stoppers.insert(0, scheduler.shutdown)  # first to stop: no push into a closing adapter
    if role.runs_jobs and application.settings.recommender == "graphsage":  # new tracks from the inbox, a model only if not worse
        await scheduler.schedule_retrain(application.settings.retrain_hours,
                                         partial(retrain, application.storage, application.settings, progress=False))


async def _until_stopped(running: list[asyncio.Task[None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([waiter, *running], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        for task in [waiter, *running]:
            task.cancel()


async def serve(settings: Settings, console_user: str = "local", role: Role = Role.ALL) -> None:
    if settings.telegram_token and settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise SystemExit("TELEGRAM_WEBHOOK_URL is set without TELEGRAM_WEBHOOK_SECRET: refusing to accept "
                         "updates anyone could forge. Set a random secret (A-Z, a-z, 0-9, _ and -).")
    async with open_app(settings) as application:
        stoppers: list[Stopper] = []
        try:
            if application.spotify is not None:
                await _start_spotify(application, role, stoppers)
            if role is Role.ALL and not settings.telegram_token and not settings.discord_token:
                from adapters.console import render, run_console

                async def show(chat_id: str, reply: Reply) -> None:  # a finished save, while the console waits
                    sys.stdout.write("\nbot> " + render(reply) + "\n")

                application.notifier.register("console", show)
                await run_console(application.core, console_user, export_dir=settings.home / "exports")
                return
            scheduler = _scheduler(application)
            running: list[asyncio.Task[None]] = []
            if role.chats:
                if application.warming is not None:
                    # Chats only once the language models are loaded: warming up beside the first turns starves
                    # them (their database replies go unread past the core's wait). Meanwhile Telegram holds the
                    # updates, and a load balancer sends them to a worker that is up.
                    await application.warming
                core = application.core.with_services(subscriptions=scheduler)
                running = await _start_adapters(application, core, stoppers)
            else:
                await _start_senders(application, stoppers)
            await _start_scheduler(application, scheduler, role, stoppers)
            log.info("running as %s", role.value)
            await _until_stopped(running)
            log.info("shutting down")
        finally:
            for stopper in stoppers:
                try:
                    await stopper()
                except Exception:
                    log.exception("a component did not stop cleanly")
