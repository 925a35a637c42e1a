"""What a listener tells the bot about their taste: /like, /dislike, /feedback on a playlist, /taste ARTISTS."""

from __future__ import annotations

from bot.core import texts
from bot.core.handlers.playlist import DISLIKE_WEIGHT
from bot.core.messages import Incoming, Reply
from bot.core.playlists import NAMED_ARTIST_WEIGHT, PlaylistMaker
from bot.core.session import Session

LIKE_WEIGHT = 5.0
FEEDBACK_WEIGHT = 1.0  # a thumb for the whole playlist counts a little for each of its tracks


class FeedbackCommands:
    def __init__(self, maker: PlaylistMaker) -> None:
        self.maker = maker
        self.events = maker.s.events

    async def like(self, msg: Incoming, session: Session, arg: str) -> Reply:
        return await self._rate(session, arg, LIKE_WEIGHT, "like")

    async def dislike(self, msg: Incoming, session: Session, arg: str) -> Reply:
        return await self._rate(session, arg, DISLIKE_WEIGHT, "dislike")

    async def _rate(self, session: Session, arg: str, weight: float, verb: str) -> Reply:
        track_id = session.track_at(arg)
        if track_id is None:
            return self.maker.bad_position(session, verb)
        await self.events.add(session.user_id, "track", track_id, weight, f"chat:{verb}")
        return Reply((texts.LIKED if weight > 0 else texts.DISLIKED).format(track=self.maker.label(track_id)))

    async def feedback(self, msg: Incoming, session: Session, arg: str) -> Reply:
        direction = arg.strip().lower()
        if direction not in ("up", "down"):
            return Reply(texts.FEEDBACK_HOW)
        if not session.playlist:
            return Reply(texts.NO_PLAYLIST)
        weight = FEEDBACK_WEIGHT if direction == "up" else -FEEDBACK_WEIGHT
        await self.events.add_many(session.user_id, "track", session.playlist, weight, f"chat:feedback:{direction}")
        return Reply(texts.FEEDBACK_UP if direction == "up" else texts.FEEDBACK_DOWN)

    async def taste(self, msg: Incoming, session: Session, arg: str) -> Reply:
        names = [n.strip() for n in arg.replace(";", ",").split(",") if n.strip()][:20]
        if not names:
            return Reply(texts.TASTE_HOW)
        found, missing = [], []
        for name in names:
            hit = self.maker.s.catalog.find_artist(name)
            if hit is None:
                missing.append(name[:60])
                continue
            key, display = hit
            await self.events.add(session.user_id, "artist", key, NAMED_ARTIST_WEIGHT, "chat:taste")
            found.append(display)
        parts = []
        if found:
            parts.append(texts.TASTE_GOT.format(artists=", ".join(found)))
        if missing:
            parts.append(texts.TASTE_UNKNOWN.format(names=", ".join(missing)))
        return Reply(" ".join(parts), suggestions=self.maker.s.catalog.suggested_tags())
