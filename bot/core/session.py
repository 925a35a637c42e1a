"""A chat's session: the playlist on screen and what made it, typed, and the one place that loads and saves it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from bot.core.messages import Incoming
from bot.core.ports import Sessions, Users
from recommender.intent import Intent
from recommender.types import Filters, Recommendation, WeightedTag

T = TypeVar("T")

REMEMBERED = 500  # shown and removed tracks kept per chat: enough for many /more, bounded all the same
SESSION_ATTEMPTS = 8  # a turn redone on a fresher session while other workers keep changing it (each refusal
# means another turn got through, so this bounds waiting, not progress)


@dataclass
class SessionTag:
    """A tag behind the playlist; a listener switches it on and off with /toggle."""

    tag: str
    weight: float = 1.0
    on: bool = True


@dataclass
class Session:
    id: str  # "platform:chat_id": one chat of one listener
    user_id: str  # "platform:user_id"
    last_text: str = ""  # the request the playlist answers
    tags: list[SessionTag] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    sound: dict[str, float] = field(default_factory=dict)  # audio targets read from the request ("fast", "calm")
    query: str = ""  # the words that name a song or artist, for text matching
    like_artists: list[str] = field(default_factory=list)  # "songs like X": X's taste instead of the listener's
    blend: list[str] = field(default_factory=list)  # a group playlist: the members whose tastes take turns
    size: int | None = None  # tracks asked for ("20 songs for…"); None: the bot's default
    playlist: list[str] = field(default_factory=list)  # track ids on screen, in order
    shown: list[str] = field(default_factory=list)  # every track shown since the request: /more skips them
    removed: list[str] = field(default_factory=list)  # removed by the listener: never offered again here
    version: int = 0  # as read; each save bumps it, and a save over someone else's change is refused

    @property
    def has_request(self) -> bool:
        return bool(self.last_text or self.tags or self.blend)

    @property
    def weighted_tags(self) -> list[WeightedTag]:
        return [WeightedTag(t.tag, t.weight) for t in self.tags if t.on]

    @property
    def disliked(self) -> frozenset[str]:
        return frozenset(self.removed)

    def start(self, text: str, intent: Intent, size: int, like_artists: list[str], blend: list[str]) -> None:
        """A new request: its reading replaces the last one."""
        self.last_text = text[:500]
        self.tags = [SessionTag(t.tag, t.weight) for t in intent.tags]
        self.filters, self.sound, self.query = intent.filters(), intent.sound, intent.query
        self.like_artists, self.blend, self.size = like_artists, blend, size

    def show(self, tracks: list[Recommendation]) -> None:
        """Make these tracks the playlist on screen and remember them as shown (for /more)."""
        self.playlist = [t.track_id for t in tracks]
        self.shown = list(dict.fromkeys([*self.shown, *self.playlist]))[-REMEMBERED:]

    def remove(self, track_id: str) -> None:
        self.playlist = [t for t in self.playlist if t != track_id]
        self.removed = [*self.removed, track_id][-REMEMBERED:]

    def toggle(self, tag: str) -> bool:
        """Switch a tag of this playlist on or off (off also lifts its genre or era filter); False if not one."""
        for item in self.tags:
            if item.tag == tag:
                item.on = not item.on
                if not item.on:
                    self.filters = replace(self.filters, genres=self.filters.genres - {tag},
                                           eras=self.filters.eras - {tag})
                return True
        return False

    def track_at(self, arg: str) -> str | None:
        """The track a command names: its id (buttons, so a stale one never hits the wrong track) or position."""
        token = arg.strip().split(" ")[0] if arg.strip() else ""
        if token in self.playlist:
            return token
        if not token.isdigit() or not self.playlist:
            return None
        pos = int(token)
        return self.playlist[pos - 1] if 1 <= pos <= len(self.playlist) else None

    def to_document(self) -> dict[str, Any]:
        return {"_id": self.id, "user_id": self.user_id, "last_text": self.last_text,
                "tags": [{"tag": t.tag, "weight": t.weight, "on": t.on} for t in self.tags],
                "filters": self.filters.as_lists(), "sound": self.sound, "query": self.query,
                "like_artists": self.like_artists, "blend": self.blend, "size": self.size,
                "playlist": self.playlist, "shown": self.shown, "removed": self.removed, "version": self.version}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> "Session":
        """Tolerant of documents written by older versions: a missing field takes its default."""
        return cls(id=doc["_id"], user_id=doc["user_id"], last_text=doc.get("last_text") or "",
                   tags=[SessionTag(t["tag"], float(t.get("weight", 1.0)), bool(t.get("on", True)))
                         for t in doc.get("tags") or []],
                   filters=Filters.from_lists(doc.get("filters")), sound=doc.get("sound") or {},
                   query=doc.get("query") or "", like_artists=list(doc.get("like_artists") or []),
                   blend=list(doc.get("blend") or []), size=doc.get("size"),
                   playlist=list(doc.get("playlist") or []), shown=list(doc.get("shown") or []),
                   removed=list(doc.get("removed") or []), version=int(doc.get("version") or 0))


class SessionConflict(Exception):
    """Another worker changed this chat's session since it was read: redo the change on theirs."""


def sender(msg: Incoming) -> str:
    """The listener a message is from: a session belongs to one chat of one listener, so also its user_id."""
    return f"{msg.platform}:{msg.user_id}"


async def redo_on_conflict(open_session: Callable[[], Awaitable[Session]], change: Callable[[Session], Awaitable[T]],
                           session: Session | None = None) -> T:
    """Make a change to a chat's session; when another worker saved it meanwhile, re-read it and make the change
    again on theirs (a few times), so neither change is lost."""
    for _ in range(SESSION_ATTEMPTS - 1):
        try:
            return await change(session or await open_session())
        except SessionConflict:
            session = None
    return await change(await open_session())


class SessionStore:
    """Loads and saves sessions through the storage port; the only code that sees their documents."""

    def __init__(self, users: Users, sessions: Sessions) -> None:
        self._users, self._sessions = users, sessions

    async def open(self, msg: Incoming) -> Session:
        """This chat's session; on a chat's first message the sender's user record is also made (created on
        first contact), so a returning chat costs one round trip."""
        session_id = f"{msg.platform}:{msg.chat_id}"
        if saved := await self._sessions.load(session_id):
            return Session.from_document(saved)
        await self._users.get_or_create(msg.platform, msg.user_id, msg.display_name)
        return Session(session_id, sender(msg))

    async def save(self, session: Session) -> None:
        """Save, or raise `SessionConflict` when another worker saved this chat first (nothing is overwritten)."""
        if not await self._sessions.save(session.to_document()):
            raise SessionConflict(session.id)
        session.version += 1
