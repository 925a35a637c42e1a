"""A local OpenAI-compatible stand-in: `POST /v1/chat/completions` answers from a script of responses."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import serve_locally


@dataclass
class Scripted:
    """One answer: a JSON-able object as the message content, raw text, or an HTTP error."""

    content: Any = None
    raw: str | None = None
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": "stand-in",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: list[Scripted] = []
        self.default = Scripted(raw="not json at all")
        self.requests: list[dict[str, Any]] = []
        self.base_url = ""

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        answer = self.script.pop(0) if self.script else self.default
        if answer.delay_s:
            await asyncio.sleep(answer.delay_s)
        if answer.status != 200:
            return web.json_response({"error": {"message": "scripted error", "type": "server_error"}},
                                     status=answer.status, headers=answer.headers)
        content = answer.raw if answer.raw is not None else json.dumps(answer.content)
        return web.json_response(completion(content))

    @asynccontextmanager
    async def running(self) -> AsyncIterator["FakeOpenAI"]:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        async with serve_locally(app) as port:
            self.base_url = f"http://127.0.0.1:{port}/v1"
            yield self
