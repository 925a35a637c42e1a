"""The transport-agnostic bot: `handle(incoming) -> reply`.

Every platform adapter (console, Telegram, Discord) only translates to and from
`Incoming`/`Reply`; all behaviour lives here and is tested once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time as clock
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.messages import Action, Incoming, Reply, TagChip
from bot.export import FORMATS, export_reply
from bot.ports import (
    AccountUnavailable,
    Catalog,
    Chat2Tag,
    Events,
    Limits,
    ListenerData,
    MusicAccounts,
    Playlists,
    Recommender,
    Sessions,
    Subscriptions,
    Users,
)
from bot.suggestions import Place, Suggester, parse_times
from bot.text import clean_text, has_words, split_command
from recommender.intent import Intent
from recommender.types import Filters, Recommendation, Taste, WeightedTag

log = logging.getLogger(__name__)

PLAYLIST_SIZE = 10
STORAGE_WAIT_S = 2.3  # then answer without memory: a reply within 3 s even when MongoDB stalls
LIMIT_WAIT_S = 0.3  # the rate check, before it: a stalled counter lets the message through
MESSAGES_PER_WINDOW, MESSAGE_WINDOW_S = 12, 10.0  # more than a person types; a script gets "slow down"
LLM_CALLS_PER_DAY, DAY_S = 200, 86_400.0  # paid Chat2Tag calls per listener; past it, the local reading
SLOW_DOWN = "You're sending messages faster than I can make playlists. Give me a few seconds, then try again."
MAX_SESSION_TAGS = 24  # toggled-in tags per playlist (Telegram refuses a keyboard past 100 buttons)
BLEND = "blend"  # the consent a listener gives for their taste to join group playlists
NAMED_ARTIST_WEIGHT = 25.0  # a named favourite counts like a couple of dozen plays
LIKE_WEIGHT, DISLIKE_WEIGHT = 5.0, -5.0
FEEDBACK_WEIGHT = 1.0  # a thumb for the whole playlist counts a little for each of its tracks
MAX_PLAYLIST = 50

SMALL_TALK = {
    "greeting": "Hi! I'm Suggestify. Tell me your mood or what you're doing and I'll make you a playlist.",
    "who": "I'm Suggestify, a music bot: tell me how you feel or what you're up to, and I'll make you a playlist "
           "that fits the moment and your taste.",
    "what": "I turn a sentence about your mood into a playlist — try \"rainy sunday morning, feeling nostalgic\" "
            "or \"pumping iron at the gym, no rap\". /help lists what else I can do.",
    "thanks": "You're welcome! Ask for another playlist any time.",
    "how": "I'm good, thanks — in the mood for some music? Tell me how you feel.",
    "ack": "👍 Tell me a mood whenever you want another playlist.",
    "off_topic": "I only know music, I'm afraid. Tell me your mood and I'll make you a playlist.",
}

HELP = (
    "Tell me how you feel or what you're doing — e.g. \"rainy sunday morning, feeling nostalgic\" — "
    "and I'll make you a playlist.\n"
    "Commands:\n"
    "  /more — more tracks like these\n"
    "  /remove N — drop track N (I'll remember you didn't like it)\n"
    "  /like N, /dislike N — rate track N\n"
    "  /tags — the tags behind your playlist; /toggle TAG — switch one on or off\n"
    "  /taste ARTIST, ARTIST… — name artists you love, so playlists fit your taste\n"
    "  /feedback up|down — rate the whole playlist\n"
    "  /place CITY — tag suggestions for your weather and time of day\n"
    "  /subscribe [CITY] [HH:MM …] — get those suggestions pushed daily; /unsubscribe\n"
    "  /export [m3u|jspf] — your playlist as links and a file, no Spotify needed\n"
    "  /connect — link Spotify; /save — save your playlist there; /disconnect\n"
    "  /blend on|off — let friends' group playlists include your taste (never who you play)\n"
    "  /forget yes — delete everything I keep about you\n"
    "  /help — this message"
)


NO_PLAYLIST = "There's no playlist yet — tell me your mood first."
NO_SPOTIFY = ("Spotify isn't set up on this bot. /export gives you the playlist as Spotify and YouTube links "
              "and a file for any player.")


@dataclass
class Services:
    users: Users
    sessions: Sessions
    events: Events
    playlists: Playlists
    listener_data: ListenerData
    limits: Limits
    chat2tag: Chat2Tag
    recommender: Recommender
    catalog: Catalog
    suggester: Suggester | None = None  # None: the fixed starter tags
    subscriptions: Subscriptions | None = None  # None: no scheduled pushes (the console)
    accounts: MusicAccounts | None = None  # None: Spotify is not configured


Handler = Callable[[Incoming, dict[str, Any], str], Awaitable[Reply]]


class BotCore:
    def __init__(self, services: Services, playlist_size: int = PLAYLIST_SIZE,
                 messages_per_window: float = MESSAGES_PER_WINDOW) -> None:
        self.s = services
        self.playlist_size = playlist_size
        self.messages_per_window = messages_per_window  # a benchmark measures playlists, not the limiter
        self._local_rate = WindowCount(MESSAGE_WINDOW_S)
        # One lock per chat while it has a turn in progress (weak: an idle chat costs nothing).
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        # Every command, registered in one place.
        self.commands: dict[str, Handler] = {
            "start": self._start,
            "help": self._help,
            "more": self._more,
            "remove": self._remove,
            "like": self._like,
            "dislike": self._dislike,
            "tags": self._tags,
            "toggle": self._toggle,
            "taste": self._taste,
            "feedback": self._feedback,
            "export": self._export,
            "connect": self._connect,
            "disconnect": self._disconnect,
            "save": self._save,
            "place": self._place,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "blend": self._blend_consent,
            "forget": self._forget,
        }

    # -- entry point ------------------------------------------------------
    async def handle(self, msg: Incoming) -> Reply:
        """One message: admitted if its sender is within their rate, then handled in order with the other
        messages of its chat (other chats go on meanwhile)."""
        sender = _sender(msg)
        sent = self._local_rate.hit(sender)  # a flood at this process is refused without a database trip
        if sent <= self.messages_per_window:  # then the count all workers share
            try:
                sent = await _bounded(self.s.limits.hit(sender, "message", MESSAGE_WINDOW_S), LIMIT_WAIT_S)
            except Exception:  # a slow or lost database: no count to keep, and the turn degrades on its own
                sent = 0
        if sent > self.messages_per_window:  # refused before any work
            return Reply(SLOW_DOWN, quiet=sent > self.messages_per_window + 1)
        lock = self._turns.setdefault(f"{msg.platform}:{msg.chat_id}", asyncio.Lock())
        async with lock:
            return await self._turn(msg, sender)

    async def _read(self, sender: str, text: str) -> Intent:
        """Chat2Tag, with a paid model only while the listener is within their daily budget."""
        llm = True
        if self.s.chat2tag.uses_llm:
            try:
                llm = await _bounded(self.s.limits.hit(sender, "llm", DAY_S), LIMIT_WAIT_S) <= LLM_CALLS_PER_DAY
            except Exception:  # no count to check against: the free path
                llm = False
        return await self.s.chat2tag.understand(text, llm=llm)

    async def _turn(self, msg: Incoming, sender: str) -> Reply:
        text = clean_text(msg.text)
        command, arg = split_command(text)
        mood = command is None and bool(text)
        # A mood needs the message read (a thread) and the listener's history (a database read) as well as the
        # session: waited for together, not one after another.
        work: list[Awaitable[Any]] = [_bounded(self._open(msg))]
        if mood:
            work += [self._read(sender, text), _bounded(self.taste_of(sender))]
        session, *read = await asyncio.gather(*work, return_exceptions=True)
        if isinstance(session, BaseException):
            log.error("storage unavailable while loading the session of %s:%s", msg.platform, msg.chat_id,
                      exc_info=session)
            return await self._degraded(text)
        try:
            if mood:
                for failed in (r for r in read if isinstance(r, BaseException)):
                    raise failed
                reply = await self._mood(session, text, *read)
            elif command is None:  # an empty message
                reply = Reply("Tell me a mood, a moment or an activity and I'll make you a playlist.",
                              suggestions=self.s.catalog.suggested_tags())
            elif command in self.commands:
                reply = await self.commands[command](msg, session, arg)
            else:
                reply = Reply(f"I don't know /{command[:30]}.\n\n{HELP}", suggestions=self.s.catalog.suggested_tags())
        except Exception:
            log.exception("handler failed for %s", command or "text")
            return Reply("Sorry, something went wrong on my side. Your playlist is safe — please try again.")
        return reply

    async def _degraded(self, text: str) -> Reply:
        """The database is down: still answer a mood with a (non-personal) playlist, and say so."""
        command, _ = split_command(text)
        if command is not None or not has_words(text):
            return Reply("I can't reach my memory right now, so commands are paused. Try again in a moment.")
        intent = await self.s.chat2tag.understand(text, llm=False)  # no budget to check it against
        if not intent.music:
            return Reply(SMALL_TALK.get(intent.note, SMALL_TALK["what"]))
        tracks = await self._rank(intent, await self._tastes(None, intent), frozenset())
        return Reply(
            "I can't reach my memory right now, so this one isn't personalised and won't be remembered.",
            playlist=tracks,
            tags=[TagChip(t.tag) for t in intent.tags],
        )

    # -- commands ---------------------------------------------------------
    async def _start(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        name = f", {msg.display_name}" if msg.display_name else ""
        return Reply(f"Hi{name}! I'm Suggestify. {HELP}", suggestions=await self._suggestions(session["user_id"]))

    async def _help(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        return Reply(HELP, suggestions=self.s.catalog.suggested_tags())

    async def _mood(self, session: dict[str, Any], text: str, intent: Intent, own: Taste) -> Reply:
        """A playlist for a message; `handle` has read it (`intent`) and the sender's history (`own`)."""
        if not intent.music:
            return Reply(SMALL_TALK.get(intent.note, SMALL_TALK["what"]), suggestions=self.s.catalog.suggested_tags())
        if intent.note == "not_understood":
            return Reply("I couldn't make out a mood in that — I understand English best. "
                         "Pick a tag, or tell me in a few English words.", suggestions=self.s.catalog.suggested_tags())
        filters = intent.filters()
        tastes = await self._tastes(None, intent) if intent.like_artists else [own]
        if not intent.tags and all(t.empty for t in tastes) and not filters:
            if not has_words(text):
                return Reply("Nice emoji! Tell me in words how you feel or what you're up to, or pick a tag.",
                             suggestions=self.s.catalog.suggested_tags())
            return Reply("I couldn't find a mood in that. Try something like \"sunny road trip\" or pick a tag.",
                         suggestions=self.s.catalog.suggested_tags())
        session.update(
            last_text=text[:500],
            tags=[{"tag": t.tag, "weight": t.weight, "on": True} for t in intent.tags],
            filters=filters.as_lists(),
            sound=intent.sound,
            query=intent.query,
            like_artists=intent.like_artists,
            blend=[],
            size=intent.count or self.playlist_size,
        )
        tracks = await self._rank(intent, tastes, self._disliked(session), session["size"])
        session.update(playlist=[t.track_id for t in tracks], shown=[t.track_id for t in tracks])
        if not tracks:
            return Reply("Nothing in my catalog passes those filters. Try fewer constraints.",
                         suggestions=self.s.catalog.suggested_tags())
        title = f"Here's your playlist for “{text[:80]}”" + _understood(intent, self.s.catalog)
        return await self._playlist_reply(session, tracks, title, record=True)

    async def _more(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        if not (session.get("last_text") or session.get("tags") or session.get("blend")):
            return Reply("Ask me for a playlist first — tell me your mood.", suggestions=self.s.catalog.suggested_tags())
        exclude = frozenset(session.get("shown", [])) | self._disliked(session)
        tracks = await self._rank_tags(session, exclude)
        if not tracks:
            return Reply("That's everything I have for these tags. Try other words or toggle a tag.")
        self._show(session, tracks)
        return await self._playlist_reply(session, tracks, "More like this")

    async def _remove(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        track_id = self._track_at(session, arg)
        if track_id is None:
            return self._bad_position(session, "remove")
        session["playlist"] = [t for t in session["playlist"] if t != track_id]
        session["removed"] = [*session.get("removed", []), track_id][-500:]
        await self.s.events.add(session["user_id"], "track", track_id, DISLIKE_WEIGHT, "chat:remove")
        tracks = self._tracks(session["playlist"])
        return await self._playlist_reply(session, tracks, f"Removed {self._label(track_id)}")

    async def _like(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        return await self._rate(session, arg, LIKE_WEIGHT, "like")

    async def _dislike(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        return await self._rate(session, arg, DISLIKE_WEIGHT, "dislike")

    async def _rate(self, session: dict[str, Any], arg: str, weight: float, verb: str) -> Reply:
        track_id = self._track_at(session, arg)
        if track_id is None:
            return self._bad_position(session, verb)
        await self.s.events.add(session["user_id"], "track", track_id, weight, f"chat:{verb}")
        feeling = "Glad you like" if weight > 0 else "Noted, less like"
        return Reply(f"{feeling} {self._label(track_id)}. I'll use that next time.")

    async def _feedback(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        playlist = session.get("playlist", [])
        direction = arg.strip().lower()
        if direction not in ("up", "down"):
            return Reply("Use /feedback up or /feedback down.")
        if not playlist:
            return Reply(NO_PLAYLIST)
        weight = FEEDBACK_WEIGHT if direction == "up" else -FEEDBACK_WEIGHT
        await self.s.events.add_many(session["user_id"], "track", playlist, weight, f"chat:feedback:{direction}")
        if direction == "up":
            return Reply("Thanks! I'll remember you liked this one.")
        return Reply("Thanks for saying so — I'll steer away from these. Try /toggle on a tag, or tell me more.")

    async def _export(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        tracks = self._tracks(session.get("playlist", []))
        if not tracks:
            return Reply(NO_PLAYLIST)
        fmt = arg.strip().lower() or "m3u"
        if fmt not in FORMATS:
            return Reply(f"I can export as {' or '.join(FORMATS)}: /export m3u")
        return export_reply(session.get("last_text") or "Suggestify playlist", tracks, fmt)

    async def _connect(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        if self.s.accounts is None:
            return Reply(NO_SPOTIFY)
        name = await self.s.accounts.account_name(session["user_id"])
        if name is not None:  # connecting again re-reads what they have been playing since
            try:
                found = await self.s.accounts.import_taste(session["user_id"])
            except AccountUnavailable:  # revoked, or sealed under a key this bot no longer has: start afresh
                await self.s.accounts.disconnect(session["user_id"])
                link = await self.s.accounts.connect_link(session["user_id"], f"{msg.platform}:{msg.chat_id}")
                return Reply("I can't use your saved Spotify sign-in any more (it was revoked, or my key changed), "
                             f"so I removed it. Open this link to connect again (yours alone, for 10 minutes):\n{link}")
            except Exception:
                log.warning("re-reading the Spotify history of %s failed", session["user_id"], exc_info=True)
                return Reply(f"You're connected to Spotify as {name}, but I can't reach Spotify right now. "
                             "/save will still try; /disconnect unlinks.")
            return Reply(f"You're connected to Spotify as {name}; I re-read your top and recent tracks ({found} "
                         "artists and tracks I know). /save saves your playlist; /disconnect unlinks.")
        link = await self.s.accounts.connect_link(session["user_id"], f"{msg.platform}:{msg.chat_id}")
        return Reply("Open this link to connect your Spotify account. It works once, for 10 minutes, and only in the "
                     f"browser that opens it first, so don't share it:\n{link}")

    async def _disconnect(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        if self.s.accounts is None or not await self.s.accounts.disconnect(session["user_id"]):
            return Reply("No Spotify account is connected.")
        return Reply("Disconnected: I deleted your Spotify tokens. Your playlists here stay.")

    async def _save(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        tracks = self._tracks(session.get("playlist", []))
        if not tracks:
            return Reply(NO_PLAYLIST)
        if self.s.accounts is None:
            return Reply(NO_SPOTIFY)
        if await self.s.accounts.account_name(session["user_id"]) is None:
            return Reply("Connect Spotify first with /connect — or /export the playlist as links and a file.")
        title = f"Suggestify: {session.get('last_text') or 'my playlist'}"[:100]
        await self.s.accounts.save(session["user_id"], f"{msg.platform}:{msg.chat_id}", title,
                                   [t.uri for t in tracks])
        return Reply(f"Saving {len(tracks)} tracks to your Spotify… I'll tell you when it's there.")

    async def _blend_consent(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        choice = arg.strip().lower()
        if choice not in ("on", "off"):
            return Reply("/blend on lets friends include your taste in group playlists (/blend on Discord); "
                         "/blend off keeps it to yourself. Nobody sees which artists you play either way.")
        await self.s.users.set_consent(session["user_id"], BLEND, choice == "on")
        return Reply("Your taste can now join blends. /blend off stops it." if choice == "on" else
                     "Your taste stays out of blends, ongoing ones included. /blend on to join again.")

    async def _forget(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        if arg.strip().lower() != "yes":
            return Reply("/forget yes deletes everything I keep about you: your taste, listening history, "
                         "playlists, sessions, Spotify link, pending saves and scheduled suggestions. It can't "
                         "be undone.")
        user_id = session["user_id"]
        if self.s.subscriptions is not None:
            await self.s.subscriptions.unsubscribe(user_id)
        if self.s.accounts is not None:
            await self.s.accounts.disconnect(user_id)
        deleted = await self.s.listener_data.erase(user_id)
        log.info("erased a listener on request: %s", deleted)
        return Reply(f"Done: I deleted everything I kept about you ({sum(deleted.values())} records). "
                     "If you write again, I start from scratch.")

    async def _blend_members(self, starter: str, members: list[str]) -> list[str]:
        """Who a blend may read: whoever started it, and the members who opted in (asked again every time,
        so leaving drops them from an ongoing blend)."""
        consenting = await self.s.users.consenting(members, BLEND)
        return [m for m in members if m == starter or m in consenting]

    async def blend(self, msg: Incoming, member_ids: list[str], text: str = "") -> Reply:
        """One playlist for several listeners (a server's members, a voice channel): the tastes of those who
        opted in, merged."""
        starter = _sender(msg)
        asked = list(dict.fromkeys([starter, *(f"{msg.platform}:{m}" for m in member_ids)]))[:25]
        if len(asked) < 2:
            return Reply("A blend needs at least two people: name them, or join a voice channel with friends.")
        try:
            members = await self._blend_members(starter, asked)
        except Exception:
            log.exception("storage unavailable while blending in %s:%s", msg.platform, msg.chat_id)
            return Reply("I can't reach my memory right now, so I can't read everyone's taste. Try again soon.")
        left_out = len(asked) - len(members)
        if len(members) < 2:
            return Reply("Nobody else here has opted in to blends yet. Each of them can send /blend on "
                         "(on Discord: /blend optin:on) to let their taste join.")
        text = clean_text(text)
        try:
            session = await self._open(msg)
        except Exception:
            log.exception("storage unavailable while blending in %s:%s", msg.platform, msg.chat_id)
            return Reply("I can't reach my memory right now, so I can't read everyone's taste. Try again soon.")
        intent = await self._read(starter, text) if has_words(text) else Intent(tags=[])
        tastes = await self._tastes(starter, blend=members)
        if all(t.empty for t in tastes):
            return Reply("I don't know any of these listeners' taste yet — each of you can tell me with /taste.")
        session.update(last_text=text[:500], tags=[{"tag": t.tag, "weight": t.weight, "on": True} for t in intent.tags],
                       filters=intent.filters().as_lists(), sound=intent.sound, query=intent.query, like_artists=[],
                       blend=members,
                       size=intent.count or self.playlist_size)
        tracks = await self._rank(intent, tastes, self._disliked(session), session["size"])
        self._show(session, tracks)
        title = f"A blend for {len(members)} listeners"
        if left_out:
            title += f" ({left_out} not opted in, so left out: /blend on to join)"
        return await self._playlist_reply(session, tracks, title, record=True)

    async def _tags(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        chips = self._chips(session)
        suggestions = await self._suggestions(session["user_id"])
        if not chips:
            return Reply("No playlist yet. Here are some tags for right now:", suggestions=suggestions)
        listing = ", ".join(f"{c.tag}{'' if c.on else ' (off)'}" for c in chips)
        return Reply(f"Your tags: {listing}. Use /toggle TAG to switch one.", tags=chips, suggestions=suggestions)

    async def _place(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        city = arg.strip()[:100]
        if not city:
            return Reply("Tell me your city — /place Seoul — and I'll suggest tags for your weather and time of day."
                         if self.s.suggester and self.s.suggester.weather else
                         "Weather suggestions are switched off here.")
        place, problem = await self._locate(city)
        if place is None:
            return Reply(problem)
        await self.s.users.set_place(session["user_id"], place.as_dict())
        return Reply(f"Got it: {place.name} ({place.timezone}). Tags for your weather and time of day:",
                     suggestions=await self._suggestions(session["user_id"]))

    async def _locate(self, city: str) -> tuple[Place | None, str]:
        """Look a city up: (place, or None and what to tell the listener)."""
        weather = self.s.suggester.weather if self.s.suggester else None
        if weather is None:
            return None, "Weather suggestions are switched off here."
        try:
            place = await weather.locate(city)
        except Exception:
            log.warning("geocoding %r failed", city, exc_info=True)
            return None, "I can't look places up right now. Please try again later."
        return place, "" if place else f"I couldn't find “{city}”. Try the nearest big city."

    async def _subscribe(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        if self.s.subscriptions is None:
            return Reply("Scheduled suggestions aren't available here — try me on Telegram or Discord.")
        words = arg.split()
        times = parse_times(" ".join(w for w in words if w[:1].isdigit())) or [time(8, 0)]
        city = " ".join(w for w in words if not w[:1].isdigit())[:100]
        user_id = session["user_id"]
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
        hint = "" if saved else " Add your city (/subscribe Seoul 08:00) for weather and local time."
        return Reply(f"Subscribed: tag suggestions every day at {when} ({tz}).{hint} /unsubscribe stops them.",
                     suggestions=await self._suggestions(user_id))

    async def _unsubscribe(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        if self.s.subscriptions is None:
            return Reply("You have no scheduled suggestions here.")
        removed = await self.s.subscriptions.unsubscribe(session["user_id"])
        await self.s.users.set_subscription(session["user_id"], None)
        return Reply("Unsubscribed: no more scheduled suggestions." if removed else "You weren't subscribed.")

    async def suggestion_reply(self, user_id: str) -> Reply:
        """What a scheduled push says: tags for this moment, each a button that starts a playlist."""
        return Reply("Tags for right now — tap one for a playlist:", suggestions=await self._suggestions(user_id))

    async def _toggle(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        wanted = arg.strip().lower()
        tags = session.get("tags", [])
        for item in tags:
            if item["tag"] == wanted:
                item["on"] = not item["on"]
                filters = session.get("filters") or {}
                for kind in ("genres", "eras"):  # switching a named genre or era off lifts its filter too
                    if not item["on"] and wanted in filters.get(kind, []):
                        filters[kind].remove(wanted)
                break
        else:
            if self.s.catalog.category(wanted):
                if len(tags) >= MAX_SESSION_TAGS:
                    return Reply(f"This playlist already has {len(tags)} tags: switch one off, or start afresh "
                                 "with a new mood.")
                tags.append({"tag": wanted, "weight": 1.0, "on": True})  # a suggested tag joins the mix
            else:
                return Reply(f"“{wanted[:40]}” isn't one of your tags. /tags lists them.")
        session["tags"] = tags
        tracks = await self._rank_tags(session, self._disliked(session))
        self._show(session, tracks)
        return await self._playlist_reply(session, tracks, "Re-ranked with your tags", record=True)

    async def _taste(self, msg: Incoming, session: dict[str, Any], arg: str) -> Reply:
        names = [n.strip() for n in arg.replace(";", ",").split(",") if n.strip()][:20]
        if not names:
            return Reply("Name a few artists you love, separated by commas: /taste Radiohead, Massive Attack, Björk")
        found, missing = [], []
        for name in names:
            hit = self.s.catalog.find_artist(name)
            if hit is None:
                missing.append(name[:60])
                continue
            key, display = hit
            await self.s.events.add(session["user_id"], "artist", key, NAMED_ARTIST_WEIGHT, "chat:taste")
            found.append(display)
        parts = []
        if found:
            parts.append("Got it — you like " + ", ".join(found) + ". Your playlists will lean that way.")
        if missing:
            parts.append("I don't know " + ", ".join(missing) + " yet.")
        return Reply(" ".join(parts), suggestions=self.s.catalog.suggested_tags())

    # -- for scripts --------------------------------------------------------
    async def recommend(self, user_id: str, text: str, k: int) -> tuple[list[WeightedTag], list[Recommendation]]:
        """A playlist for a text and a user id ("hetrec:2"), without touching any session."""
        intent = await self.s.chat2tag.understand(clean_text(text))
        tracks = await self._rank(intent, await self._tastes(user_id, intent), frozenset(), k)
        return intent.weighted_tags, tracks

    # -- helpers ----------------------------------------------------------
    async def _open(self, msg: Incoming) -> dict[str, Any]:
        """The sender's user record (created on first contact) and this chat's session, read together:
        each MongoDB round trip is latency the user waits for."""
        session_id = f"{msg.platform}:{msg.chat_id}"
        _, saved = await asyncio.gather(self.s.users.get_or_create(msg.platform, msg.user_id, msg.display_name),
                                        self.s.sessions.load(session_id))
        return saved or self._new_session(session_id, _sender(msg))

    async def _suggestions(self, user_id: str) -> list[str]:
        """Tags for this listener right now: history, season, time and weather where they are."""
        if self.s.suggester is None:
            return self.s.catalog.suggested_tags()
        user, weights = await asyncio.gather(self.s.users.get(user_id), self.s.events.taste(user_id))
        saved = (user or {}).get("place")
        place = Place(**saved) if saved else None
        return await self.s.suggester.suggest(weights.get("track", {}), place)

    def _new_session(self, session_id: str, user_id: str) -> dict[str, Any]:
        return {"_id": session_id, "user_id": user_id, "last_text": "", "tags": [], "playlist": [],
                "removed": [], "shown": []}

    async def taste_of(self, user_id: str) -> Taste:
        weights = await self.s.events.taste(user_id)
        return Taste(artists=weights.get("artist", {}), tracks=weights.get("track", {}))

    async def _tastes(self, user_id: str | None, intent: Intent | None = None,
                      like_artists: list[str] | None = None, blend: list[str] | None = None) -> list[Taste]:
        """Whose taste a playlist follows: the artists a request names to sound like; or each of several
        listeners (a blend); or the listener."""
        like = like_artists if like_artists is not None else (intent.like_artists if intent else [])
        if like:
            return [Taste(artists={a: NAMED_ARTIST_WEIGHT for a in like}, asked=True)]
        if blend:
            members = await self._blend_members(user_id or "", blend)
            tastes = [dataclasses.replace(t, shared=True)
                      for t in await asyncio.gather(*(self.taste_of(member) for member in members))]
            return [t for t in tastes if not t.empty] or [Taste()]
        return [await self.taste_of(user_id) if user_id else Taste()]

    @staticmethod
    def _show(session: dict[str, Any], tracks: list[Recommendation]) -> None:
        """Make these tracks the current playlist and remember them as shown (for /more)."""
        session["playlist"] = [t.track_id for t in tracks]
        session["shown"] = list(dict.fromkeys([*session.get("shown", []), *session["playlist"]]))[-500:]

    def _disliked(self, session: dict[str, Any]) -> frozenset[str]:
        return frozenset(session.get("removed", []))

    async def _rank(self, intent: Intent, tastes: list[Taste], exclude: frozenset[str], k: int | None = None,
                    ) -> list[Recommendation]:
        return await self._recommend(tastes, intent.weighted_tags, min(k or intent.count or self.playlist_size,
                                                                       MAX_PLAYLIST), exclude, intent.filters(),
                                     intent.sound, intent.query)

    async def _rank_tags(self, session: dict[str, Any], exclude: frozenset[str]) -> list[Recommendation]:
        """Re-rank from the session's tags and constraints: no new Chat2Tag call."""
        tags = [WeightedTag(t["tag"], float(t["weight"])) for t in session.get("tags", []) if t.get("on")]
        tastes = await self._tastes(session["user_id"], like_artists=session.get("like_artists", []),
                                    blend=session.get("blend"))
        size = int(session.get("size") or self.playlist_size)
        return await self._recommend(tastes, tags, size, exclude, Filters.from_lists(session.get("filters")),
                                     session.get("sound") or {}, session.get("query", ""))

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

    def _chips(self, session: dict[str, Any]) -> list[TagChip]:
        return [TagChip(t["tag"], bool(t["on"]), self.s.catalog.category(t["tag"])) for t in session.get("tags", [])]

    def _tracks(self, track_ids: list[str]) -> list[Recommendation]:
        return [t for t in (self.s.catalog.track(tid) for tid in track_ids) if t is not None]

    def _track_at(self, session: dict[str, Any], arg: str) -> str | None:
        playlist = session.get("playlist", [])
        token = arg.strip().split(" ")[0] if arg.strip() else ""
        if token in playlist:
            return token  # buttons name the track itself, so a stale button never hits the wrong one
        if not token.isdigit() or not playlist:
            return None
        pos = int(token)
        return playlist[pos - 1] if 1 <= pos <= len(playlist) else None

    def _bad_position(self, session: dict[str, Any], verb: str) -> Reply:
        n = len(session.get("playlist", []))
        if not n:
            return Reply(NO_PLAYLIST)
        return Reply(f"Which one? Use /{verb} N with N from 1 to {n}.")

    def _label(self, track_id: str) -> str:
        track = self.s.catalog.track(track_id)
        return f"{track.artist} — {track.name}" if track else "that track"

    async def _playlist_reply(
        self, session: dict[str, Any], tracks: list[Recommendation], title: str, record: bool = False
    ) -> Reply:
        """Save the session, keep a served playlist when it is a new one, and build the reply."""
        writes = [self.s.sessions.save(session)]
        if record and tracks:
            writes.append(self.s.playlists.add(session["user_id"], session.get("last_text", ""),
                                               [t["tag"] for t in session.get("tags", []) if t.get("on")],
                                               [t.track_id for t in tracks]))
        try:
            await _bounded(asyncio.gather(*writes))
        except Exception:  # a stalled or lost database: the listener still gets the playlist, told it may not stick
            log.warning("could not store the session %s", session.get("_id"), exc_info=True)
            title += " (I couldn't save this one: /more may not follow from it)"
        chips = self._chips(session)
        on = [c.tag for c in chips if c.on]
        header = f"{title}" + (f" — tags: {', '.join(on)}" if on else "")
        actions = [Action("More like this", "/more", "more")]
        actions += [Action(f"{'✓ ' if c.on else ''}{c.tag}", f"/toggle {c.tag}", "tag") for c in chips]
        actions += [Action(f"✖ {i}", f"/remove {t.track_id}", "remove") for i, t in enumerate(tracks, 1)]
        actions += [Action("👍", "/feedback up", "feedback"), Action("👎", "/feedback down", "feedback")]
        return Reply(header, playlist=tracks, tags=chips, actions=actions)


class WindowCount:
    """Uses per key in the current time window, in this process only (forgotten when the window turns)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> int:
        window = int(clock.monotonic() // self.window_s)
        if window != self._window:
            self._window, self._counts = window, {}
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]


async def _bounded(work: Awaitable[Any], seconds: float = STORAGE_WAIT_S) -> Any:
    """A database step that may take this long at most: a stalled server gets a degraded answer in time."""
    return await asyncio.wait_for(work, seconds)


def _sender(msg: Incoming) -> str:
    """The listener a message is from: a session belongs to one chat of one listener, so also its user_id."""
    return f"{msg.platform}:{msg.user_id}"


def _understood(intent: Intent, catalog: Catalog) -> str:
    """The constraints read from the message, said back so the listener can see what was understood."""
    parts = []
    if intent.note == "multilingual":
        parts.append(f"read from {intent.lang}: " + ", ".join(t.tag for t in intent.tags))
    if intent.genres or intent.language:
        parts.append("only " + ", ".join(intent.genres + ([intent.language] if intent.language else [])))
    if intent.artists:
        parts.append("by " + ", ".join(catalog.artist_name(a) for a in intent.artists))
    if intent.like_artists:
        parts.append("like " + ", ".join(catalog.artist_name(a) for a in intent.like_artists))
    if intent.exclude_genres or intent.exclude_artists:
        parts.append("no " + ", ".join(intent.exclude_genres + [catalog.artist_name(a) for a in intent.exclude_artists]))
    if intent.era:
        parts.append(f"from the {intent.era}")
    if intent.moments:
        parts.append("sounding right for " + ", ".join(intent.moments))
    return f" ({'; '.join(parts)})" if parts else ""
