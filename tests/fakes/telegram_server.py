"""A local stand-in for the Telegram Bot API: `POST /bot{token}/{method}`, as python-telegram-bot calls it.

Updates queued with `push_*` are served by long polling (`getUpdates`); every call the bot makes is
recorded in `calls` as (method, params) so tests can read what users would have seen.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from tests.fakes.local_server import serve_locally

BOT_USER = {"id": 777, "is_bot": True, "first_name": "Suggestify", "username": "suggestify_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


class FakeTelegram:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.call_times: list[float] = []  # when each call in `calls` arrived (time.monotonic)
        self._updates: list[dict[str, Any]] = []
        self._new = asyncio.Event()
        self._ids = itertools.count(random.randrange(1, 2**30))  # as Telegram's: never reused by another instance
        self._message_ids = itertools.count(1000)
        self.api_base_url = ""
        self.webhook: dict[str, Any] = {}  # what setWebhook was told (url, secret_token)

    # -- what users do ----------------------------------------------------------
    @staticmethod
    def _user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def push_text(self, user_id: int, text: str, chat: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": chat or {"id": user_id, "type": "private"}, "from": self._user(user_id),
                                   "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]
        self._push({"message": message})

    def push_button(self, user_id: int, data: str, message_id: int = 1) -> str:
        query_id = f"cb{next(self._ids)}"
        self._push({"callback_query": {
            "id": query_id, "from": self._user(user_id), "chat_instance": "ci", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()), "chat": {"id": user_id, "type": "private"},
                        "from": BOT_USER, "text": "a playlist"}}})
        return query_id

    def _push(self, update: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._ids), **update})
        self._new.set()

    def text_update(self, user_id: int, text: str) -> dict[str, Any]:
        """One text message as an Update, for posting to a webhook."""
        self.push_text(user_id, text)
        return self._updates.pop()

    async def wait_for(self, method: str, after: int, timeout: float = 30.0) -> tuple[str, dict[str, Any]]:
        """The first call to `method` recorded after position `after` in `calls`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, params in self.calls[after:]:
                if name == method:
                    return name, params
            await asyncio.sleep(0.05)
        raise TimeoutError(f"the bot never called {method}; calls: {[c[0] for c in self.calls[after:]]}")

    # -- the Bot API --------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            self.calls.append((method, params))
            self.call_times.append(time.monotonic())
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.json_response({"ok": True, "result": await handler(params)})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        """python-telegram-bot sends form fields whose values are JSON-encoded; an uploaded file (sendDocument)
        comes as a multipart part and is recorded as {"filename": ..., "content": bytes}."""
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        out: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                out[key] = {"filename": value.filename, "content": value.file.read()}
                continue
            try:
                out[key] = json.loads(str(value))
            except ValueError:
                out[key] = str(value)
        return out

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        if not any(u["update_id"] >= offset for u in self._updates):
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), timeout=min(float(params.get("timeout") or 0), 1.0))
            except TimeoutError:
                pass
        return [u for u in self._updates if u["update_id"] >= offset]

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"message_id": int(params.get("message_id") or next(self._message_ids)), "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id") or 0), "type": "private"}, "from": BOT_USER,
                "text": str(params.get("text", ""))}

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        return self._message(params)

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        return self._message(params)

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        upload = params.get("document") or {}
        name = upload.get("filename", "") if isinstance(upload, dict) else ""
        return {**self._message(params), "document": {"file_id": f"doc{next(self._ids)}", "file_unique_id": "u",
                                                      "file_name": name}}

    @asynccontextmanager
    async def running(self) -> AsyncIterator["FakeTelegram"]:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        async with serve_locally(app) as port:
            self.api_base_url = f"http://127.0.0.1:{port}"
            yield self
