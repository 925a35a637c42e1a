"""The moment a listener is in: /place (their weather and local time), daily suggestion pushes (/subscribe)."""

from __future__ import annotations

import logging
from datetime import time

from bot.core import texts
from bot.core.messages import Incoming, Reply
from bot.core.playlists import PlaylistMaker
from bot.core.session import Session
from bot.core.suggestions import Place, parse_times

log = logging.getLogger(__name__)


class MomentCommands:
    def __init__(self, maker: PlaylistMaker) -> None:
        self.maker = maker
        self.s = maker.s

    async def place(self, msg: Incoming, session: Session, arg: str) -> Reply:
        city = arg.strip()[:100]
        if not city:
            weather_on = self.s.suggester is not None and self.s.suggester.weather is not None
            return Reply(texts.PLACE_HOW if weather_on else texts.WEATHER_OFF)
        place, problem = await self._locate(city)
        if place is None:
            return Reply(problem)
        await self.s.users.set_place(session.user_id, place.as_dict())
        return Reply(texts.PLACE_SET.format(name=place.name, timezone=place.timezone),
                     suggestions=await self.maker.suggestions(session.user_id))

    async def _locate(self, city: str) -> tuple[Place | None, str]:
        """Look a city up: (place, or None and what to tell the listener)."""
        weather = self.s.suggester.weather if self.s.suggester else None
        if weather is None:
            return None, texts.WEATHER_OFF
        try:
            place = await weather.locate(city)
        except Exception:
            log.warning("geocoding %r failed", city, exc_info=True)
            return None, texts.PLACE_LOOKUP_DOWN
        return place, "" if place else texts.PLACE_UNKNOWN.format(city=city)

    async def subscribe(self, msg: Incoming, session: Session, arg: str) -> Reply:
        if self.s.subscriptions is None:
            return Reply(texts.NO_SCHEDULE)
        words = arg.split()
        times = parse_times(" ".join(w for w in words if w[:1].isdigit())) or [time(8, 0)]
        city = " ".join(w for w in words if not w[:1].isdigit())[:100]
        user_id = session.user_id
        if city:
            place, problem = await self._locate(city)
            if place is None:
                return Reply(problem)
            await self.s.users.set_place(user_id, place.as_dict())
        saved = ((await self.s.users.get(user_id)) or {}).get("place")
        tz = saved["timezone"] if saved else "UTC"
        await self.s.users.set_subscription(user_id, {"platform": msg.platform, "chat_id": msg.chat_id,
                                                      "times": [t.strftime("%H:%M") for t in times], "timezone": tz})
        await self.s.subscriptions.subscribe(user_id, times, tz)
        when = ", ".join(t.strftime("%H:%M") for t in times)
        return Reply(texts.SUBSCRIBED.format(times=when, timezone=tz, hint="" if saved else texts.SUBSCRIBE_HINT),
                     suggestions=await self.maker.suggestions(user_id))

    async def unsubscribe(self, msg: Incoming, session: Session, arg: str) -> Reply:
        if self.s.subscriptions is None:
            return Reply(texts.NOT_SUBSCRIBED_HERE)
        removed = await self.s.subscriptions.unsubscribe(session.user_id)
        await self.s.users.set_subscription(session.user_id, None)
        return Reply(texts.UNSUBSCRIBED if removed else texts.WERE_NOT_SUBSCRIBED)

    async def push(self, user_id: str) -> Reply:
        """What a scheduled push says: tags for this moment, each a button that starts a playlist."""
        return Reply(texts.PUSH, suggestions=await self.maker.suggestions(user_id))
