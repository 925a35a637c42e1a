"""Serve an aiohttp app on a free 127.0.0.1 port for the length of a test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


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
