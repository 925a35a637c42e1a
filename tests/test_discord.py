"""The Discord adapter end to end: a real discord.py client against a local fake Discord (REST + gateway),
over the real bot core, database and model."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
import pytest

from adapters.discord_answer import NOT_YOURS, SORRY
from adapters.discord_bot import DiscordConfig, SuggestifyClient, discord_sender
from adapters.discord_render import DESCRIPTION_MAX, build_embed
from bot.app.wiring import App
from bot.core.messages import Incoming, Reply
from tests.fakes.discord_server import CHANNEL_ID, DM_CHANNEL_ID, FakeDiscord, Recorded
from tests.waiting import wait_until

TOKEN = "fake-discord-token-never-logged"
Json = dict[str, Any]
_people = itertools.count(100)


def person() -> Json:
    """A new member for each test, so no two tests share a session."""
    return FakeDiscord.user(next(_people))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord().running() as server:
        yield server


@asynccontextmanager
async def serving(app: App, fake: FakeDiscord, shard: tuple[int, int] | None = None
                  ) -> AsyncIterator[SuggestifyClient]:
    config = DiscordConfig(token=TOKEN, api_base_url=fake.api_base_url, gateway_url=fake.gateway_url,
                           guild_ready_timeout=0.05, shard_id=shard[0] if shard else None,
                           shard_count=shard[1] if shard else None)
    client = SuggestifyClient(app.core, config)
    task = asyncio.create_task(client.serve())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 30)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def bot(app: App, fake: FakeDiscord) -> AsyncIterator[SuggestifyClient]:
    async with serving(app, fake) as client:
        yield client


# -- helpers ------------------------------------------------------------------------------------------
def original_path(fake: FakeDiscord, token: str) -> str:
    return f"/webhooks/{fake.app_id}/{token}/messages/@original"


def callback_path(token: str) -> re.Pattern[str]:
    return re.compile(rf"/interactions/\d+/{re.escape(token)}/callback")


def items(message: Json) -> list[Json]:
    return [c for row in message["components"] for c in row["components"]]


def button(message: Json, command: str) -> str:
    """The custom_id of the button that sends `command` (e.g. "/more", "/toggle ")."""
    return next(c["custom_id"] for c in items(message) if c["type"] == 2 and c["custom_id"].split(":", 2)[2]
                .startswith(command))


def menu(message: Json) -> Json:
    return next(c for c in items(message) if c["type"] == 3)


def tracks(embed: Json) -> list[str]:
    return re.findall(r"^\d+\. (.+)$", embed.get("description", ""), flags=re.MULTILINE)


def session_id(user: Json) -> str:
    return f"discord:{CHANNEL_ID}:{user['id']}"


async def playlist(fake: FakeDiscord, user: Json, text: str = "rainy sunday morning") -> tuple[str, Json]:
    """Run /playlist and return its token and the message it ended as."""
    token = await fake.slash("playlist", {"text": text}, user=user)
    await fake.wait_for("PATCH", original_path(fake, token))
    return token, fake.original(token)


async def press(fake: FakeDiscord, message: Json, custom_id: str, user: Json, values: list[str] | None = None,
                ) -> tuple[str, Recorded]:
    """Press a component; return the token and the request that answered it (an edit or a followup)."""
    token = await fake.press(message, custom_id, user=user, values=values)
    answer = await fake.wait_until(lambda r: r.method in ("PATCH", "POST") and r.path.startswith(
        f"/webhooks/{fake.app_id}/{token}"))
    return token, answer


# -- tests ----------------------------------------------------------------------------------------------
async def test_playlist_defers_then_shows_an_embed_with_controls(bot: SuggestifyClient, fake: FakeDiscord) -> None:
    user = person()
    start = len(fake.requests)
    token = await fake.slash("playlist", {"text": "rainy sunday morning"}, user=user)
    deferred = await fake.wait_for("POST", callback_path(token), after=start)
    edit = await fake.wait_for("PATCH", original_path(fake, token), after=start)
    assert fake.requests.index(deferred) < fake.requests.index(edit)
    assert deferred.body["type"] == 5 and not (deferred.body.get("data") or {}).get("flags")  # public, "thinking…"

    embed = edit.body["embeds"][0]
    assert len(embed["title"]) <= 256 and "rainy sunday morning" in embed["title"]
    assert len(embed["description"]) <= 4096
    lines = tracks(embed)
    assert len(lines) == 10
    assert all(re.fullmatch(r".+ — \[.+\]\(https://open\.spotify\.com/track/\w+\)( · .+)?", line) for line in lines)

    message = fake.original(token)
    rows = message["components"]
    assert 1 <= len(rows) <= 5 and all(len(row["components"]) <= 5 for row in rows)
    ids = [c["custom_id"] for c in items(message)]
    assert all(len(i) <= 100 for i in ids) and len(set(ids)) == len(ids)
    owner = user["id"]
    assert any(i.startswith(f"sfy:{owner}:/toggle ") for i in ids)
    assert {f"sfy:{owner}:/more", f"sfy:{owner}:/feedback up", f"sfy:{owner}:/feedback down"} <= set(ids)
    remove = menu(message)
    assert remove["custom_id"] == f"sfy-remove:{owner}" and len(remove["options"]) == 10

    session = await bot.answers.core.s.sessions.load(session_id(user))
    assert session is not None and [o["value"] for o in remove["options"]] == session["playlist"]


async def test_a_tag_toggle_reranks(bot: SuggestifyClient, fake: FakeDiscord, app: App) -> None:
    user = person()
    _, message = await playlist(fake, user, "90s hip hop party")
    tag = "hip hop"
    toggle = button(message, f"/toggle {tag}")

    token, answer = await press(fake, message, toggle, user)
    assert answer.method == "PATCH" and answer.path == original_path(fake, token)  # edited in place
    deferred = await fake.wait_for("POST", callback_path(token))
    assert deferred.body["type"] == 6  # a deferred update: no "thinking…" message
    session = await app.storage.sessions.load(session_id(user))
    assert session is not None and {t["tag"]: t["on"] for t in session["tags"]}[tag] is False
    embed = answer.body["embeds"][0]
    assert embed["title"].startswith("Re-ranked") and tracks(embed) != tracks(message["embeds"][0])
    pressed_again = next(c for c in items(fake.original(token)) if c.get("custom_id") == toggle)
    assert pressed_again["style"] == discord.ButtonStyle.secondary.value  # shown as off now


async def test_remove_from_the_menu_and_feedback(bot: SuggestifyClient, fake: FakeDiscord, app: App) -> None:
    user = person()
    _, message = await playlist(fake, user, "pumping iron at the gym")
    dropped = menu(message)["options"][2]["value"]

    token, answer = await press(fake, message, menu(message)["custom_id"], user, values=[dropped])
    assert answer.method == "PATCH"
    session = await app.storage.sessions.load(session_id(user))
    assert session is not None and dropped not in session["playlist"] and dropped in session["removed"]
    weights = await app.storage.events.weights(f"discord:{user['id']}", "track")
    assert weights[dropped] < 0
    message = fake.original(token)
    assert len(tracks(message["embeds"][0])) == 9 and len(menu(message)["options"]) == 9

    _, thumbs_up = await press(fake, message, button(message, "/feedback up"), user)
    assert thumbs_up.method == "POST" and thumbs_up.body["flags"] & 64  # a private thank-you, playlist untouched
    weights = await app.storage.events.weights(f"discord:{user['id']}", "track")
    assert all(weights[t] > 0 for t in session["playlist"])

    _, thumbs_down = await press(fake, message, button(message, "/feedback down"), user)
    assert thumbs_down.body["flags"] & 64
    weights = await app.storage.events.weights(f"discord:{user['id']}", "track")
    assert all(weights[t] == pytest.approx(0.0) for t in session["playlist"]) and weights[dropped] < 0


async def test_someone_elses_buttons_answer_privately(bot: SuggestifyClient, fake: FakeDiscord, app: App) -> None:
    owner, other = person(), person()
    _, message = await playlist(fake, owner, "sunny road trip")
    _, answer = await press(fake, message, button(message, "/more"), other)
    assert answer.method == "POST" and answer.body["content"] == NOT_YOURS and answer.body["flags"] & 64
    assert await app.storage.sessions.load(session_id(other)) is None


async def test_blend_of_named_members(bot: SuggestifyClient, fake: FakeDiscord, app: App) -> None:
    caller, friend = person(), person()
    for user, artists in ((caller, "Radiohead"), (friend, "Daft Punk")):
        await app.core.handle(Incoming("discord", user["id"], f"{CHANNEL_ID}:{user['id']}", f"/taste {artists}"))
    token = await fake.slash("blend", {"optin": "on"}, user=friend)  # the friend lets their taste join
    optin = await fake.wait_for("PATCH", original_path(fake, token))
    assert "can now join blends" in str(optin.body)

    token = await fake.slash("blend", {"member1": friend}, user=caller)
    edit = await fake.wait_for("PATCH", original_path(fake, token))
    embed = edit.body["embeds"][0]
    assert embed["title"].startswith("A blend for 2 listeners") and len(tracks(embed)) == 10
    assert "Radiohead" in embed["description"] and "Daft Punk" in embed["description"]  # both tastes take turns
    session = await app.storage.sessions.load(session_id(caller))
    assert session is not None and session["blend"] == [f"discord:{caller['id']}", f"discord:{friend['id']}"]


async def test_blend_of_a_voice_channel(bot: SuggestifyClient, fake: FakeDiscord, app: App) -> None:
    first, second = person(), person()
    for user, artists in ((first, "Björk"), (second, "Massive Attack")):
        await app.core.handle(Incoming("discord", user["id"], f"{CHANNEL_ID}:{user['id']}", f"/taste {artists}"))
    await app.core.handle(Incoming("discord", second["id"], f"{CHANNEL_ID}:{second['id']}", "/blend on"))
    await fake.dispatch("GUILD_CREATE", fake.guild(voice=[first, second]))
    def both_in_voice() -> bool:  # the gateway event is parsed in the client's own time
        guild = bot.get_guild(fake.guild_id)
        return guild is not None and len(guild.voice_channels[0].voice_states) == 2

    assert await wait_until(both_in_voice, timeout=2)

    token = await fake.slash("blend", {}, user=first)
    edit = await fake.wait_for("PATCH", original_path(fake, token))
    assert edit.body["embeds"][0]["title"].startswith("A blend for 2 listeners")
    session = await app.storage.sessions.load(session_id(first))
    assert session is not None and set(session["blend"]) == {f"discord:{first['id']}", f"discord:{second['id']}"}


async def test_a_failing_handler_apologises_and_the_bot_goes_on(
    bot: SuggestifyClient, fake: FakeDiscord, app: App, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real, calls = app.core.handle, []

    async def flaky(msg: Incoming) -> Reply:
        calls.append(msg)
        if len(calls) == 1:
            raise RuntimeError("the core broke")
        return await real(msg)

    monkeypatch.setattr(app.core, "handle", flaky)
    user = person()
    with caplog.at_level(logging.ERROR, logger="adapters"):
        token = await fake.slash("playlist", {"text": "happy morning"}, user=user)
        sorry = await fake.wait_for("POST", f"/webhooks/{fake.app_id}/{token}")
    assert sorry.body["content"] == SORRY and sorry.body["flags"] & 64
    assert any(r.matches("DELETE", original_path(fake, token)) for r in fake.requests)  # no hanging "thinking…"
    failure = next(r for r in caplog.records if r.name == "adapters.discord_answer")
    assert failure.exc_info and isinstance(failure.exc_info[1], RuntimeError)
    assert all(TOKEN not in r.getMessage() for r in caplog.records) and TOKEN not in repr(bot.config)

    _, message = await playlist(fake, user, "happy morning")  # still answering
    assert len(tracks(message["embeds"][0])) == 10


async def test_a_command_the_tree_cannot_run_is_answered(bot: SuggestifyClient, fake: FakeDiscord,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="adapters"):
        token = await fake.slash("no-such-command", {}, user=person())
        answer = await fake.wait_for("POST", callback_path(token))
    assert answer.body["type"] == 4 and answer.body["data"]["content"] == SORRY and answer.body["data"]["flags"] & 64
    assert any(r.name == "adapters.discord_answer" and r.exc_info for r in caplog.records)


async def test_buttons_survive_a_restart(app: App, fake: FakeDiscord) -> None:
    user = person()
    async with serving(app, fake) as first:
        put = await fake.wait_for("PUT", f"/applications/{fake.app_id}/commands")
        assert {c["name"] for c in put.body} == {"playlist", "tags", "taste", "blend", "save", "connect",
                                                 "disconnect", "export", "help"}
        export = next(c for c in put.body if c["name"] == "export")
        (option,) = export["options"]
        assert option["name"] == "format" and not option.get("required")
        assert [c["value"] for c in option["choices"]] == ["m3u", "jspf"]
        _, message = await playlist(fake, user, "cozy winter night")
    assert first.is_closed()

    async with serving(app, fake) as second:
        assert fake.identified == 2
        token, answer = await press(fake, message, button(message, "/more"), user)  # a button from before
        assert answer.method == "PATCH" and answer.path == original_path(fake, token)
        embed = answer.body["embeds"][0]
        assert embed["title"].startswith("More like this") and len(tracks(embed)) == 10
        assert not set(tracks(embed)) & set(tracks(message["embeds"][0]))
    assert second.is_closed()


async def test_export_is_private_and_carries_the_file(bot: SuggestifyClient, fake: FakeDiscord, app: App) -> None:
    user = person()
    await playlist(fake, user, "chill summer evening")
    session = await app.storage.sessions.load(session_id(user))
    assert session is not None

    token = await fake.slash("export", {}, user=user)
    deferred = await fake.wait_for("POST", callback_path(token))
    assert deferred.body["type"] == 5 and deferred.body["data"]["flags"] & 64  # only the caller sees it
    edit = await fake.wait_for("PATCH", original_path(fake, token))
    ((name, content),) = edit.files.items()
    assert name.endswith(".m3u") and content.startswith(b"#EXTM3U")
    assert content.count(b"https://open.spotify.com/track/") == len(session["playlist"])
    assert [a["filename"] for a in edit.body["attachments"]] == [name]
    description = edit.body["embeds"][0]["description"]
    assert "youtube.com/results" in description and len(description) <= DESCRIPTION_MAX

    token = await fake.slash("export", {"format": "jspf"}, user=user)
    edit = await fake.wait_for("PATCH", original_path(fake, token))
    ((name, content),) = edit.files.items()
    assert name.endswith(".jspf") and len(json.loads(content)["playlist"]["track"]) == len(session["playlist"])

    token = await fake.slash("disconnect", {}, user=user)
    edit = await fake.wait_for("PATCH", original_path(fake, token))
    assert "Spotify" in edit.body["embeds"][0]["description"] and not edit.files


async def test_a_scheduled_push_reaches_the_channel_with_tag_buttons(bot: SuggestifyClient, fake: FakeDiscord,
                                                                     app: App) -> None:
    start = len(fake.requests)
    await discord_sender(bot)(f"{CHANNEL_ID}:4242", await app.core.suggestion_reply("discord:4242"))
    sent = await fake.wait_until(lambda r: r.method == "POST" and r.path == f"/channels/{CHANNEL_ID}/messages",
                                 after=start)
    assert sent.body["content"] == "<@4242>" and "tap one" in sent.body["embeds"][0]["description"]
    tags = [c for c in items(sent.body) if c["type"] == 2 and c["custom_id"].startswith("sfy:4242:")]
    assert len(tags) >= 5  # each suggested tag, a button only that listener can press


async def test_personal_notices_go_by_direct_message_and_typed_text_cannot_inject_links(
        bot: SuggestifyClient, fake: FakeDiscord, app: App) -> None:
    """"Connected to Spotify as …" and "Saved … <url>" after an ephemeral /connect in a channel: a DM, never
    the channel; /playlist text:/connect answers privately; what someone typed never becomes a masked link."""
    start = len(fake.requests)
    await discord_sender(bot)(f"{CHANNEL_ID}:4243", Reply("Connected to Spotify as Ada.", private=True))
    sent = await fake.wait_until(lambda r: r.method == "POST" and r.path.endswith("/messages"), after=start)
    assert sent.path == f"/channels/{DM_CHANNEL_ID}/messages" and "Connected" in str(sent.body)
    assert not any(r.path == f"/channels/{CHANNEL_ID}/messages" for r in fake.requests[start:])

    caller = person()
    token = await fake.slash("playlist", {"text": "/connect"}, user=caller)
    deferred = await fake.wait_for("POST", re.compile(r"/interactions/\d+/.+/callback"), after=start)
    assert deferred.body["data"]["flags"] & 64  # only the caller sees it
    await fake.wait_for("PATCH", original_path(fake, token))

    embed = build_embed(Reply("“[free nitro](https://evil.example)” isn't one of your tags."))
    assert "\\[free nitro]" in (embed.description or "")


async def test_two_workers_on_two_shards_answer_each_guild_once(app: App, fake: FakeDiscord) -> None:
    """Each worker connects as one of two shards; the gateway sends a guild's interactions to its shard only,
    so every interaction, in either guild, is answered exactly once."""
    async with serving(app, fake, shard=(0, 2)), serving(app, fake, shard=(1, 2)):
        assert fake.identified == 2
        tokens = []
        for guild in (fake.guild_id, fake.guild_id + (1 << 22)):  # one guild on each shard
            fake.guild_id = guild
            token = await fake.slash("playlist", {"text": "calm evening"}, user=person())
            await fake.wait_for("PATCH", original_path(fake, token))
            tokens.append(token)
        for token in tokens:
            answers = [r for r in fake.requests if r.matches("POST", callback_path(token))]
            assert len(answers) == 1, token
