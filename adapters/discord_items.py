"""Buttons and the remove menu as discord.py dynamic items: all their state lives in the custom_id.

A press is routed by matching the custom_id against a template, not by looking up a live View object, so the
buttons of a message keep working after the bot restarts. The owner's id is part of the custom_id: a playlist's
controls act on its owner's session (the pattern of discord.py's dynamic counter example).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import discord

CUSTOM_ID_MAX = 100  # Discord's limit for a component's custom_id
BUTTON_LABEL_MAX = 80
BUTTON_PREFIX = "sfy:"
REMOVE_PREFIX = "sfy-remove:"  # must not match the button template, or both would fire


@runtime_checkable
class Presses(Protocol):
    """Whoever runs the items (the client) answers presses; the items only say what was pressed."""

    async def press(self, interaction: discord.Interaction[Any], text: str, owner_id: int) -> None: ...


async def _route(interaction: discord.Interaction[Any], text: str, owner_id: int) -> None:
    client = interaction.client
    if not isinstance(client, Presses):
        raise TypeError(f"{type(client).__name__} cannot answer Suggestify buttons")
    await client.press(interaction, text, owner_id)


def button_id(owner_id: int, text: str) -> str:
    return f"{BUTTON_PREFIX}{owner_id}:{text}"


class CommandButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(re.escape(BUTTON_PREFIX) + r"(?P<owner>[0-9]{1,20}):(?P<text>.+)", re.DOTALL),
):
    """Sends `text` (a command such as "/more", or a mood) to the core on behalf of `owner_id`."""

    def __init__(self, owner_id: int, text: str, label: str,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, row: int | None = None) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label[:BUTTON_LABEL_MAX] or "·", style=style, custom_id=button_id(owner_id, text))
        super().__init__(button, row=row)
        self.owner_id, self.text = owner_id, text

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> "CommandButton":
        label = getattr(item, "label", None) or ""
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(int(match["owner"]), match["text"], label, style)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _route(interaction, self.text, self.owner_id)


class RemoveSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=re.compile(re.escape(REMOVE_PREFIX) + r"(?P<owner>[0-9]{1,20})"),
):
    """A menu of the playlist's tracks: picking one sends "/remove <track_id>" (an id, never a position,
    so a stale menu cannot remove the wrong track)."""

    def __init__(self, owner_id: int, options: list[discord.SelectOption], row: int | None = None) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"{REMOVE_PREFIX}{owner_id}", placeholder="Remove a track…", options=options,
            min_values=1, max_values=1)
        super().__init__(select, row=row)
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> "RemoveSelect":
        return cls(int(match["owner"]), list(getattr(item, "options", [])))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        await _route(interaction, f"/remove {values[0]}" if values else "/remove", self.owner_id)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (CommandButton, RemoveSelect)
