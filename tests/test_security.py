"""Nobody acts as someone else, and no secret reaches a log: forged webhook updates are refused, and every
log record of a Telegram round trip at DEBUG is free of the token and the webhook secret."""

from __future__ import annotations

import io
import logging
import random
import socket
from collections.abc import Iterator

import aiohttp
import pytest

from adapters.telegram_bot import TelegramConfig, start_telegram, stop_telegram
from bot import log_redaction
from bot.app import App
from tests.fakes.telegram_server import FakeTelegram

TOKEN = "654321:SECRET-telegram-token-never-in-a-log"
WEBHOOK_SECRET = "webhook-secret-Xy9_never-in-a-log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The root logger at DEBUG into a buffer, through the redactor the CLI installs."""
    root, buffer = logging.getLogger(), io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    old_level, old_handlers = root.level, root.handlers[:]
    root.handlers, root.level = [handler], logging.DEBUG
    log_redaction.install([TOKEN, WEBHOOK_SECRET])
    try:
        yield buffer
    finally:
        root.handlers, root.level = old_handlers, old_level


def test_the_redactor_removes_secrets_in_every_shape() -> None:
    redactor = log_redaction.Redactor(["s3cr3t/client+secret"])
    lines = {
        f"POST https://api.telegram.org/bot{TOKEN}/getUpdates": TOKEN,
        "Authorization: Bearer BQDx-access-token-value": "BQDx-access-token-value",
        "GET /spotify/callback?code=AQB-the-code&state=the-state-value": "AQB-the-code",
        '{"access_token": "at-123456789", "refresh_token": "rt-987654321"}': "rt-987654321",
        "client secret s3cr3t/client+secret in a message": "s3cr3t/client+secret",
        "client secret s3cr3t%2Fclient%2Bsecret in a url": "s3cr3t%2Fclient%2Bsecret",
    }
    for line, secret in lines.items():
        assert secret not in redactor.redact(line), line
    assert "state-value" not in redactor.redact("GET /cb?code=x&state=the-state-value")
    assert redactor.redact("rainy sunday morning, feeling nostalgic") == "rainy sunday morning, feeling nostalgic"


def test_webhook_mode_without_a_secret_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramConfig(TOKEN, webhook_url="https://bot.example.com/telegram")


async def test_forged_webhook_updates_are_refused_and_nothing_secret_is_logged(
        app: App, debug_log: io.StringIO) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with FakeTelegram(TOKEN).running() as fake:
        application = await start_telegram(app.core, TelegramConfig(
            TOKEN, api_base_url=fake.api_base_url, webhook_url=url, webhook_listen="127.0.0.1",
            webhook_port=port, webhook_secret=WEBHOOK_SECRET))
        try:
            assert fake.webhook["url"] == url and fake.webhook["secret_token"] == WEBHOOK_SECRET
            user = random.randint(10**6, 10**9)
            async with aiohttp.ClientSession() as http:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                    mark = len(fake.calls)
                    async with http.post(url, json=fake.text_update(user, "/disconnect"), headers=headers) as r:
                        assert r.status == 403
                    with pytest.raises(TimeoutError):
                        await fake.wait_for("sendMessage", mark, timeout=1.0)
                mark = len(fake.calls)
                async with http.post(url, json=fake.text_update(user, "rainy sunday morning"),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}) as r:
                    assert r.status == 200
                _, sent = await fake.wait_for("sendMessage", mark)
                assert sent["chat_id"] == user
        finally:
            await stop_telegram(application)
    logged = debug_log.getvalue()
    assert "telegram" in logged  # the libraries did log at DEBUG ...
    assert TOKEN not in logged and WEBHOOK_SECRET not in logged  # ... and none of it was secret
