"""No secret in any log line, from any library: a filter on the root handlers rewrites every record.

It removes the secrets this process was given (tokens, client secret, keys) wherever they appear, and the
shapes secrets take in traffic libraries log: the Bot API path `/bot<token>/`, `Authorization` headers,
OAuth fields in query strings, forms and JSON (`code`, `state`, `access_token`, `refresh_token`...).
Chatty HTTP clients are also capped at WARNING: their INFO lines are request URLs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

MASK = "***"
MIN_SECRET_CHARS = 8  # shorter values would blank ordinary words
CHATTY = ("httpx", "httpcore", "urllib3", "hpack", "aiohttp.access", "websockets", "discord.gateway", "discord.http")

_FIELDS = r"access_token|refresh_token|id_token|client_secret|code|state|secret_token|api_key|token|password"
_SHAPES = (
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}"), MASK),  # a Telegram bot token, in a path or anywhere
    (re.compile(r"(?i)\b(bearer|basic|bot)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),  # Authorization headers
    (re.compile(rf"(?i)([?&\s]|^)({_FIELDS})=[^&\s\"'<>]+"), rf"\1\2={MASK}"),  # query strings and forms
    (re.compile(rf"(?i)([\"']({_FIELDS})[\"']\s*:\s*[\"'])[^\"']+"), rf"\1{MASK}"),  # JSON and dict reprs
    (re.compile(r"(?i)(x-telegram-bot-api-secret-token[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"), rf"\1{MASK}"),
)


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}
        values |= {quote(s, safe="") for s in values}  # as it appears URL-encoded
        self._values = sorted(values, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, MASK)
        for pattern, replacement in _SHAPES:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:  # tracebacks quote URLs and arguments too
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(secrets: Iterable[str | None], root: logging.Logger | None = None) -> Redactor:
    """Put one redactor on every handler of the root logger, and cap the chatty libraries."""
    root = root or logging.getLogger()
    redactor = Redactor(secrets)
    for handler in root.handlers:
        handler.addFilter(redactor)
    if root.getEffectiveLevel() > logging.DEBUG:  # at DEBUG the operator asked for everything (still redacted)
        for name in CHATTY:
            logging.getLogger(name).setLevel(logging.WARNING)
    return redactor
