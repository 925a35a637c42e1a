"""Cleaning what people type before anything else sees it."""

from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 2000

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"[ \t\u00a0\u3000]+")


def clean_text(raw: str) -> str:
    """NFC, no control or bidi characters, squeezed spaces, bounded length."""
    text = unicodedata.normalize("NFC", raw or "")[: MAX_MESSAGE_CHARS * 4]
    text = _CONTROL.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    return text[:MAX_MESSAGE_CHARS]


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit (emoji and punctuation alone do not count)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def split_command(text: str) -> tuple[str | None, str]:
    """'/remove 3' -> ('remove', '3'); '/start@SuggestifyBot' -> ('start', ''); plain text -> (None, text)."""
    if not text.startswith("/"):
        return None, text
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return name, rest.strip()
