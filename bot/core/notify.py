"""Messages outside a conversation turn (a scheduled push, a finished Spotify save), routed to the platform a
listener used. Adapters register a sender when they start; `chat` is "platform:chat id"."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.core.messages import Reply

log = logging.getLogger(__name__)

Sender = Callable[[str, Reply], Awaitable[None]]  # (the platform's chat id, reply)


class Notifier:
    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}

    def register(self, platform: str, sender: Sender) -> None:
        self._senders[platform] = sender

    def serves(self, platform: str) -> bool:
        return platform in self._senders

    async def send(self, chat: str, reply: Reply) -> bool:
        platform, _, chat_id = chat.partition(":")
        sender = self._senders.get(platform)
        if sender is None:
            log.warning("no %s adapter runs in this process; a message for it was dropped", platform)
            return False
        await sender(chat_id, reply)
        return True

    async def say(self, chat: str, text: str) -> None:
        """A personal notice (an account connected, a playlist saved): private wherever the chat is public."""
        await self.send(chat, Reply(text, private=True))
