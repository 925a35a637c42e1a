"""Connecting a listener's Spotify account (the core's `MusicAccounts`): the authorisation link, the callback
that finishes it, taste import, saving and unlinking."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode, urlsplit

from adapters.spotify import PROVIDER, SpotifyAPI
from adapters.spotify_saves import Notify, SpotifySaves
from bot.core.ports import Catalog, Events
from storage.secrets import OAuthStates

log = logging.getLogger(__name__)

SOURCE = "spotify"
TOP_WEIGHT, RECENT_WEIGHT = 3.0, 1.0  # a top track says more about taste than one recent play

def taste_items(top: list[dict[str, Any]], recent: list[dict[str, Any]], catalog: Catalog,
                ) -> list[tuple[str, str, float]]:
    """Spotify tracks as listening events on the catalog: the track when we have it, and always its artists
    when we know them (so a listener whose tracks we lack still gets a personal taste)."""
    weights: defaultdict[tuple[str, str], float] = defaultdict(float)
    for tracks, weight in ((top, TOP_WEIGHT), (recent, RECENT_WEIGHT)):
        for track in tracks:
            if track.get("id") and catalog.track(track["id"]) is not None:
                weights[("track", track["id"])] += weight
            for artist in track.get("artists", [])[:2]:
                hit = catalog.find_artist(artist.get("name", ""))
                if hit is not None:
                    weights[("artist", hit[0])] += weight
    return [(kind, item, w) for (kind, item), w in weights.items()]


def start_path(redirect_uri: str) -> str:
    """The start page sits beside the callback: /spotify/callback -> /spotify/connect."""
    parent = (urlsplit(redirect_uri).path or "/").rsplit("/", 1)[0]
    return f"{parent}/connect"


def start_url(redirect_uri: str) -> str:
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.netloc}{start_path(redirect_uri)}"


class SpotifyAccounts:
    def __init__(self, api: SpotifyAPI, states: OAuthStates, saves: SpotifySaves, events: Events,
                 catalog: Catalog, notify: Notify) -> None:
        self.api, self.states, self.saves = api, states, saves
        self.events, self.catalog, self.notify = events, catalog, notify

    async def connect_link(self, user_id: str, chat: str) -> str:
        """Our own start page, not Spotify's consent screen: the browser that opens it is the only one whose
        consent can finish this link (a forwarded link connects nobody's account to the sender's chat)."""
        state = await self.states.issue(PROVIDER, user_id, chat)
        return f"{start_url(self.api.config.redirect_uri)}?{urlencode({'state': state})}"

    async def begin(self, state: str, nonce: str) -> str | None:
        """The Spotify consent URL for the browser holding `nonce`, if it is the first to open the link."""
        return self.api.authorize_url(state) if await self.states.bind(PROVIDER, state, nonce) else None

    async def account_name(self, user_id: str) -> str | None:
        account = await self.api.vault.account(PROVIDER, user_id)
        if account is None:
            return None
        return account.get("name") or account.get("id") or "your account"

    async def disconnect(self, user_id: str) -> bool:
        """Unlink: the tokens, and the history imported through them."""
        await self.events.replace_user_source(user_id, SOURCE, [])
        return await self.api.vault.delete(PROVIDER, user_id)

    async def save(self, user_id: str, chat: str, title: str, track_uris: list[str]) -> None:
        await self.saves.enqueue(user_id, chat, title, track_uris)

    async def import_taste(self, user_id: str) -> int:
        top, recent = await self.api.listening(user_id)
        items = taste_items(top, recent, self.catalog)
        await self.events.replace_user_source(user_id, SOURCE, items)
        return len(items)

    async def finish(self, code: str, state: str, error: str = "", nonce: str | None = None) -> tuple[bool, str]:
        """The browser came back from Spotify: (connected?, what the page says). The chat hears it too."""
        pending, same_browser = await self.states.consume(PROVIDER, state, nonce)
        if pending is None:
            return False, "This link has expired or was already used. Ask the bot for a new one with /connect."
        user_id, chat = pending["user_id"], pending["chat"]
        if not same_browser:  # someone else's consent for a link this listener started: never store it
            log.warning("a Spotify consent for %s came back in another browser; refused", user_id)
            await self._tell(chat, "A Spotify sign-in for your /connect link came from another browser, so I "
                                   "ignored it. /connect again and open the link yourself.")
            return False, ("This sign-in was not started in this browser, so nothing was connected. "
                           "If someone sent you this link, you can ignore it.")
        if error or not code:
            await self._tell(chat, "Spotify connection cancelled. /connect whenever you like.")
            return False, "You didn't allow access, so nothing was connected."
        try:
            token, me = await self.api.exchange(code)
        except Exception as failure:  # its message may quote the request: never log more than the kind
            log.warning("Spotify refused the code for %s: %s", user_id, type(failure).__name__)
            await self._tell(chat, "Spotify didn't accept that sign-in. Try /connect again.")
            return False, "Spotify did not accept this sign-in. Go back to the chat and try /connect again."
        name = me.get("display_name") or me.get("id") or "your account"
        await self.api.vault.put(PROVIDER, user_id, token, {"id": str(me.get("id", "")), "name": str(name)})
        log.info("Spotify connected for %s", user_id)
        try:
            found = await self.import_taste(user_id)
            taste = f" I read your top and recent tracks: {found} artists and tracks I know now shape your playlists."
        except Exception:
            log.exception("importing the Spotify taste of %s failed", user_id)
            taste = ""
        await self._tell(chat, f"Connected to Spotify as {name}.{taste} /save puts a playlist in your library.")
        return True, f"Connected to Spotify as {name}. You can close this tab and go back to the chat."

    async def _tell(self, chat: str, text: str) -> None:
        try:
            await self.notify(chat, text)
        except Exception:
            log.exception("could not reach %s", chat)
