"""A terminal chat over the bot core: the embedded default, no tokens needed."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.core import BotCore
from bot.messages import Incoming, Reply

PROMPT = "you> "
QUIT = {"/quit", "/exit", "/q"}


def render(reply: Reply) -> str:
    lines = [reply.text]
    for i, track in enumerate(reply.playlist, 1):
        lines.append(f"{i:>2}. {track.artist} — {track.name}")
        lines.append(f"    {track.reason} · {track.url}")
    buttons = [a for a in reply.actions if a.kind != "remove"]  # typed as /remove N here
    if buttons:
        lines.append("Buttons: " + " | ".join(f"[{a.label}] {a.command}" for a in buttons))
    if reply.suggestions:
        lines.append("Try: " + ", ".join(reply.suggestions))
    return "\n".join(lines)


async def _read_line(stream: TextIO) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return line if line else None  # "" means end of input


async def run_console(
    core: BotCore, user: str = "local", stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> None:
    """Read lines until /quit or end of input; every line is one message to the core."""
    def say(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    say(render(await core.handle(Incoming("console", user, user, "/start"))))
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = await _read_line(stdin)
        if line is None or line.strip().lower() in QUIT:
            say("\nBye — enjoy the music!")
            return
        if not line.strip():
            continue
        say("bot> " + render(await core.handle(Incoming("console", user, user, line))))
