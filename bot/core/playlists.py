"""What every playlist command shares: whose taste to follow, ranking (a blend's tastes take turns), and the
reply that shows a playlist with its buttons."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from bot.core import texts
from bot.core.messages import Action, Reply, TagChip
from bot.core.ports import Services
from bot.core.session import Session, SessionConflict, SessionStore
from bot.core.suggestions import Place
from recommender.intent import Intent
from recommender.types import Filters, Recommendation, Taste, WeightedTag

log = logging.getLogger(__name__)

PLAYLIST_SIZE = 10
MAX_PLAYLIST = 50
NAMED_ARTIST_WEIGHT = 25.0  # a named favourite counts like a couple of dozen plays
BLEND = "blend"  # the consent a listener gives for their taste to join group playlists
STORAGE_WAIT_S = 2.0  # then answer without memory: a reply within 3 s even when MongoDB stalls
TURN_STORAGE_S = 2.2  # a turn's database waits together: a stall after a slow start still answers within 3 s
TURN_REPLY_S = 2.6  # and they end by then, however long the ranking took on a busy worker: Discord's 3 s hold
LAST_WAIT_S = 0.15  # what a step still gets past that point: a database that answers saves the turn


@dataclasses.dataclass
class _StorageClock:
    """The time a turn has spent waiting on the database: while any of its steps is pending. Ranking and other
    CPU work do not count, so a busy worker whose database answers still saves its turns; but no wait runs past
    `reply_by` (a loop time) by more than LAST_WAIT_S, so a stall on a busy worker still answers in time."""
    budget: float
    reply_by: float
    pending: int = 0
    since: float = 0.0
    spent: float = 0.0

    def left(self, now: float) -> float:
        waiting = self.budget - self.spent - (now - self.since if self.pending else 0.0)
        return min(waiting, max(self.reply_by - now, LAST_WAIT_S))

    @contextmanager
    def waiting(self, now: float) -> Iterator[None]:
        if not self.pending:
            self.since = now
        self.pending += 1
        try:
            yield
        finally:
            self.pending -= 1
            if not self.pending:
                self.spent += asyncio.get_running_loop().time() - self.since


_turn_clock: ContextVar[_StorageClock | None] = ContextVar("turn_storage_clock", default=None)


@contextmanager
def storage_budget(seconds: float = TURN_STORAGE_S, reply_by: float = TURN_REPLY_S) -> Iterator[None]:
    """Every `bounded` step from here (and in the tasks started from here) shares this much waiting, all of it
    over `reply_by` seconds from now."""
    token = _turn_clock.set(_StorageClock(seconds, asyncio.get_running_loop().time() + reply_by))
    try:
        yield
    finally:
        _turn_clock.reset(token)


async def bounded(work: Awaitable[Any], seconds: float = STORAGE_WAIT_S) -> Any:
    """A database step that may take this long at most, and no longer than what its turn has left to wait: a
    stalled server gets a degraded answer in time."""
    if (clock := _turn_clock.get()) is None:
        return await asyncio.wait_for(work, seconds)
    now = asyncio.get_running_loop().time()
    with clock.waiting(now):
        return await asyncio.wait_for(work, min(seconds, max(clock.left(now), 0.0)))


class PlaylistMaker:
    def __init__(self, services: Services, sessions: SessionStore, playlist_size: int = PLAYLIST_SIZE) -> None:
        self.s = services
        self.sessions = sessions
        self.playlist_size = playlist_size

    # -- whose taste ------------------------------------------------------
    async def taste_of(self, user_id: str) -> Taste:
        weights = await bounded(self.s.events.taste(user_id))  # a stalled database fails the turn in time
        return Taste(artists=weights.get("artist", {}), tracks=weights.get("track", {}))

    async def blend_members(self, starter: str, members: list[str]) -> list[str]:
        """Who a blend may read: whoever started it, and the members who opted in (asked again every time,
        so leaving drops them from an ongoing blend)."""
        consenting = await self.s.users.consenting(members, BLEND)
        return [m for m in members if m == starter or m in consenting]

    async def tastes(self, user_id: str | None, like_artists: list[str] | None = None,
                     blend: list[str] | None = None) -> list[Taste]:
        """Whose taste a playlist follows: the artists a request names to sound like; or each of several
        listeners (a blend); or the listener."""
        if like_artists:
            return [Taste(artists={a: NAMED_ARTIST_WEIGHT for a in like_artists}, asked=True)]
        if blend:
            members = await self.blend_members(user_id or "", blend)
            tastes = [dataclasses.replace(t, shared=True)
                      for t in await asyncio.gather(*(self.taste_of(member) for member in members))]
            return [t for t in tastes if not t.empty] or [Taste()]
        return [await self.taste_of(user_id) if user_id else Taste()]

    # -- ranking ----------------------------------------------------------
    async def rank(self, intent: Intent, tastes: list[Taste], exclude: frozenset[str], k: int | None = None,
                   ) -> list[Recommendation]:
        size = min(k or intent.count or self.playlist_size, MAX_PLAYLIST)
        return await self._recommend(tastes, intent.weighted_tags, size, exclude, intent.filters(), intent.sound,
                                     intent.query)

    async def rank_session(self, session: Session, exclude: frozenset[str]) -> list[Recommendation]:
        """Re-rank from the session's tags and constraints: no new Chat2Tag call."""
        tastes = await self.tastes(session.user_id, like_artists=session.like_artists, blend=session.blend)
        return await self._recommend(tastes, session.weighted_tags, session.size or self.playlist_size, exclude,
                                     session.filters, session.sound, session.query)

    async def _recommend(self, tastes: list[Taste], tags: list[WeightedTag], k: int, exclude: frozenset[str],
                         filters: Filters, sound: dict[str, float] | None = None, query: str = ""
                         ) -> list[Recommendation]:
        """One ranking per taste; several (a blend) take turns, so every listener hears their share instead of
        one averaged taste that fits nobody."""
        def work() -> list[Recommendation]:
            queues = [iter(self.s.recommender.recommend(t, tags, k, exclude, filters, sound, query)) for t in tastes]
            merged: dict[str, Recommendation] = {}
            while queues and len(merged) < k:
                for queue in list(queues):  # each listener's next pick that is not in the list yet
                    pick = next((r for r in queue if r.track_id not in merged), None)
                    if pick is None:
                        queues.remove(queue)
                    elif len(merged) < k:
                        merged[pick.track_id] = pick
            return list(merged.values())

        return await asyncio.to_thread(work)  # ranking is CPU work: keep the event loop free for other chats

    # -- showing ----------------------------------------------------------
    async def reply(self, session: Session, tracks: list[Recommendation], title: str, record: bool = False) -> Reply:
        """Save the session, keep a served playlist when it is a new one, and build the reply. Raises
        `SessionConflict` (nothing written) when another worker changed the session since it was read."""
        try:
            await bounded(self._store(session, tracks if record else []))
        except SessionConflict:
            raise
        except Exception:  # a stalled or lost database: the listener still gets the playlist, told it may not stick
            log.warning("could not store the session %s", session.id, exc_info=True)
            title += texts.NOT_SAVED
        chips = self.chips(session)
        on = [c.tag for c in chips if c.on]
        header = texts.WITH_TAGS.format(title=title, tags=", ".join(on)) if on else title
        actions = [Action(texts.MORE_BUTTON, "/more", "more")]
        actions += [Action(f"{'✓ ' if c.on else ''}{c.tag}", f"/toggle {c.tag}", "tag") for c in chips]
        actions += [Action(f"✖ {i}", f"/remove {t.track_id}", "remove") for i, t in enumerate(tracks, 1)]
        actions += [Action("👍", "/feedback up", "feedback"), Action("👎", "/feedback down", "feedback")]
        return Reply(header, playlist=tracks, tags=chips, actions=actions)

    async def _store(self, session: Session, served: list[Recommendation]) -> None:
        """The session and the served playlist's record, written together (one round trip of waiting); when
        the session save is refused, the record is taken back, so a redone turn leaves one."""
        writes: list[Awaitable[Any]] = [self.sessions.save(session)]
        if served:
            writes.append(self.s.playlists.add(session.user_id, session.last_text,
                                               [t.tag for t in session.tags if t.on], [t.track_id for t in served]))
        saved, *added = await asyncio.gather(*writes, return_exceptions=True)
        if isinstance(saved, SessionConflict) and added and isinstance(added[0], str):
            await self.s.playlists.discard(added[0])
        for result in (saved, *added):
            if isinstance(result, BaseException):
                raise result

    def chips(self, session: Session) -> list[TagChip]:
        return [TagChip(t.tag, t.on, self.s.catalog.category(t.tag)) for t in session.tags]

    def tracks(self, track_ids: list[str]) -> list[Recommendation]:
        return [t for t in (self.s.catalog.track(tid) for tid in track_ids) if t is not None]

    def label(self, track_id: str) -> str:
        track = self.s.catalog.track(track_id)
        return f"{track.artist} — {track.name}" if track else texts.THAT_TRACK

    @staticmethod
    def bad_position(session: Session, verb: str) -> Reply:
        if not session.playlist:
            return Reply(texts.NO_PLAYLIST)
        return Reply(texts.WHICH_ONE.format(verb=verb, n=len(session.playlist)))

    async def suggestions(self, user_id: str) -> list[str]:
        """Tags for this listener right now: history, season, time and weather where they are."""
        if self.s.suggester is None:
            return self.s.catalog.suggested_tags()
        user, weights = await asyncio.gather(self.s.users.get(user_id), self.s.events.taste(user_id))
        saved = (user or {}).get("place")
        place = Place(**saved) if saved else None
        return await self.s.suggester.suggest(weights.get("track", {}), place)
