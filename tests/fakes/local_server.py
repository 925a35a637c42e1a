"""Serve an aiohttp app on a free 127.0.0.1 port for the length of a test."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


def free_port() -> int:
    """A loopback port nothing listens on, for a server the code under test starts itself."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve_locally(app: web.Application, access_log: bool = True) -> AsyncIterator[int]:
    """Yields the port. Without `access_log`, request lines (which may carry secrets in their query) go unlogged."""
    runner = web.AppRunner(app) if access_log else web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await runner.cleanup()
