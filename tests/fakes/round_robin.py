"""A loopback load balancer: each request goes to the next backend in turn, as a reverse proxy in front of
several workers does; a backend that does not answer gets the request a 502 (the sender retries)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from tests.fakes.local_server import serve_locally


class RoundRobin:
    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self.sent = [0] * len(backends)  # requests each backend answered
        self.port = 0

    async def _forward(self, request: web.Request) -> web.Response:
        i = next(self._next)
        try:
            async with self._http.request(request.method, f"http://127.0.0.1:{self.backends[i]}{request.path_qs}",
                                          headers=request.headers, data=await request.read()) as answer:
                self.sent[i] += 1
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            return web.Response(status=502)

    @asynccontextmanager
    async def running(self) -> AsyncIterator["RoundRobin"]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as self._http:
            async with serve_locally(app, access_log=False) as self.port:
                yield self
