"""Interactions in, core replies out: every slash command and button press is answered here.

Each answer acknowledges the interaction first (Discord drops one that is not acknowledged within 3 s, and a
playlist can take longer), then asks the core, then shows the reply. Any failure becomes a private apology and
a log line; nothing raised here reaches discord.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from adapters.discord_render import render
from bot.core import BotCore
from bot.core.messages import Incoming, Reply

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side — please try again in a moment."
NOT_YOURS = "Those buttons belong to someone else's playlist. Ask for your own with /playlist."

Interaction = discord.Interaction[Any]


def incoming(interaction: Interaction, text: str) -> Incoming:
    """Each member has their own session per channel, so a busy channel never mixes two playlists."""
    user = interaction.user
    return Incoming("discord", str(user.id), f"{interaction.channel_id}:{user.id}", text, user.display_name)


def blend_members(interaction: Interaction, named: Sequence[discord.abc.User]) -> list[int]:
    """Who a blend is for: the caller and the members named, or else everyone in the caller's voice channel."""
    people = [m.id for m in named if not m.bot]
    if people:
        return [interaction.user.id, *people]
    voice = getattr(interaction.user, "voice", None)  # a Member in a cached guild; a User in DMs has none
    if voice is None or voice.channel is None:
        return [interaction.user.id]
    guild = voice.channel.guild
    return [uid for uid in voice.channel.voice_states if not _is_bot(guild, uid)]


def _is_bot(guild: discord.Guild, user_id: int) -> bool:
    member = guild.get_member(user_id)
    return member is not None and member.bot


class Answers:
    def __init__(self, core: BotCore) -> None:
        self.core = core

    async def command(self, interaction: Interaction, text: str, *, private: bool = False) -> None:
        """A slash command: the core's reply replaces the "thinking…" message."""
        await self._answer(interaction, lambda: self.core.handle(incoming(interaction, text)), private)

    async def blend(self, interaction: Interaction, named: Sequence[discord.abc.User], mood: str) -> None:
        async def ask() -> Reply:
            members = [str(uid) for uid in blend_members(interaction, named)]
            return await self.core.blend(incoming(interaction, mood), members, mood)

        await self._answer(interaction, ask, private=False)

    async def _answer(self, interaction: Interaction, ask: Callable[[], Awaitable[Reply]], private: bool) -> None:
        try:
            await interaction.response.defer(ephemeral=private)  # a "thinking…" only the caller sees, if private
            interaction.extras["private"] = private
            reply = await ask()
            await interaction.edit_original_response(**render(reply, interaction.user.id).for_edit())
        except Exception:
            name = interaction.command.name if interaction.command else "?"
            log.exception("Discord /%s failed", name)
            await apologise(interaction)

    async def press(self, interaction: Interaction, text: str, owner_id: int) -> None:
        """A button or menu on one of our messages; `text` is what it sends to the core."""
        try:
            await interaction.response.defer()  # an update: the message stays as it is until we edit it
            if interaction.user.id != owner_id:
                await interaction.followup.send(NOT_YOURS, ephemeral=True)
                return
            reply = await self.core.handle(incoming(interaction, text))
            rendered = render(reply, owner_id)
            if reply.playlist and text.startswith("/"):
                # /more, /toggle, /remove change the playlist on show: edit it in place
                await interaction.edit_original_response(**rendered.for_edit())
            else:
                # a suggested mood makes a new playlist; a short answer (a thank-you) is for the presser only
                await interaction.followup.send(**rendered.for_send(), ephemeral=not reply.playlist)
        except Exception:
            log.exception("Discord button %r failed", text[:40])
            await apologise(interaction)

    async def on_tree_error(self, interaction: Interaction, error: discord.app_commands.AppCommandError) -> None:
        """What the command tree could not run (a bad option, a failed check)."""
        log.exception("Discord command tree error", exc_info=error)
        await apologise(interaction)


async def apologise(interaction: Interaction) -> None:
    """A friendly word only the user sees, instead of a silent failure. Never raises."""
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(SORRY, ephemeral=True)
            return
        if interaction.type is discord.InteractionType.application_command and not interaction.extras.get("private"):
            # the public "thinking…" placeholder would hang there forever; the apology is for the caller only
            await interaction.delete_original_response()
        await interaction.followup.send(SORRY, ephemeral=True)
    except Exception:
        log.exception("could not tell the Discord user about the failure")
