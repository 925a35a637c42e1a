"""Secrets without a server: the log redactor, the webhook secret required, the local key written whole."""

from __future__ import annotations

import pytest

from adapters.telegram_bot import TelegramConfig
from bot.app import log_redaction

TOKEN = "654321:SECRET-telegram-token-never-in-a-log"
WEBHOOK_SECRET = "webhook-secret-Xy9_never-in-a-log"


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
    for line, hidden in lines.items():
        assert hidden not in redactor.redact(line), line
    assert "state-value" not in redactor.redact("GET /cb?code=x&state=the-state-value")
    assert redactor.redact("rainy sunday morning, feeling nostalgic") == "rainy sunday morning, feeling nostalgic"


def test_webhook_mode_without_a_secret_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramConfig(TOKEN, webhook_url="https://bot.example.com/telegram")


def test_the_local_key_is_never_left_empty(tmp_path) -> None:
    from cryptography.fernet import Fernet

    from storage.secrets import local_key

    path = tmp_path / "home" / "secret.key"
    key = local_key(path)
    assert Fernet(key.encode()) and path.read_text() == key and local_key(path) == key
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    path.write_text("")  # what a crash between create and write used to leave
    fresh = local_key(path)
    assert fresh and fresh != key and path.read_text() == fresh
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no temporary file left behind
