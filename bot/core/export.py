"""`/export`: a playlist that does not need Spotify — links to each track on Spotify and a YouTube search
(what the original service offered listeners without Spotify), and a file any player imports: extended
M3U by default, JSPF (XSPF as JSON, as ListenBrainz uses) on request."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import quote_plus

from bot.core import texts
from bot.core.messages import Attachment, Reply
from recommender.types import Recommendation

FORMATS = ("m3u", "jspf")
LISTED = 20  # tracks written out in the message itself; the file always has them all
MESSAGE_BUDGET = 3500  # characters: under Telegram's 4096 and Discord's 4096-character embed, with room to spare


def youtube_search_url(track: Recommendation) -> str:
    return "https://www.youtube.com/results?search_query=" + quote_plus(f"{track.artist} {track.name}")


def m3u(title: str, tracks: list[Recommendation]) -> bytes:
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(title)}"]
    for track in tracks:
        lines += [f"#EXTINF:-1,{_one_line(track.artist)} - {_one_line(track.name)}", track.url]
    return ("\n".join(lines) + "\n").encode("utf-8")


def jspf(title: str, tracks: list[Recommendation], created: datetime | None = None) -> bytes:
    created = created or datetime.now(timezone.utc)
    playlist = {
        "title": title,
        "creator": "Suggestify",
        "date": created.isoformat(timespec="seconds"),
        "track": [{"title": t.name, "creator": t.artist, "identifier": [t.url],
                   "location": [t.url, youtube_search_url(t)], "annotation": t.reason} for t in tracks],
    }
    return json.dumps({"playlist": playlist}, ensure_ascii=False, indent=1).encode("utf-8")


def export_reply(title: str, tracks: list[Recommendation], fmt: str = "m3u") -> Reply:
    """The playlist as a file attachment, and as links in the message as far as a chat message holds them."""
    fmt = fmt if fmt in FORMATS else "m3u"
    players = texts.EXPORT_M3U_PLAYERS if fmt == "m3u" else texts.EXPORT_JSPF_PLAYERS
    lines = [texts.EXPORT_HEADER.format(title=title[:80], fmt=fmt.upper(), players=players)]
    used = len(lines[0])
    for i, track in enumerate(tracks[:LISTED], 1):
        entry = texts.EXPORT_ENTRY.format(n=i, artist=track.artist, name=track.name, spotify=track.url,
                                          youtube=youtube_search_url(track))
        if used + len(entry) > MESSAGE_BUDGET:
            break
        lines.append(entry)
        used += len(entry) + 1
    if len(lines) - 1 < len(tracks):
        lines.append(texts.EXPORT_MORE.format(n=len(tracks) - (len(lines) - 1)))
    body = m3u(title, tracks) if fmt == "m3u" else jspf(title, tracks)
    mime = "audio/x-mpegurl" if fmt == "m3u" else "application/jspf+json"
    return Reply("\n".join(lines), attachments=[Attachment(f"{_file_stem(title)}.{fmt}", body, mime)])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _file_stem(title: str) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in title.lower())[:40].strip("-")
    return "-".join(p for p in stem.split("-") if p) or "suggestify-playlist"
