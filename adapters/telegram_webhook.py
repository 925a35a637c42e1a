"""Telegram's webhook for several workers behind one URL (a load balancer sends each update to any of them).

An update is checked (the secret Telegram sends back in a header), stored in the shared inbox and acknowledged;
its chat's updates are then answered in order by whichever worker holds that chat's turn (`bot.core.ordering`).
This replaces python-telegram-bot's own webhook server, which answers every update in the process that
received it, as its "custom webhook" examples do: the application processes each update we hand it."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.core.ordering import TURN_LEASE_S, ChatOrder, Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20  # Telegram's updates are a few kilobytes


class TelegramWebhook:
    def __init__(self, application: Application, inbox: Inbox | None, secret: str, path: str,
                 turn_lease_s: float = TURN_LEASE_S) -> None:
        self.application, self.secret, self.path = application, secret, path
        self.order = ChatOrder(inbox, self._answer, turn_lease_s) if inbox is not None else None
        self._runner: web.AppRunner | None = None
        self._sweeping: asyncio.Task[None] | None = None
        self._direct: set[asyncio.Task[None]] = set()

    async def start(self, listen: str, port: int) -> None:
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)  # the access log would carry nothing useful
        await self._runner.setup()
        await web.TCPSite(self._runner, listen, port).start()
        if self.order is not None:
            self._sweeping = asyncio.create_task(self._sweep_forever(self.order))

    async def stop(self) -> None:
        if self._sweeping is not None:
            self._sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeping
        if self._runner is not None:
            await self._runner.cleanup()  # stops taking updates first ...
        if self.order is not None:
            await self.order.close()  # ... then answers the ones it took
        await asyncio.gather(*self._direct, return_exceptions=True)

    async def _receive(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), self.secret.encode()):
            return web.Response(status=403)  # not from Telegram: nobody may post updates as someone else
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except Exception:
            return web.Response(status=400)
        chat = update.effective_chat or update.effective_user
        if self.order is None or chat is None:
            self._answer_here(data)
            return web.Response()
        try:
            # An update id is the bot's own: the key names the bot too, for bots sharing one database.
            key = f"telegram:{self.application.bot.id}:{update.update_id}"
            await self.order.accept(f"telegram:{chat.id}", key, update.update_id, data)
        except Exception:  # no inbox to share: answered here, still in time, but outside the shared order
            log.warning("the inbox is unreachable: answering an update where it arrived", exc_info=True)
            self._answer_here(data)
        return web.Response()

    def _answer_here(self, data: dict[str, Any]) -> None:
        task = asyncio.create_task(self._answer(data))
        self._direct.add(task)
        task.add_done_callback(self._direct.discard)

    async def _answer(self, payload: dict[str, Any]) -> None:
        await self.application.process_update(Update.de_json(payload, self.application.bot))

    async def _sweep_forever(self, order: ChatOrder) -> None:
        """Updates a worker that died had taken: answered here once its turn has run out."""
        while True:
            await asyncio.sleep(order.lease_s / 2)
            try:
                if answered := await order.sweep():
                    log.info("answered %d updates another worker had left waiting", answered)
            except Exception:
                log.warning("could not look for waiting updates", exc_info=True)
