"""The small interfaces the core needs; storage and recommender satisfy them structurally.
`Recommender` is the recommenders' own interface (recommender/types.py), re-exported here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Protocol

from bot.core.ordering import Inbox
from bot.core.suggestions import Suggester
from recommender.intent import Intent
from recommender.types import Recommendation, Recommender

__all__ = ["AccountUnavailable", "Catalog", "Chat2Tag", "Events", "Inbox", "Limits", "ListenerData", "MusicAccounts",
           "Playlists", "Recommender", "Services", "Sessions", "Subscriptions", "Users"]


class Chat2Tag(Protocol):
    """A message to a validated `Intent` (tags and constraints); never raises for bad input."""

    uses_llm: bool  # whether understanding a message may cost a paid model call

    async def understand(self, text: str, llm: bool = True) -> Intent: ...  # llm=False: the local path only


class Limits(Protocol):
    async def hit(self, user_id: str, purpose: str, window_s: float) -> int: ...  # uses this window, this one too


class Catalog(Protocol):
    """Lookups the core needs beside ranking: names typed in chat, tags on offer."""

    def find_artist(self, name: str) -> tuple[str, str] | None: ...

    def artist_name(self, key: str) -> str: ...

    def suggested_tags(self, n: int = 8) -> list[str]: ...

    def category(self, tag: str) -> str: ...

    def track(self, track_id: str) -> Recommendation | None: ...


class Users(Protocol):
    async def get_or_create(self, platform: str, platform_user_id: str, display_name: str = "") -> dict[str, Any]: ...

    async def get(self, user_id: str) -> dict[str, Any] | None: ...

    async def set_place(self, user_id: str, place: Mapping[str, Any]) -> None: ...

    async def set_subscription(self, user_id: str, subscription: Mapping[str, Any] | None) -> None: ...

    async def set_consent(self, user_id: str, purpose: str, given: bool) -> None: ...

    async def consenting(self, user_ids: list[str], purpose: str) -> set[str]: ...


class Subscriptions(Protocol):
    """Scheduled suggestion pushes (jobs/scheduler.py)."""

    async def subscribe(self, user_id: str, times: list[time], tz: str) -> datetime | None: ...

    async def unsubscribe(self, user_id: str) -> bool: ...


class Sessions(Protocol):
    async def load(self, session_id: str) -> dict[str, Any] | None: ...

    async def save(self, session: Mapping[str, Any]) -> bool: ...  # False: changed by another worker since read


class Events(Protocol):
    async def add(self, user_id: str, item_type: str, item_id: str, weight: float, source: str) -> None: ...

    async def add_many(self, user_id: str, item_type: str, item_ids: Iterable[str], weight: float,
                       source: str) -> None: ...

    async def taste(self, user_id: str) -> dict[str, dict[str, float]]: ...


class ListenerData(Protocol):
    async def erase(self, user_id: str) -> dict[str, int]: ...


class Playlists(Protocol):
    async def add(self, user_id: str, text: str, tags: list[str], tracks: list[str]) -> str: ...

    async def discard(self, playlist_id: str) -> None: ...


class AccountUnavailable(Exception):
    """A listener's streaming account cannot be used: never connected, disconnected, or access revoked."""


class MusicAccounts(Protocol):
    """A streaming account a listener connects (Spotify, adapters/spotify.py). `chat` is "platform:chat id",
    where the listener is told how the connection or a save went."""

    async def connect_link(self, user_id: str, chat: str) -> str: ...

    async def account_name(self, user_id: str) -> str | None: ...  # None: not connected

    async def disconnect(self, user_id: str) -> bool: ...

    async def save(self, user_id: str, chat: str, title: str, track_uris: list[str]) -> None: ...  # in the background

    async def import_taste(self, user_id: str) -> int: ...  # listening history read into events; how many items


@dataclass(frozen=True)
class Services:
    """Everything the core is given, by the composition root (bot/app/wiring.py)."""

    users: Users
    sessions: Sessions
    events: Events
    playlists: Playlists
    listener_data: ListenerData
    limits: Limits
    chat2tag: Chat2Tag
    recommender: Recommender
    catalog: Catalog
    suggester: Suggester | None = None  # None: the fixed starter tags
    subscriptions: Subscriptions | None = None  # None: no scheduled pushes (the console)
    accounts: MusicAccounts | None = None  # None: Spotify is not configured
    inbox: Inbox | None = None  # None: each update is answered where it arrives (one process)
