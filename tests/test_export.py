"""`/export`: the M3U and JSPF files, the reply that carries them, and the console saving them."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

from adapters.console import run_console
from bot.app.wiring import App
from bot.core.messages import Incoming


def url_lines(body: bytes) -> list[str]:
    return [line for line in body.decode().splitlines() if line and not line.startswith("#")]


# -- through the core -------------------------------------------------------------------------------------
def ask(user: str, text: str) -> Incoming:
    return Incoming("console", user, user, text)


async def test_export_after_a_playlist(app: App) -> None:
    user = f"x{uuid.uuid4().hex[:6]}"
    playlist = await app.core.handle(ask(user, "chill summer evening"))
    assert len(playlist.playlist) == 10
    urls = [t.url for t in playlist.playlist]

    reply = await app.core.handle(ask(user, "/export"))
    (attachment,) = reply.attachments
    assert attachment.filename.endswith(".m3u") and "chill" in attachment.filename
    assert attachment.content.startswith(b"#EXTM3U\n") and url_lines(attachment.content) == urls
    assert all(url in reply.text for url in urls) and reply.text.count("youtube.com/results") == 10

    reply = await app.core.handle(ask(user, "/export JSPF"))
    (attachment,) = reply.attachments
    assert attachment.filename.endswith(".jspf")
    tracks = json.loads(attachment.content)["playlist"]["track"]
    assert [t["identifier"][0] for t in tracks] == urls
    assert [t["title"] for t in tracks] == [t.name for t in playlist.playlist]


async def test_export_explains_a_format_it_does_not_know(app: App) -> None:
    user = f"x{uuid.uuid4().hex[:6]}"
    await app.core.handle(ask(user, "sunny road trip"))
    reply = await app.core.handle(ask(user, "/export xml"))
    assert not reply.attachments and "m3u" in reply.text and "jspf" in reply.text


async def test_export_without_a_playlist(app: App) -> None:
    reply = await app.core.handle(ask(f"x{uuid.uuid4().hex[:6]}", "/export"))
    assert not reply.attachments and "no playlist yet" in reply.text


# -- the console ---------------------------------------------------------------------------------------------
async def test_the_console_saves_the_export_to_a_folder(app: App, tmp_path: Path) -> None:
    folder = tmp_path / "exports"  # not there yet: the console makes it
    user = f"x{uuid.uuid4().hex[:6]}"
    out = io.StringIO()
    lines = "rainy sunday morning\n/export\n/quit\n"
    await run_console(app.core, user, stdin=io.StringIO(lines), stdout=out, export_dir=folder)
    (saved,) = folder.iterdir()
    assert saved.suffix == ".m3u" and saved.read_bytes().startswith(b"#EXTM3U")
    assert f"Saved {saved.name} to {saved}" in out.getvalue()
    assert len(url_lines(saved.read_bytes())) == 10
