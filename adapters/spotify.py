"""Spotify through spotipy: the Authorization Code flow and the calls Suggestify makes for one listener.

spotipy is synchronous, so every call runs in a worker thread. Each call builds that listener's own client
over an in-memory token cache seeded from the encrypted vault (never spotipy's `.cache` file); a token
spotipy refreshed on the way is written back. spotipy's own retries are off: its urllib3 retry would repeat
the POST that creates a playlist, and the save job (adapters/spotify_saves.py) retries idempotently instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyOAuth, SpotifyOauthError

from bot.core.ports import AccountUnavailable
from storage.secrets import TokenVault

log = logging.getLogger(__name__)
# spotipy logs request headers and bodies at DEBUG: bearer tokens, refresh tokens, the client secret.
logging.getLogger("spotipy").setLevel(logging.INFO)

PROVIDER = "spotify"
SCOPES = ["playlist-modify-private", "playlist-read-private", "user-top-read", "user-read-recently-played"]
PAGE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class SpotifyConfig:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str = ""
    api_base_url: str = "https://api.spotify.com/v1"
    accounts_base_url: str = "https://accounts.spotify.com"  # /authorize and /api/token under it
    timeout_s: float = 10.0


class SpotifyAPI:
    def __init__(self, config: SpotifyConfig, vault: TokenVault) -> None:
        self.config = config
        self.vault = vault
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)  # one refresh at a time per user

    def _oauth(self, token: dict[str, Any] | None = None) -> SpotifyOAuth:
        c = self.config
        oauth = SpotifyOAuth(client_id=c.client_id, client_secret=c.client_secret, redirect_uri=c.redirect_uri,
                             scope=SCOPES, cache_handler=MemoryCacheHandler(token), open_browser=False,
                             requests_timeout=c.timeout_s)
        accounts = c.accounts_base_url.rstrip("/")
        oauth.OAUTH_AUTHORIZE_URL, oauth.OAUTH_TOKEN_URL = f"{accounts}/authorize", f"{accounts}/api/token"
        return oauth

    def _client(self, oauth: SpotifyOAuth) -> spotipy.Spotify:
        # A plain requests session: no urllib3 retries behind our back.
        client = spotipy.Spotify(auth_manager=oauth, requests_session=requests.Session(),
                                 requests_timeout=self.config.timeout_s)
        client.prefix = self.config.api_base_url.rstrip("/") + "/"
        return client

    def authorize_url(self, state: str) -> str:
        return self._oauth().get_authorize_url(state)

    async def exchange(self, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The tokens for an authorisation code, and the account they open (id, display name)."""
        def work() -> tuple[dict[str, Any], dict[str, Any]]:
            oauth = self._oauth()
            oauth.get_access_token(code, as_dict=False, check_cache=False)
            return oauth.cache_handler.get_cached_token(), self._client(oauth).me()
        return await asyncio.to_thread(work)

    async def call(self, user_id: str, fn: Callable[[spotipy.Spotify], T]) -> T:
        """Run `fn` with this listener's client in a thread; persist a token refreshed on the way."""
        async with self._locks[user_id]:
            token = await self.vault.token(PROVIDER, user_id)
            if token is None:
                raise AccountUnavailable(user_id)
            oauth = self._oauth(token)
            try:
                return await asyncio.to_thread(fn, self._client(oauth))
            except SpotifyOauthError as error:  # the refresh token was revoked: connecting again is the fix
                raise AccountUnavailable(user_id) from error
            finally:
                fresh = oauth.cache_handler.get_cached_token()
                if fresh and fresh != token:
                    await self.vault.refreshed(PROVIDER, user_id, fresh)

    # -- what the save job and the taste import need ------------------------
    async def find_playlist(self, user_id: str, marker: str) -> tuple[str, str] | None:
        """A playlist of the listener's whose description carries `marker` (one an earlier try created)."""
        def work(sp: spotipy.Spotify) -> tuple[str, str] | None:
            offset = 0
            while True:
                page = sp.current_user_playlists(limit=PAGE, offset=offset)
                for playlist in page.get("items", []):
                    if playlist and marker in (playlist.get("description") or ""):
                        return playlist["id"], _playlist_url(playlist)
                offset += PAGE
                if offset >= page.get("total", 0):
                    return None
        return await self.call(user_id, work)

    async def create_playlist(self, user_id: str, title: str, description: str) -> tuple[str, str]:
        made = await self.call(user_id, lambda sp: sp.current_user_playlist_create(
            title, public=False, description=description))
        return made["id"], _playlist_url(made)

    async def playlist_uris(self, user_id: str, playlist_id: str) -> list[str]:
        def work(sp: spotipy.Spotify) -> list[str]:
            uris, offset = [], 0
            while True:
                page = sp.playlist_items(playlist_id, limit=100, offset=offset)
                for entry in page.get("items", []):
                    item = entry.get("item") or entry.get("track") or {}
                    if item.get("uri"):
                        uris.append(item["uri"])
                offset += 100
                if offset >= page.get("total", 0):
                    return uris
        return await self.call(user_id, work)

    async def add_items(self, user_id: str, playlist_id: str, uris: list[str]) -> None:
        for start in range(0, len(uris), 100):  # the endpoint takes 100 items per call
            chunk = uris[start:start + 100]
            await self.call(user_id, lambda sp: sp.playlist_add_items(playlist_id, chunk))

    async def listening(self, user_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The listener's top tracks and recently played tracks (Web API track objects)."""
        def work(sp: spotipy.Spotify) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            top = sp.current_user_top_tracks(limit=PAGE, time_range="medium_term").get("items", [])
            recent = [e["track"] for e in sp.current_user_recently_played(limit=PAGE).get("items", [])
                      if e.get("track")]
            return top, recent
        return await self.call(user_id, work)

    @staticmethod
    def retry_after(error: Exception) -> float | None:
        """Seconds to wait before trying again, or None when trying again cannot help."""
        if isinstance(error, spotipy.SpotifyException):
            if error.http_status == 429:
                header = (error.headers or {}).get("Retry-After", "")
                return float(header) if header.replace(".", "", 1).isdigit() else 1.0
            if error.http_status >= 500:
                return 0.0  # the job adds its own backoff
            return None
        if isinstance(error, requests.RequestException):  # connection reset, timeout
            return 0.0
        return None


def _playlist_url(playlist: dict[str, Any]) -> str:
    return (playlist.get("external_urls") or {}).get("spotify") or f"https://open.spotify.com/playlist/{playlist['id']}"
