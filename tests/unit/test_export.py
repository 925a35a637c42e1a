"""Exporting a playlist as links and M3U/JSPF files: pure, no catalog."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from adapters.console import render, save_attachment
from bot.core.export import (
    LISTED,
    MESSAGE_BUDGET,
    export_reply,
    jspf,
    m3u,
    youtube_search_url,
)
from bot.core.messages import Attachment, Reply
from recommender.types import Recommendation

UNSAFE = set('/\\:*?"<>|')


def track(n: int, name: str = "", artist: str = "") -> Recommendation:
    return Recommendation(f"{n:022d}", name or f"Song {n}", artist or f"Artist {n}", f"spotify:track:{n}",
                          f"https://open.spotify.com/track/{n:022d}", ["rock"], 1.0, f"because {n}")


TRACKS = [track(1, "Highway to Hell", "AC/DC & Friends"), track(2, "Jóga", "Björk"), track(3, "Line\nbreak")]


def url_lines(body: bytes) -> list[str]:
    return [line for line in body.decode().splitlines() if line and not line.startswith("#")]


def test_m3u_has_one_entry_per_track() -> None:
    lines = m3u("rainy day", TRACKS).decode().splitlines()
    assert lines[0] == "#EXTM3U"
    entries = [i for i, line in enumerate(lines) if line.startswith("#EXTINF:")]
    assert len(entries) == 3
    assert [lines[i + 1] for i in entries] == [t.url for t in TRACKS]  # each #EXTINF is followed by its URL
    assert lines[entries[0]] == "#EXTINF:-1,AC/DC & Friends - Highway to Hell"
    assert lines[entries[2]] == "#EXTINF:-1,Artist 3 - Line break"  # a newline in a title cannot break the file


def test_jspf_is_json_with_every_track() -> None:
    playlist = json.loads(jspf("rainy day", TRACKS))["playlist"]
    assert playlist["title"] == "rainy day" and len(playlist["track"]) == 3
    assert [t["title"] for t in playlist["track"]] == [t.name for t in TRACKS]
    assert [t["creator"] for t in playlist["track"]] == [t.artist for t in TRACKS]
    first = playlist["track"][0]
    assert first["identifier"] == [TRACKS[0].url] and first["location"][0] == TRACKS[0].url
    youtube = urlparse(first["location"][1])
    assert youtube.netloc == "www.youtube.com" and youtube.path == "/results"
    assert parse_qs(youtube.query) == {"search_query": ["AC/DC & Friends Highway to Hell"]}  # "&" and "/" encoded


def test_youtube_search_url_encodes_the_query() -> None:
    url = youtube_search_url(TRACKS[0])
    assert url == "https://www.youtube.com/results?search_query=AC%2FDC+%26+Friends+Highway+to+Hell"


def test_the_reply_lists_links_and_attaches_every_track() -> None:
    tracks = [track(n) for n in range(1, LISTED + 6)]
    reply = export_reply("party", tracks)
    assert reply.text.count("open.spotify.com") == LISTED and reply.text.count("youtube.com") == LISTED
    assert "…and 5 more in the file." in reply.text
    (attachment,) = reply.attachments
    assert attachment.filename == "party.m3u" and attachment.mime == "audio/x-mpegurl"
    assert url_lines(attachment.content) == [t.url for t in tracks]  # the file has them all
    assert export_reply("party", tracks, "jspf").attachments[0].filename == "party.jspf"


@pytest.mark.parametrize("title", [
    "x" * 500, "../../etc/passwd", "🎵🎶✨", "Ünïcødé ☃ / \\ : * ? \" < > | end", "\u202eevil\u200b\tname\n",
    "  --..  ", "", "CON. nul", "İstanbul ß 東京 ночь",
])
def test_any_title_gives_a_safe_filename(title: str) -> None:
    name = export_reply(title, TRACKS).attachments[0].filename
    stem, ext = name.rsplit(".", 1)
    assert ext == "m3u" and 0 < len(stem) <= 40
    assert Path(name).name == name and not stem.startswith((".", "-")) and not stem.endswith("-")
    assert not UNSAFE & set(name) and all(c.isprintable() and not c.isspace() for c in name)
    assert re.fullmatch(r"[\w-]+", stem)


def test_a_saved_file_stays_in_its_folder(tmp_path: Path) -> None:
    path = save_attachment(Attachment("../../escape.m3u", b"#EXTM3U\n"), tmp_path / "out")
    assert path == tmp_path / "out" / "escape.m3u" and path.read_bytes() == b"#EXTM3U\n"


def test_render_stays_pure() -> None:
    assert render(Reply("Here it is", attachments=[Attachment("a.m3u", b"#EXTM3U\n")])) == "Here it is"


def test_long_names_keep_the_message_within_a_chat_message_and_the_file_complete() -> None:
    tracks = [track(n) for n in range(1, LISTED + 1)]
    tracks = [replace(t, name=t.name + " (extended remix) " * 12) for t in tracks]
    reply = export_reply("party", tracks)
    assert len(reply.text) <= MESSAGE_BUDGET + 100
    listed = reply.text.count("open.spotify.com")
    assert 0 < listed < LISTED and f"…and {LISTED - listed} more in the file." in reply.text
    assert "attached M3U file" in reply.text.split("\n")[0]  # said first, so no cut can hide it
    assert url_lines(reply.attachments[0].content) == [t.url for t in tracks]
