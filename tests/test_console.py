"""The bot core end to end through the console adapter, with the session in the real database."""

from __future__ import annotations

import io
import re
import uuid

import pytest

from adapters.console import run_console
from bot.app.wiring import App


async def chat(app: App, user: str, lines: list[str]) -> str:
    out = io.StringIO()
    await run_console(app.core, user, stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out)
    return out.getvalue()


def numbered(block: str) -> list[str]:
    return re.findall(r"^\s*\d+\. (.+)$", block, flags=re.MULTILINE)


async def test_a_conversation(app: App) -> None:
    user = f"u{uuid.uuid4().hex[:6]}"
    out = await chat(app, user, ["chill summer evening", "/more", "/remove 2", "/like 1", "/quit"])
    replies = out.split("bot> ")
    assert "Hi! I'm Suggestify" in replies[0]
    first, more, removed, liked = replies[1], replies[2], replies[3], replies[4]
    assert "Here's your playlist" in first and len(numbered(first)) == 10
    assert "summer" in first and "chill" in first
    assert len(numbered(more)) == 10 and not set(numbered(more)) & set(numbered(first))
    assert "Removed" in removed and len(numbered(removed)) == 9
    assert "Glad you like" in liked
    assert out.rstrip().endswith("Bye — enjoy the music!")

    session = await app.storage.sessions.load(f"console:{user}")
    assert session is not None and len(session["playlist"]) == 9 and len(session["removed"]) == 1
    weights = await app.storage.events.weights(f"console:{user}", "track")
    assert weights[session["removed"][0]] < 0 and weights[session["playlist"][0]] > 0


async def test_named_artists_make_results_personal(app: App) -> None:
    user = f"u{uuid.uuid4().hex[:6]}"
    out = await chat(app, user, ["/taste Radiohead, Bjork, Portisheed, Zzqxv Nonexistent", "rainy night", "/quit"])
    taste_reply, playlist = out.split("bot> ")[1:3]
    assert "Radiohead" in taste_reply and "Björk" in taste_reply and "Portishead" in taste_reply
    assert "I don't know Zzqxv Nonexistent" in taste_reply
    assert playlist.count("you play") >= 5
    artists = await app.storage.events.weights(f"console:{user}", "artist")
    assert set(artists) == {"radiohead", "bjork", "portishead"}


async def test_toggle_reranks_without_new_text(app: App) -> None:
    user = f"u{uuid.uuid4().hex[:6]}"
    out = await chat(app, user, ["90s hip hop party", "/tags", "/toggle hip hop", "/quit"])
    first, tags, toggled = out.split("bot> ")[1:4]
    assert "Your tags:" in tags and "hip hop" in tags
    assert "Re-ranked" in toggled and "[hip hop] /toggle hip hop" in toggled  # shown as off
    assert numbered(first) != numbered(toggled)
    session = await app.storage.sessions.load(f"console:{user}")
    assert any(t["tag"] == "hip hop" and not t["on"] for t in session["tags"])


async def test_end_of_input_ends_cleanly(app: App) -> None:
    out = io.StringIO()
    await run_console(app.core, "eof", stdin=io.StringIO(""), stdout=out)
    assert "Bye" in out.getvalue()


async def test_blend_reads_only_those_who_opted_in_and_never_names_their_artists(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.core.messages import Incoming

    a, b = f"a{uuid.uuid4().hex[:6]}", f"b{uuid.uuid4().hex[:6]}"
    await app.core.handle(Incoming("console", a, a, "/taste Radiohead, Portishead"))
    await app.core.handle(Incoming("console", b, b, "/taste Daft Punk, Justice"))
    read: list[str] = []  # whose listening history was read, at the storage port
    taste = app.core.s.events.taste

    async def spy(user_id: str) -> dict[str, dict[str, float]]:
        read.append(user_id)
        return await taste(user_id)

    monkeypatch.setattr(app.core.s.events, "taste", spy)
    refused = await app.core.blend(Incoming("console", a, "room", ""), [a, b])
    assert not refused.playlist and "/blend on" in refused.text and f"console:{b}" not in read

    assert "can now join blends" in (await app.core.handle(Incoming("console", b, b, "/blend on"))).text
    reply = await app.core.blend(Incoming("console", a, "room", ""), [a, b])
    assert len(reply.playlist) == 10 and "blend for 2" in reply.text and f"console:{b}" in read
    reasons = " ".join(t.reason for t in reply.playlist)
    assert not any(n in reasons for n in ("Radiohead", "Portishead", "Daft Punk", "Justice")), reasons
    solo = {u: {r.track_id for r in app.core.s.recommender.recommend(await app.core.taste_of(f"console:{u}"), [], 30)}
            for u in (a, b)}
    assert all({t.track_id for t in reply.playlist} & solo[u] for u in (a, b))  # both tastes take turns
    session = await app.storage.sessions.load("console:room")
    assert session["blend"] == [f"console:{a}", f"console:{b}"]
    more = await app.core.handle(Incoming("console", a, "room", "/more"))  # /more keeps blending
    assert len(more.playlist) == 10 and not {t.track_id for t in more.playlist} & {t.track_id for t in reply.playlist}

    await app.core.handle(Incoming("console", b, b, "/blend off"))  # leaving drops them from the ongoing blend
    read.clear()
    await app.core.handle(Incoming("console", a, "room", "/more"))
    assert f"console:{a}" in read and f"console:{b}" not in read
    alone = await app.core.blend(Incoming("console", a, "room", ""), [a], "")
    assert not alone.playlist and "two people" in alone.text
