"""Shared fixtures: a real MongoDB-protocol server (secantusd-py, or MONGO_URI
when set) and a catalog built once from the shipped data."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app.config import Settings
from bot.app.wiring import App, open_app
from storage.server import EmbeddedMongo


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("MONGO_URI"):
        yield os.environ["MONGO_URI"]
        return
    # One server takes the whole suite, several processes publishing ~300 MB models into GridFS at once: at 1G
    # its WiredTiger cache wedged twice (every thread in eviction, the holder in a dropDatabase), see
    # docs/experiments.md. The cache is a ceiling, not an allocation.
    with EmbeddedMongo(tmp_path_factory.mktemp("mongo") / "db", cache_size="4G") as server:
        yield server.uri


@pytest.fixture(scope="session")
def settings(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env().with_changes(
        mongo_uri=mongo_uri,
        db_name=f"suggestify_test_{uuid.uuid4().hex[:8]}",
        home=tmp_path_factory.mktemp("home"),
        log_level="WARNING",
        telegram_token=None,
        discord_token=None,
        recommender="graphsage",
        train_epochs=60,  # enough to learn from; the served default trains longer
        quick_start_epochs=0,  # one model for the whole session (tests/test_model_serving.py covers quick start)
        share_models=False,  # one machine; tests/test_retrain.py shares models through a server of its own
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[App]:
    """The whole app over the real data, built once for the test session (about a minute)."""
    async with open_app(settings, progress=False) as application:
        if application.warming is not None:  # tests time their turns: not while the models still load
            await application.warming
        yield application


@pytest.fixture(scope="session")
def data_dir(settings: Settings) -> Path:
    return settings.data_dir
