"""What every `suggestify` command starts with: settings from the environment, and the database with the
catalog built."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError

from bot.app import log_redaction
from bot.app.config import Settings
from bot.app.wiring import ensure_catalog, open_storage
from storage.database import Storage

T = TypeVar("T")


def settings_from_env() -> Settings:
    """The settings, with logging set up and secrets redacted from every log line; a bad value exits with the
    variable it came from (never the value: it may be a token)."""
    try:
        settings = Settings.from_env()
    except ValidationError as e:
        problems = "\n".join(f"  {'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        typer.echo(f"Bad configuration:\n{problems}", err=True)
        raise typer.Exit(2) from None
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_redaction.install(settings.secrets())
    return settings


def with_storage(settings: Settings, work: Callable[[Storage], Awaitable[T]], progress: bool = True) -> T:
    """Run `work` against the database, once the catalog is built (a no-op when it is up to date)."""

    async def go() -> T:
        async with open_storage(settings) as storage:
            await ensure_catalog(settings, storage, progress=progress)
            return await work(storage)

    return asyncio.run(go())


def catalog_ready(settings: Settings, progress: bool = True, force: bool = False) -> dict:
    """Build the catalog when it is missing or stale: what offline commands need first."""

    async def go() -> dict:
        async with open_storage(settings) as storage:
            return await ensure_catalog(settings, storage, progress=progress, force=force)

    return asyncio.run(go())
