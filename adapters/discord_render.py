"""A core `Reply` as a Discord embed and a view of persistent buttons, always within Discord's limits."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord_items import CUSTOM_ID_MAX, CommandButton, RemoveSelect, button_id
from bot.core.messages import Action, Attachment, Reply
from recommender.types import Recommendation

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096  # with the title, well under the 6,000 characters an embed may hold in all
ROWS_MAX, BUTTONS_PER_ROW = 5, 5
OPTIONS_MAX, OPTION_TEXT_MAX = 25, 100
TAG_ROWS = 2  # toggles beyond two rows would crowd out the playlist controls
COLOR = discord.Colour(0x1DB954)
ON, PLAIN, MORE = discord.ButtonStyle.primary, discord.ButtonStyle.secondary, discord.ButtonStyle.success


@dataclass
class Rendered:
    embed: discord.Embed
    view: discord.ui.View | None
    files: list[discord.File] = field(default_factory=list)  # read once by the send: render again to resend

    def for_send(self) -> dict[str, Any]:
        """Keyword arguments for `followup.send` or `channel.send` (which refuse view=None)."""
        return {"embed": self.embed, **({"view": self.view} if self.view is not None else {}),
                **({"files": self.files} if self.files else {})}

    def for_edit(self) -> dict[str, Any]:
        """Keyword arguments for an edit: view=None clears the buttons of the message being replaced; new
        files are uploaded as its attachments."""
        return {"content": None, "embed": self.embed, "view": self.view,
                **({"attachments": self.files} if self.files else {})}


def render(reply: Reply, owner_id: int) -> Rendered:
    return Rendered(build_embed(reply), build_view(reply, owner_id), [as_file(a) for a in reply.attachments])


def as_file(attachment: Attachment) -> discord.File:
    return discord.File(io.BytesIO(attachment.content), filename=attachment.filename)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def clip_lines(text: str, limit: int) -> str:
    """`text` cut at the last line end that fits, so a link is never split; a single overlong line is cut
    like `clip`."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 1)  # room for the "\n…" that ends it
    return text[:cut] + "\n…" if cut > 0 else clip(text, limit)


# -- embed ----------------------------------------------------------------------------------------
def build_embed(reply: Reply) -> discord.Embed:
    text = _escape(reply.text)  # it may quote what someone typed: "[free nitro](https://…)" stays text
    if not reply.playlist:
        return discord.Embed(description=clip_lines(text, DESCRIPTION_MAX) or "…", colour=COLOR)
    first_line = text.split("\n", 1)[0]
    title = clip(first_line, TITLE_MAX)
    intro = "" if title == text else clip(text, 1000) + "\n\n"  # the full text when the title cut it
    return discord.Embed(title=title or None, description=_listing(intro, reply.playlist), colour=COLOR)


def _listing(intro: str, tracks: list[Recommendation]) -> str:
    """One line per track ("N. Artist — [Title](url) · reason") while they fit, then how many did not."""
    text = intro
    for n, track in enumerate(tracks, 1):
        line = track_line(n, track) + "\n"
        left = len(tracks) - n
        reserve = len(f"…and {left} more") if left else 0  # so the note always fits after a kept line
        if len(text) + len(line) + reserve > DESCRIPTION_MAX:
            text += f"…and {left + 1} more"
            break
        text += line
    return text.rstrip("\n")[:DESCRIPTION_MAX]


def track_line(n: int, track: Recommendation) -> str:
    artist = _escape(clip(track.artist, 100))
    name = _escape(clip(track.name, 100)).replace("[", "\\[").replace("]", "\\]")
    url = _safe_url(track.url)
    title = f"[{name}]({url})" if url else name
    reason = f" · {_escape(clip(track.reason, 150))}" if track.reason else ""
    return f"{n}. {artist} — {title}{reason}"


def _escape(text: str) -> str:
    return discord.utils.escape_markdown(text)


def _safe_url(url: str) -> str:
    """A URL that cannot break out of a markdown link, or "" for anything that is not http(s)."""
    if not url.startswith(("https://", "http://")) or len(url) > 512:
        return ""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


# -- view -----------------------------------------------------------------------------------------
def build_view(reply: Reply, owner_id: int) -> discord.ui.View | None:
    """Rows: tag toggles, then more + feedback, then the remove menu, then suggested tags — at most five."""
    by_kind: dict[str, list[Action]] = {}
    for action in reply.actions:
        by_kind.setdefault(action.kind, []).append(action)
    on = {f"/toggle {chip.tag}": chip.on for chip in reply.tags}

    toggles = [(a.command, a.label, ON if on.get(a.command, True) else PLAIN) for a in by_kind.get("tag", [])]
    controls = [(a.command, a.label, MORE if a.kind == "more" else PLAIN)
                for a in by_kind.get("more", []) + by_kind.get("feedback", [])]
    suggested = [(tag, tag, PLAIN) for tag in dict.fromkeys(reply.suggestions)]  # a suggestion is a mood to try

    rows = _chunk(_buttons(owner_id, toggles))[:TAG_ROWS] + _chunk(_buttons(owner_id, controls))[:1]
    menu = _remove_menu(owner_id, by_kind.get("remove", []), reply.playlist)
    if menu is not None:
        rows.append([menu])
    rows += _chunk(_buttons(owner_id, suggested))

    view = discord.ui.View(timeout=None)  # persistent: the items are dynamic, matched by custom_id
    for number, row in enumerate(rows[:ROWS_MAX]):
        for item in row:
            item.row = number
            view.add_item(item)
    return view if view.children else None


def _buttons(owner_id: int, specs: list[tuple[str, str, discord.ButtonStyle]]) -> list[discord.ui.Item[Any]]:
    # A command too long for a custom_id is left out rather than cut: a cut command would do something else.
    return [CommandButton(owner_id, text, label, style) for text, label, style in specs
            if len(button_id(owner_id, text)) <= CUSTOM_ID_MAX]


def _chunk(items: list[discord.ui.Item[Any]]) -> list[list[discord.ui.Item[Any]]]:
    return [items[i:i + BUTTONS_PER_ROW] for i in range(0, len(items), BUTTONS_PER_ROW)]


def _remove_menu(owner_id: int, actions: list[Action], playlist: list[Recommendation]) -> RemoveSelect | None:
    position = {t.track_id: (n, t) for n, t in enumerate(playlist, 1)}
    options = []
    for action in actions:
        track_id = action.command.removeprefix("/remove").strip()
        if not track_id or len(track_id) > OPTION_TEXT_MAX or track_id in {o.value for o in options}:
            continue
        n, track = position.get(track_id, (len(options) + 1, None))
        label = f"{n}. {track.artist} — {track.name}" if track else action.label
        options.append(discord.SelectOption(label=clip(label, OPTION_TEXT_MAX), value=track_id))
        if len(options) == OPTIONS_MAX:
            break
    return RemoveSelect(owner_id, options) if options else None
