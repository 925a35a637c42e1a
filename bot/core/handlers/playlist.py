"""Making and reshaping a playlist: a mood, /more, /remove, /toggle, /tags, /export."""

from __future__ import annotations

from bot.core import texts
from bot.core.export import FORMATS, export_reply
from bot.core.messages import Incoming, Reply, TagChip
from bot.core.playlists import PlaylistMaker
from bot.core.ports import Catalog
from bot.core.session import Session, SessionTag
from bot.core.text import has_words
from recommender.intent import Intent
from recommender.tagging import NEW_RELEASES, is_year
from recommender.types import Taste

DISLIKE_WEIGHT = -5.0  # a removed track counts against it, as a dislike does
MAX_SESSION_TAGS = 24  # toggled-in tags per playlist (Telegram refuses a keyboard past 100 buttons)


class PlaylistCommands:
    def __init__(self, maker: PlaylistMaker) -> None:
        self.maker = maker
        self.catalog = maker.s.catalog

    async def mood(self, session: Session, text: str, intent: Intent, own: Taste) -> Reply:
        """A playlist for a message; the core has read it (`intent`) and the sender's history (`own`)."""
        starters = self.catalog.suggested_tags()
        if not intent.music:
            return Reply(texts.SMALL_TALK.get(intent.note, texts.SMALL_TALK["what"]), suggestions=starters)
        if intent.note == "not_understood":
            return Reply(texts.NOT_UNDERSTOOD, suggestions=starters)
        filters = intent.filters()
        tastes = await self.maker.tastes(None, intent.like_artists) if intent.like_artists else [own]
        nothing_else = not intent.tags and all(t.empty for t in tastes) and not filters
        if nothing_else and intent.missing_genres and set(intent.sound) <= {"familiar"}:
            # "Anime Hits": say what is lacking rather than play well-known songs of something else
            return Reply(texts.LACKING.format(what=", ".join(intent.missing_genres)), suggestions=starters)
        if nothing_else and not intent.sound:
            return Reply(texts.NO_MOOD if has_words(text) else texts.ONLY_EMOJI, suggestions=starters)
        session.start(text, intent, intent.count or self.maker.playlist_size, intent.like_artists, blend=[])
        tracks = await self.maker.rank(intent, tastes, session.disliked, session.size)
        session.playlist, session.shown = [t.track_id for t in tracks], [t.track_id for t in tracks]
        if not tracks:
            return Reply(texts.NOTHING_PASSES, suggestions=starters)
        title = texts.PLAYLIST_FOR.format(text=text[:80], understood=understood(intent, self.catalog))
        return await self.maker.reply(session, tracks, title, record=True)

    async def degraded(self, text: str) -> Reply:
        """The database is down: still answer a mood with a (non-personal) playlist, and say so."""
        intent = await self.maker.s.chat2tag.understand(text, llm=False)  # no budget to check it against
        if not intent.music:
            return Reply(texts.SMALL_TALK.get(intent.note, texts.SMALL_TALK["what"]))
        tastes = await self.maker.tastes(None, intent.like_artists)
        tracks = await self.maker.rank(intent, tastes, frozenset())
        return Reply(texts.NO_MEMORY_PLAYLIST, playlist=tracks, tags=[TagChip(t.tag) for t in intent.tags])

    async def more(self, msg: Incoming, session: Session, arg: str) -> Reply:
        if not session.has_request:
            return Reply(texts.MORE_FIRST, suggestions=self.catalog.suggested_tags())
        tracks = await self.maker.rank_session(session, frozenset(session.shown) | session.disliked)
        if not tracks:
            return Reply(texts.NO_MORE)
        session.show(tracks)
        return await self.maker.reply(session, tracks, texts.MORE_TITLE)

    async def remove(self, msg: Incoming, session: Session, arg: str) -> Reply:
        track_id = session.track_at(arg)
        if track_id is None:
            return self.maker.bad_position(session, "remove")
        session.remove(track_id)
        tracks = self.maker.tracks(session.playlist)
        reply = await self.maker.reply(session, tracks, texts.REMOVED.format(track=self.maker.label(track_id)))
        # After the session is saved: a turn redone on another worker's change counts the dislike once.
        await self.maker.s.events.add(session.user_id, "track", track_id, DISLIKE_WEIGHT, "chat:remove")
        return reply

    async def toggle(self, msg: Incoming, session: Session, arg: str) -> Reply:
        wanted = arg.strip().lower()
        if not session.toggle(wanted):
            if not self.catalog.category(wanted):
                return Reply(texts.NOT_A_TAG.format(tag=wanted[:40]))
            if len(session.tags) >= MAX_SESSION_TAGS:
                return Reply(texts.TOO_MANY_TAGS.format(n=len(session.tags)))
            session.tags.append(SessionTag(wanted))  # a suggested tag joins the mix
        tracks = await self.maker.rank_session(session, session.disliked)
        session.show(tracks)
        return await self.maker.reply(session, tracks, texts.RERANKED, record=True)

    async def tags(self, msg: Incoming, session: Session, arg: str) -> Reply:
        chips = self.maker.chips(session)
        suggestions = await self.maker.suggestions(session.user_id)
        if not chips:
            return Reply(texts.TAGS_NONE, suggestions=suggestions)
        listing = ", ".join(f"{c.tag}{'' if c.on else texts.TAG_OFF}" for c in chips)
        return Reply(texts.TAGS_LIST.format(tags=listing), tags=chips, suggestions=suggestions)

    async def export(self, msg: Incoming, session: Session, arg: str) -> Reply:
        tracks = self.maker.tracks(session.playlist)
        if not tracks:
            return Reply(texts.NO_PLAYLIST)
        fmt = arg.strip().lower() or "m3u"
        if fmt not in FORMATS:
            return Reply(texts.EXPORT_FORMATS.format(formats=" or ".join(FORMATS)))
        return export_reply(session.last_text or texts.EXPORT_TITLE, tracks, fmt)


def understood(intent: Intent, catalog: Catalog) -> str:
    """The constraints read from the message, said back so the listener can see what was understood."""
    parts = [texts.NONE_OF.format(what=", ".join(intent.missing_genres))] if intent.missing_genres else []
    if intent.nearest_genres:
        parts.append(texts.NEAREST.format(what=", ".join(intent.nearest_genres)))
    if intent.note == "multilingual" and intent.tags:
        parts.append(texts.READ_FROM.format(lang=intent.lang, tags=", ".join(t.tag for t in intent.tags)))
    # "k-pop" is a genre and a language: named once; one the catalog lacks was said above.
    if named := [g for g in dict.fromkeys([*intent.genres, intent.language]) if g and g not in intent.missing_genres]:
        parts.append(texts.ONLY.format(what=", ".join(named)))
    if intent.missing_artists:
        parts.append(texts.NO_SONGS_BY.format(who=", ".join(catalog.artist_name(a) for a in intent.missing_artists)))
    if intent.artists:
        parts.append(texts.BY.format(who=", ".join(catalog.artist_name(a) for a in intent.artists)))
    songs = [song for song in map(catalog.track, intent.like_tracks) if song is not None]
    # A song named to sound like brings its artist along: "like Blinding Lights (The Weeknd)", said once.
    by_songs = {song.artist for song in songs}
    like = [f"{song.name} ({song.artist})" for song in songs] + [
        catalog.artist_name(a) for a in intent.like_artists
        if a not in intent.missing_artists and catalog.artist_name(a) not in by_songs]
    if like:
        parts.append(texts.LIKE.format(who=", ".join(like)))
    if intent.occasions:
        parts.append(texts.OCCASION.format(what=", ".join(o.capitalize() for o in intent.occasions)))
    if intent.exclude_genres or intent.exclude_artists or intent.exclude_occasions:
        parts.append(texts.NO.format(what=", ".join(
            intent.exclude_genres + [catalog.artist_name(a) for a in intent.exclude_artists]
            + [texts.OCCASION.format(what=o.capitalize()) for o in intent.exclude_occasions])))
    if intent.era:
        parts.append(texts.NEW_ONLY if intent.era == NEW_RELEASES else texts.FROM_YEAR.format(year=intent.era)
                     if is_year(intent.era.partition("-")[0]) else texts.FROM_ERA.format(era=intent.era))
    if intent.moments:
        parts.append(texts.SOUNDING_RIGHT.format(moments=", ".join(intent.moments)))
    if intent.shifts:  # after what they move from: "like Radiohead; brighter"
        parts.append(", ".join(intent.shifts))
    return f" ({'; '.join(parts)})" if parts else ""
