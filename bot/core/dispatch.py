"""The transport-agnostic bot: `handle(incoming) -> reply`, with every command registered in one place.

Every platform adapter (console, Telegram, Discord) only translates to and from `Incoming`/`Reply`; all
behaviour lives in this package and is tested once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import texts
from bot.core.admission import Admission, MessageRate
from bot.core.handlers.accounts import AccountCommands
from bot.core.handlers.blend import BlendCommands
from bot.core.handlers.feedback import FeedbackCommands
from bot.core.handlers.moments import MomentCommands
from bot.core.handlers.playlist import PlaylistCommands
from bot.core.messages import Incoming, Reply
from bot.core.playlists import PLAYLIST_SIZE, PlaylistMaker, bounded, storage_budget
from bot.core.ports import Services
from bot.core.session import Session, SessionStore, redo_on_conflict, sender
from bot.core.text import clean_text, has_words, split_command
from recommender.intent import Intent
from recommender.types import Recommendation, Taste, WeightedTag

log = logging.getLogger(__name__)

Handler = Callable[[Incoming, Session, str], Awaitable[Reply]]


class BotCore:
    def __init__(self, services: Services, playlist_size: int = PLAYLIST_SIZE,
                 rate: MessageRate = MessageRate()) -> None:
        self.s = services
        self.sessions = SessionStore(services.users, services.sessions)
        self.maker = PlaylistMaker(services, self.sessions, playlist_size)
        self.admission = Admission(services.limits, rate)
        self.playlists = PlaylistCommands(self.maker)
        self.moments = MomentCommands(self.maker)
        self.blends = BlendCommands(self.maker, self._read)
        feedback, accounts = FeedbackCommands(self.maker), AccountCommands(self.maker)
        # One lock per chat while it has a turn in progress (weak: an idle chat costs nothing).
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        # Every command, registered in one place.
        self.commands: dict[str, Handler] = {
            "start": self._start,
            "help": self._help,
            "more": self.playlists.more,
            "remove": self.playlists.remove,
            "tags": self.playlists.tags,
            "toggle": self.playlists.toggle,
            "export": self.playlists.export,
            "like": feedback.like,
            "dislike": feedback.dislike,
            "feedback": feedback.feedback,
            "taste": feedback.taste,
            "connect": accounts.connect,
            "disconnect": accounts.disconnect,
            "save": accounts.save,
            "forget": accounts.forget,
            "place": self.moments.place,
            "subscribe": self.moments.subscribe,
            "unsubscribe": self.moments.unsubscribe,
            "blend": self.blends.consent,
        }

    @property
    def playlist_size(self) -> int:
        return self.maker.playlist_size

    def with_services(self, **changes: Any) -> "BotCore":
        """This bot with some services swapped (the runner adds the scheduler; tests, a stand-in account)."""
        return BotCore(dataclasses.replace(self.s, **changes), self.playlist_size, self.admission.rate)

    # -- entry points -----------------------------------------------------
    async def handle(self, msg: Incoming) -> Reply:
        """One message: admitted if its sender is within their rate, then handled in order with the other
        messages of its chat (other chats go on meanwhile)."""
        who = sender(msg)
        if refusal := self.admission.refused_here(who):  # refused before any work
            return refusal
        lock = self._turns.setdefault(f"{msg.platform}:{msg.chat_id}", asyncio.Lock())
        async with lock:
            with storage_budget():
                return await self._turn(msg, who)

    async def blend(self, msg: Incoming, member_ids: list[str], text: str = "") -> Reply:
        """A group playlist (Discord's /blend with members, or a voice channel)."""
        return await self.blends.blend(msg, member_ids, text)

    async def suggestion_reply(self, user_id: str) -> Reply:
        """What a scheduled push says."""
        return await self.moments.push(user_id)

    async def recommend(self, user_id: str, text: str, k: int) -> tuple[list[WeightedTag], list[Recommendation]]:
        """A playlist for a text and a user id ("hetrec:2"), without touching any session (for scripts)."""
        intent = await self.s.chat2tag.understand(clean_text(text))
        tastes = await self.maker.tastes(user_id, intent.like_artists)
        return intent.weighted_tags, await self.maker.rank(intent, tastes, frozenset(), k)

    async def taste_of(self, user_id: str) -> Taste:
        return await self.maker.taste_of(user_id)

    # -- one turn ---------------------------------------------------------
    async def _read(self, who: str, text: str, admitted: Awaitable[Reply | None] | None = None) -> Intent:
        """Chat2Tag, with a paid model only while the listener is within their daily budget and, when the turn's
        shared rate count is still being asked (`admitted`), only once it lets this message through."""
        llm = self.s.chat2tag.uses_llm
        if llm and admitted is not None:
            llm = await admitted is None  # a refused message costs no paid call
        if llm:
            llm = await self.admission.may_use_llm(who)
        return await self.s.chat2tag.understand(text, llm=llm)

    async def _turn(self, msg: Incoming, who: str) -> Reply:
        text = clean_text(msg.text)
        command, arg = split_command(text)
        mood = command is None and bool(text)
        # The shared rate count, the session and, for a mood, the message's reading (a thread) and the listener's
        # history (a database read): waited for together, not one after another.
        admitted = asyncio.ensure_future(self.admission.refusal(who))
        work: list[Awaitable[Any]] = [admitted, bounded(self.sessions.open(msg))]
        if mood:
            work += [self._read(who, text, admitted), self.maker.taste_of(who)]
        refusal, session, *read = await asyncio.gather(*work, return_exceptions=True)
        if isinstance(refusal, Reply):
            return refusal
        if isinstance(session, BaseException):
            log.error("storage unavailable while loading the session of %s:%s", msg.platform, msg.chat_id,
                      exc_info=session)
            return await self._degraded(text)
        if mood and isinstance(read[1], BaseException):  # the history did not come in time: the same answer
            log.error("storage unavailable while loading the history of %s", who, exc_info=read[1])
            return await self._degraded(text)
        try:
            for failed in (r for r in read if isinstance(r, BaseException)):
                raise failed
            return await redo_on_conflict(lambda: bounded(self.sessions.open(msg)),
                                          lambda fresh: self._answer(msg, fresh, text, command, arg, read), session)
        except Exception:
            log.exception("handler failed for %s", command or "text")
            return Reply(texts.SOMETHING_WENT_WRONG)

    async def _answer(self, msg: Incoming, session: Session, text: str, command: str | None, arg: str,
                      read: list[Any]) -> Reply:
        if command is None and text:
            return await self.playlists.mood(session, text, *read)
        if command is None:  # an empty message
            return Reply(texts.EMPTY_MESSAGE, suggestions=self.s.catalog.suggested_tags())
        if command in self.commands:
            return await self.commands[command](msg, session, arg)
        return Reply(texts.UNKNOWN_COMMAND.format(command=command[:30]), suggestions=self.s.catalog.suggested_tags())

    async def _degraded(self, text: str) -> Reply:
        """The database is down: commands wait, a mood still gets a (non-personal) playlist."""
        command, _ = split_command(text)
        if command is not None or not has_words(text):
            return Reply(texts.NO_MEMORY_COMMANDS)
        return await self.playlists.degraded(text)

    async def _start(self, msg: Incoming, session: Session, arg: str) -> Reply:
        name = f", {msg.display_name}" if msg.display_name else ""
        return Reply(texts.GREETING.format(name=name), suggestions=await self.maker.suggestions(session.user_id))

    async def _help(self, msg: Incoming, session: Session, arg: str) -> Reply:
        return Reply(texts.HELP, suggestions=self.s.catalog.suggested_tags())
