"""Spotify: the OAuth round trip through the callback server, encrypted tokens, refresh, taste import, and the
idempotent background save — spotipy against a local Spotify stand-in."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from cryptography.fernet import Fernet

from adapters.spotify import PROVIDER, SpotifyAPI, SpotifyConfig
from adapters.spotify_accounts import SpotifyAccounts
from adapters.spotify_saves import SpotifySaves
from adapters.spotify_web import callback_app, listen_address, start_web
from bot.app.wiring import App
from bot.core import BotCore
from bot.core.messages import Incoming, Reply
from recommender.types import Recommendation
from storage.secrets import OAuthStates, TokenVault, cipher
from tests.fakes.local_server import free_port
from tests.fakes.spotify_server import CLIENT_ID, CLIENT_SECRET, FakeSpotify, track


@dataclass
class Env:
    app: App
    core: BotCore  # the app's core, with Spotify configured
    fake: FakeSpotify
    accounts: SpotifyAccounts
    key: str
    told: list[tuple[str, str]] = field(default_factory=list)
    favourites: list[Recommendation] = field(default_factory=list)

    def incoming(self, user: str, text: str) -> Incoming:
        return Incoming("console", user, user, text)

    async def ask(self, user: str, text: str) -> Reply:
        return await self.core.handle(self.incoming(user, text))

    async def link(self, user: str) -> str:
        return next(w for w in (await self.ask(user, "/connect")).text.split() if w.startswith("http"))

    async def connect(self, user: str) -> tuple[int, str]:
        """/connect, then a browser following the link: our start page, Spotify's consent, our callback."""
        async with browser() as b:
            started, consent = await start(b, await self.link(user))
            async with b.get(consent) as page:
                return page.status, await page.text()

    def said_to(self, user: str) -> list[str]:
        return [text for chat, text in self.told if chat == f"console:{user}"]


def browser() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # keeps cookies for 127.0.0.1


async def start(b: aiohttp.ClientSession, link: str) -> tuple[int, str]:
    """Open a /connect link and press "Continue": (status, Spotify's consent URL)."""
    async with b.get(link) as page:
        assert page.status == 200 and "Continue to Spotify" in await page.text()
    state = parse_qs(urlsplit(link).query)["state"][0]
    async with b.post(link.split("?")[0], data={"state": state}, allow_redirects=False) as started:
        return started.status, started.headers.get("Location", "")


@pytest.fixture
async def env(app: App) -> AsyncIterator[Env]:
    favourites = await app.core.recommend("test:spotify", "happy summer party", 5)
    top = [track(t.track_id, t.name, t.artist) for t in favourites[1][:3]]
    top.append(track("0000000000000000000000", "A Song We Lack", "An Artist Nobody Knows"))
    fake = FakeSpotify(top_tracks=top)
    async with fake.running():
        port = free_port()
        key = Fernet.generate_key().decode()
        config = SpotifyConfig(CLIENT_ID, CLIENT_SECRET, f"http://127.0.0.1:{port}/spotify/callback",
                               api_base_url=f"{fake.base}/v1", accounts_base_url=fake.base)
        told: list[tuple[str, str]] = []

        async def notify(chat: str, text: str) -> None:
            told.append((chat, text))

        api = SpotifyAPI(config, TokenVault(app.storage.db, cipher(key)))
        saves = SpotifySaves(app.storage.db, api, notify, backoff_s=0.05)
        accounts = SpotifyAccounts(api, OAuthStates(app.storage.db), saves, app.storage.events, app.core.s.catalog,
                                   notify)
        web = await start_web(callback_app(accounts, "/spotify/callback"), *listen_address(config.redirect_uri))
        try:
            yield Env(app, app.core.with_services(accounts=accounts), fake, accounts, key, told, favourites[1])
        finally:
            await saves.stop()
            await web.cleanup()


def user() -> str:
    return f"sp-{uuid.uuid4().hex[:8]}"


async def test_without_spotify_configured_connect_and_save_point_to_export(app: App) -> None:
    me = user()
    assert "isn't set up" in (await app.core.handle(Incoming("console", me, me, "/connect"))).text
    await app.core.handle(Incoming("console", me, me, "rainy night"))
    assert "/export" in (await app.core.handle(Incoming("console", me, me, "/save"))).text


async def test_oauth_round_trip_stores_encrypted_tokens_and_imports_taste(env: Env, caplog: pytest.LogCaptureFixture,
                                                                          ) -> None:
    caplog.set_level(logging.DEBUG)
    me = user()
    link = await env.link(me)
    assert link.startswith(env.accounts.api.config.redirect_uri.rsplit("/", 1)[0] + "/connect?state=")
    async with browser() as b:
        status, consent = await start(b, link)
        assert status == 303 and f"{env.fake.base}/authorize?" in consent and "user-top-read" in consent
    status, page = await env.connect(me)
    assert status == 200 and "Connected to Spotify as Ada" in page
    assert any("Connected to Spotify as Ada" in t for t in env.said_to(f"{me}"))
    again = (await env.ask(me, "/connect")).text  # connected: re-reads the history instead of a new link
    assert "connected to Spotify as Ada" in again and "re-read" in again and "http" not in again

    # Encrypted at rest: the stored document holds no token in the clear, and another key cannot open it.
    doc = await env.app.storage.db["oauth_tokens"].find_one({"_id": f"{PROVIDER}:console:{me}"})
    assert doc is not None and doc["account"] == {"id": "spotify-user-1", "name": "Ada"}
    live_tokens = list(env.fake.access) + list(env.fake.refresh_tokens)
    assert not any(t in str(doc) for t in live_tokens)
    assert await TokenVault(env.app.storage.db, cipher(Fernet.generate_key().decode())).token(
        PROVIDER, f"console:{me}") is None
    opened = await TokenVault(env.app.storage.db, cipher(env.key)).token(PROVIDER, f"console:{me}")
    assert opened is not None and opened["access_token"] in env.fake.access

    # Taste import: the top tracks we have become track events, their artists artist events.
    taste = await env.app.storage.events.taste(f"console:{me}")
    assert {t.track_id for t in env.favourites[:3]} <= set(taste["track"])
    assert len(taste["artist"]) >= 1

    # Nothing secret reached the logs, spotipy's DEBUG lines included.
    secrets_ = [*live_tokens, CLIENT_SECRET, *(parse_qs(urlsplit(link).query)["state"])]
    assert not [s for s in secrets_ if s in caplog.text]


async def test_replayed_foreign_and_expired_states_and_bad_codes_are_refused(env: Env) -> None:
    me = user()
    async with browser() as b:
        _, consent = await start(b, await env.link(me))
        async with b.get(consent, allow_redirects=False) as spotify:
            callback = spotify.headers["Location"]
        async with b.get(callback) as first:
            assert first.status == 200
        grants = len(env.fake.token_grants)
        async with b.get(callback) as replay:  # the same state again
            assert replay.status == 400 and "already used" in await replay.text()
        foreign = callback.split("state=")[0] + "state=" + "x" * 43
        async with b.get(foreign) as forged:
            assert forged.status == 400
        assert len(env.fake.token_grants) == grants  # neither reached Spotify

        other = user()
        expired = OAuthStates(env.app.storage.db, ttl=-OAuthStates(env.app.storage.db).ttl)
        stale = await expired.issue(PROVIDER, f"console:{other}", f"console:{other}")
        ok, text = await env.accounts.finish("whatever", stale, nonce="any")
        assert not ok and "expired" in text

        _, consent = await start(b, await env.link(other))
        state = parse_qs(urlsplit(consent).query)["state"][0]
        redirect = env.accounts.api.config.redirect_uri
        async with b.get(f"{redirect}?code=not-a-code&state={state}") as bad:
            assert bad.status == 400
    assert await env.accounts.account_name(f"console:{other}") is None
    assert any("didn't accept" in t for t in env.said_to(other))


async def test_a_forwarded_link_or_consent_connects_nobody(env: Env) -> None:
    """Two browsers: the listener's, and the one a /connect link (or Spotify's consent URL) was forwarded to."""
    owner = user()
    link = await env.link(owner)
    state = parse_qs(urlsplit(link).query)["state"][0]
    async with browser() as mine, browser() as theirs:
        status, consent = await start(mine, link)  # the listener opened it first
        assert status == 303
        async with theirs.post(link.split("?")[0], data={"state": state}, allow_redirects=False) as second:
            assert second.status == 400 and "another browser" in await second.text()
        grants = len(env.fake.token_grants)
        async with theirs.get(consent) as forwarded:  # their consent comes back without the listener's cookie
            assert forwarded.status == 400 and "not started in this browser" in await forwarded.text()
        assert len(env.fake.token_grants) == grants  # the code was never exchanged
    assert await env.accounts.account_name(f"console:{owner}") is None
    assert await env.app.storage.db["oauth_tokens"].count_documents({"user_id": f"console:{owner}"}) == 0
    assert any("another browser" in t for t in env.said_to(owner))
    status, page = await env.connect(owner)  # a fresh link, opened by the listener, works
    assert status == 200 and "Connected to Spotify" in page


async def test_connect_with_a_token_that_cannot_be_decrypted_gets_a_fresh_link(env: Env) -> None:
    me = user()
    assert (await env.connect(me))[0] == 200
    other_key = cipher(Fernet.generate_key().decode())  # the bot's key changed since the token was sealed
    await env.app.storage.db["oauth_tokens"].update_one(
        {"_id": f"{PROVIDER}:console:{me}"}, {"$set": {"token": other_key.encrypt(b'{"access_token": "x"}')}})
    reply = (await env.ask(me, "/connect")).text
    assert "can't use your saved Spotify sign-in" in reply and "/connect?state=" in reply
    assert await env.accounts.account_name(f"console:{me}") is None
    status, page = await env.connect(me)
    assert status == 200 and "Connected to Spotify" in page


async def test_forget_leaves_nothing_of_the_listener_in_any_collection(env: Env) -> None:
    me, friend = user(), user()
    uid = f"console:{me}"
    assert (await env.connect(me))[0] == 200  # tokens, imported history
    await env.ask(me, "/taste Radiohead, Björk")
    await env.ask(me, "/blend on")
    await env.ask(me, "rainy sunday morning")  # a session and a served playlist
    await env.ask(me, "/save")  # a save
    await env.ask(friend, "/taste Daft Punk")
    await env.core.blend(Incoming("console", friend, "room", ""), [friend, me])  # in someone else's blend
    await env.ask(me, "/connect")  # connected: no new state; then a pending link
    await env.accounts.connect_link(uid, uid)
    db = env.app.storage.db

    async def traces() -> dict[str, int]:
        found = {}
        for name in await db.list_collection_names():
            if await db[name].estimated_document_count() < 20_000:  # small ones: any mention anywhere
                n = sum([uid in str(doc) or me in str(doc) async for doc in db[name].find()])
            else:
                n = await db[name].count_documents({"$or": [{"_id": uid}, {"user_id": uid}]})
            if n:
                found[name] = n
        return found

    before = await traces()
    assert {"users", "sessions", "listening_events", "playlists", "oauth_tokens", "oauth_states"} <= set(before)
    warning = (await env.ask(me, "/forget")).text
    after_warning = await traces()
    after_warning.pop("rate_limits", None), before.pop("rate_limits", None)  # the warning itself was counted
    assert "/forget yes" in warning and after_warning == before  # nothing is deleted without the yes
    done = (await env.ask(me, "/forget yes")).text
    assert done.startswith("Done: I deleted everything")
    assert await traces() == {}
    assert (await env.app.storage.sessions.load("console:room"))["blend"] == [f"console:{friend}"]


async def test_save_survives_429_and_lost_answers_with_one_playlist_and_no_duplicates(env: Env) -> None:
    me = user()
    await env.connect(me)
    playlist = await env.ask(me, "sunny road trip")
    uris = [t.uri for t in playlist.playlist]
    env.fake.fail_next("POST me/playlists", 429, {"Retry-After": "1"})
    env.fake.fail_next("POST me/playlists", 502, after=True)  # created, but the answer was lost
    env.fake.fail_next("POST playlists/{pid}/items", 503, after=True)  # added, but the answer was lost
    started = time.monotonic()
    reply = await env.ask(me, "/save")
    assert "Saving 10 tracks" in reply.text
    await env.accounts.saves.wait()
    assert time.monotonic() - started >= 1.0  # Retry-After honoured
    assert len(env.fake.playlists) == 1
    saved = next(iter(env.fake.playlists.values()))
    assert saved["uris"] == uris and saved["public"] is False
    assert any(t.startswith("Saved “Suggestify: sunny road trip”") for t in env.said_to(me))

    await env.ask(me, "/save")  # the same playlist again: nothing new on Spotify
    await env.accounts.saves.wait()
    assert len(env.fake.playlists) == 1 and saved["uris"] == uris
    assert "already in your Spotify" in env.said_to(me)[-1]


async def test_a_refused_save_is_reported_and_a_pending_one_resumes(env: Env) -> None:
    me = user()
    await env.connect(me)
    await env.ask(me, "calm focus")
    env.fake.fail_next("POST me/playlists", 403)
    await env.ask(me, "/save")
    await env.accounts.saves.wait()
    assert "couldn't save" in env.said_to(me)[-1] and not env.fake.playlists
    status = await env.app.storage.db["spotify_saves"].find_one({"user_id": f"console:{me}"})
    assert status is not None and status["status"] == "failed"

    await env.app.storage.db["spotify_saves"].update_one({"_id": status["_id"]}, {"$set": {"status": "pending"}})
    assert await env.accounts.saves.resume() >= 1  # as after a restart
    await env.accounts.saves.wait()
    assert len(env.fake.playlists) == 1


async def test_expired_tokens_are_refreshed_and_stored_again(env: Env) -> None:
    me = user()
    await env.connect(me)
    vault = env.accounts.api.vault
    before = await vault.token(PROVIDER, f"console:{me}")
    assert before is not None
    await vault.put(PROVIDER, f"console:{me}", before | {"expires_at": int(time.time()) - 10})
    env.fake.expire_all()
    assert await env.accounts.import_taste(f"console:{me}") >= 1
    assert env.fake.token_grants[-1] == "refresh_token"
    after = await vault.token(PROVIDER, f"console:{me}")
    assert after is not None and after["access_token"] != before["access_token"]
    assert after["access_token"] in env.fake.access


async def test_disconnect_deletes_the_tokens(env: Env) -> None:
    me = user()
    await env.connect(me)
    db = env.app.storage.db
    assert await db["listening_events"].count_documents({"user_id": f"console:{me}", "source": "spotify"})
    token = await env.accounts.api.vault.token(PROVIDER, f"console:{me}")
    assert "Disconnected" in (await env.ask(me, "/disconnect")).text
    assert await db["oauth_tokens"].count_documents({"user_id": f"console:{me}"}) == 0
    # The history imported through the link goes with it, and a refresh that was in flight cannot undo it.
    assert await db["listening_events"].count_documents({"user_id": f"console:{me}", "source": "spotify"}) == 0
    assert not await env.accounts.api.vault.refreshed(PROVIDER, f"console:{me}", {**token, "access_token": "new"})
    assert await db["oauth_tokens"].count_documents({"user_id": f"console:{me}"}) == 0
    await env.ask(me, "rainy night")
    assert "Connect Spotify first" in (await env.ask(me, "/save")).text
    assert "No Spotify account" in (await env.ask(me, "/disconnect")).text


def test_the_callback_server_listens_where_the_redirect_uri_says_unless_told() -> None:
    assert listen_address("https://bot.example.com/spotify/callback") == ("bot.example.com", 443)
    assert listen_address("http://127.0.0.1:8888/cb") == ("127.0.0.1", 8888)
    assert listen_address("https://bot.example.com/cb", "0.0.0.0", 8080) == ("0.0.0.0", 8080)


async def test_two_processes_resuming_one_pending_save_make_one_playlist(env: Env) -> None:
    me = user()
    await env.connect(me)
    uid = f"console:{me}"
    uris = [t.uri for t in env.favourites[:3]]
    save_id = SpotifySaves.save_id(uid, "Left pending", uris)
    await env.app.storage.db["spotify_saves"].insert_one(
        {"_id": save_id, "user_id": uid, "chat": uid, "title": "Left pending", "uris": uris, "status": "pending"})
    before = len(env.fake.playlists)
    other = SpotifySaves(env.app.storage.db, env.accounts.api, env.accounts.saves.notify, backoff_s=0.05)
    await asyncio.gather(env.accounts.saves.resume(), other.resume())  # two workers start at once
    await asyncio.gather(env.accounts.saves.wait(), other.wait())
    assert len(env.fake.playlists) == before + 1
    assert sum("Saved “Left pending”" in t for t in env.said_to(me)) == 1


async def test_concurrent_saves_of_one_playlist_make_one_playlist(env: Env) -> None:
    me = user()
    await env.connect(me)
    await env.ask(me, "late night drive")
    await asyncio.gather(env.ask(me, "/save"), env.ask(me, "/save"))
    await env.accounts.saves.wait()
    assert len(env.fake.playlists) == 1
