"""Group playlists: a blend of several listeners' tastes, each of whom opted in (/blend on|off)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.core import texts
from bot.core.messages import Incoming, Reply
from bot.core.playlists import BLEND, PlaylistMaker
from bot.core.session import Session, redo_on_conflict, sender
from bot.core.text import clean_text, has_words
from recommender.intent import Intent

log = logging.getLogger(__name__)

MAX_MEMBERS = 25

Read = Callable[[str, str], Awaitable[Intent]]  # (sender, text) -> what the message asks for


class BlendCommands:
    def __init__(self, maker: PlaylistMaker, read: Read) -> None:
        self.maker = maker
        self.read = read

    async def consent(self, msg: Incoming, session: Session, arg: str) -> Reply:
        choice = arg.strip().lower()
        if choice not in ("on", "off"):
            return Reply(texts.BLEND_HOW)
        await self.maker.s.users.set_consent(session.user_id, BLEND, choice == "on")
        return Reply(texts.BLEND_ON if choice == "on" else texts.BLEND_OFF)

    async def blend(self, msg: Incoming, member_ids: list[str], text: str = "") -> Reply:
        """One playlist for several listeners (a server's members, a voice channel): the tastes of those who
        opted in, merged."""
        starter = sender(msg)
        asked = list(dict.fromkeys([starter, *(f"{msg.platform}:{m}" for m in member_ids)]))[:MAX_MEMBERS]
        if len(asked) < 2:
            return Reply(texts.BLEND_NEEDS_TWO)
        try:
            members = await self.maker.blend_members(starter, asked)
        except Exception:
            log.exception("storage unavailable while blending in %s:%s", msg.platform, msg.chat_id)
            return Reply(texts.NO_MEMORY_BLEND)
        if len(members) < 2:
            return Reply(texts.BLEND_NOBODY)
        text = clean_text(text)
        intent = await self.read(starter, text) if has_words(text) else Intent(tags=[])
        tastes = await self.maker.tastes(starter, blend=members)
        if all(t.empty for t in tastes):
            return Reply(texts.BLEND_NO_TASTE)
        title = texts.BLEND_TITLE.format(n=len(members))
        if left_out := len(asked) - len(members):
            title += texts.BLEND_LEFT_OUT.format(n=left_out)

        async def show(session: Session) -> Reply:
            session.start(text, intent, intent.count or self.maker.playlist_size, like_artists=[], blend=members)
            tracks = await self.maker.rank(intent, tastes, session.disliked, session.size)
            session.show(tracks)
            return await self.maker.reply(session, tracks, title, record=True)

        try:
            return await redo_on_conflict(lambda: self.maker.sessions.open(msg), show)
        except Exception:  # the session could not be read (or kept changing under us)
            log.exception("storage unavailable while blending in %s:%s", msg.platform, msg.chat_id)
            return Reply(texts.NO_MEMORY_BLEND)
