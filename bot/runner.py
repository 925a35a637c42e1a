"""`suggestify run`: every adapter with a token, in one asyncio process over one core;
the console chat when no token is set. SIGINT/SIGTERM stop it gracefully."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from bot.app import open_app
from bot.config import Settings
from bot.messages import Reply
from jobs.scheduler import SuggestionScheduler

log = logging.getLogger(__name__)


async def serve(settings: Settings, console_user: str = "local") -> None:
    async with open_app(settings) as application:
        core = application.core
        if not settings.telegram_token and not settings.discord_token:
            from adapters.console import run_console

            await run_console(core, console_user)
            return

        stoppers: list[Callable[[], Awaitable[None]]] = []
        running: list[asyncio.Task[None]] = []
        senders: dict[str, Callable[[str, Reply], Awaitable[None]]] = {}

        async def deliver(user_id: str) -> None:
            """A scheduled push: this listener's suggestions, to where they subscribed."""
            user = await application.storage.users.get(user_id) or {}
            subscription = user.get("subscription")
            if not subscription or subscription.get("platform") not in senders:
                return  # unsubscribed meanwhile, or that platform is not served by this process
            await senders[subscription["platform"]](subscription["chat_id"], await core.suggestion_reply(user_id))

        scheduler = SuggestionScheduler(application.storage.db, application.storage.uri, deliver)
        await scheduler.start()
        core.s.subscriptions = scheduler  # the composition root completes the core's services
        stoppers.append(scheduler.shutdown)  # first to stop: no push into a closing adapter
        if settings.telegram_token:
            from adapters.telegram_bot import TelegramConfig, start_telegram, stop_telegram, telegram_sender

            telegram = await start_telegram(core, TelegramConfig(
                settings.telegram_token, api_base_url=settings.telegram_api_base_url,
                webhook_url=settings.telegram_webhook_url, webhook_port=settings.telegram_webhook_port))
            stoppers.append(lambda: stop_telegram(telegram))
            senders["telegram"] = telegram_sender(telegram)
        if settings.discord_token:
            from adapters.discord_bot import DiscordConfig, SuggestifyClient, discord_sender

            discord_client = SuggestifyClient(core, DiscordConfig(
                settings.discord_token, api_base_url=settings.discord_api_base_url,
                gateway_url=settings.discord_gateway_url))
            running.append(asyncio.create_task(discord_client.serve()))
            stoppers.append(discord_client.close)
            senders["discord"] = discord_sender(discord_client)


        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait([waiter, *running], return_when=asyncio.FIRST_COMPLETED)
        log.info("shutting down")
        for stopper in stoppers:
            try:
                await stopper()
            except Exception:
                log.exception("an adapter did not stop cleanly")
        for task in [waiter, *running]:
            task.cancel()
