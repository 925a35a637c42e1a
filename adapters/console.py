"""A terminal chat over the bot core: the embedded default, no tokens needed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.core import BotCore
from bot.core.messages import Attachment, Incoming, Reply

PROMPT = "you> "
QUIT = {"/quit", "/exit", "/q"}


def default_export_dir() -> Path:
    return Path.home() / ".suggestify" / "exports"


def render(reply: Reply) -> str:
    lines = [reply.text]
    for i, track in enumerate(reply.playlist, 1):
        lines.append(f"{i:>2}. {track.artist} — {track.name}")
        lines.append(f"    {track.reason} · {track.url}" if track.reason else f"    {track.url}")
    buttons = [a for a in reply.actions if a.kind != "remove"]  # typed as /remove N here
    if buttons:
        lines.append("Buttons: " + " | ".join(f"[{a.label}] {a.command}" for a in buttons))
    if reply.suggestions:
        lines.append("Try: " + ", ".join(reply.suggestions))
    return "\n".join(lines)


def save_attachment(attachment: Attachment, folder: Path) -> Path:
    """A terminal cannot show a file: write it to `folder` (created if need be), replacing an earlier export of
    the same name. Only the name's last part is used, so a filename can never point outside the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(attachment.filename).name or "attachment")
    path.write_bytes(attachment.content)
    return path


async def _read_line(stream: TextIO) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return line if line else None  # "" means end of input


async def run_console(
    core: BotCore, user: str = "local", stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
    export_dir: Path | None = None,
) -> None:
    """Read lines until /quit or end of input; every line is one message to the core. Files a reply carries
    (an /export) are saved under `export_dir` (default ~/.suggestify/exports)."""
    folder = export_dir or default_export_dir()

    def say(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    def show(reply: Reply, prefix: str = "") -> None:
        say(prefix + render(reply))
        for attachment in reply.attachments:
            try:
                say(f"Saved {attachment.filename} to {save_attachment(attachment, folder)}")
            except OSError as exc:  # a read-only or full disk: the chat goes on without the file
                say(f"Could not save {attachment.filename} to {folder}: {exc.strerror or exc}")

    show(await core.handle(Incoming("console", user, user, "/start")))
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = await _read_line(stdin)
        if line is None or line.strip().lower() in QUIT:
            say("\nBye — enjoy the music!")
            return
        if not line.strip():
            continue
        show(await core.handle(Incoming("console", user, user, line)), "bot> ")
