"""Occasions a song is about: its own title names them, or a playlist made for them holds it. "Christmas
songs" means "All I Want for Christmas Is You" and "Jingle Bells", not whatever Last.fm tagged "christmas":
that tag sits on artists who once made a Christmas album (Brian McKnight, Foghat "Slow Ride"), so the tag and
the winter sound gave "Goodbye Yellow Brick Road". Halloween likewise: its tag sits on Bobby Brown, and
"halloween party" gave David Guetta and Calvin Harris; its songs are the ones about monsters, ghosts and
witches ("Thriller", "Ghostbusters", "Werewolves of London")."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import scipy.sparse as sp

# A request's word (folded, one token) that names the occasion, in the languages Chat2Tag reads.
REQUEST_WORDS: dict[str, re.Pattern[str]] = {
    "christmas": re.compile(r"christmas\w*|xmas|navidad\w*|noel|weihnacht\w*|natal|크리스마스\w*|クリスマス\w*"),
    "halloween": re.compile(r"hall?oween\w*|할로윈\w*|핼러윈\w*|ハロウィ[ンー]\w*"),
}
# A title that is about the occasion.
TITLES: dict[str, re.Pattern[str]] = {
    "christmas": re.compile(
        r"\b(?:christmas|xmas|x-mas|navidad|weihnacht\w*|no[eë]l|jingle bells?|jingle bell rock|sleigh ride|"
        r"silent night|let it snow|winter wonderland|mistletoe|rudolph|santa (?:claus|baby)|frosty the snowman|"
        r"deck the halls?|holly jolly|little drummer boy|o holy night|carol of the bells|reindeer|snowman|north pole|"
        r"hark the herald|away in a manger|o come all ye faithful)\b", re.IGNORECASE),
    # Not "boo" (Usher's "My Boo") or "creep" (Radiohead): words that are mostly about something else.
    "halloween": re.compile(
        r"\b(?:hall?oween|monsters?|monster mash|ghosts?|ghostbusters|ghostly|zombies?|witch(?:es|y|craft)?|"
        r"vampires?|haunted|haunting|spooky|werewol(?:f|ves)|thriller|graveyard|skeletons?|black magic|"
        r"spell on you|horror|frankenstein|dracula|demons?|devil|nightmare|somebody's watching me|disturbia|"
        r"time warp|bad moon rising|superstition|boogeyman|bogeyman|scream)\b", re.IGNORECASE),
}
PLAYLIST_TITLED_SHARE = 0.5  # of its songs titled for the occasion, for a playlist named for it to count


def occasion_named(word: str) -> str | None:
    """The occasion one (folded) word of a request names ("xmas": "christmas"), if any."""
    word = unicodedata.normalize("NFC", word)  # folding leaves Hangul as jamo
    return next((name for name, pattern in REQUEST_WORDS.items() if pattern.fullmatch(word)), None)


def titled(names: np.ndarray, occasion: str) -> np.ndarray:
    """Which tracks' titles are about the occasion."""
    pattern = TITLES[occasion]
    return np.fromiter((bool(pattern.search(str(name))) for name in names), dtype=bool, count=len(names))


def in_playlists_for(occasion: str, playlist_names: np.ndarray, playlist_tracks: sp.csr_matrix,
                     by_title: np.ndarray) -> np.ndarray:
    """Which tracks a playlist made for the occasion holds: named for it, and most of its songs titled for it.
    Jessie J's "Man With The Bag" names no Christmas word but sits in "Christmas Soul" (75 % of its songs are
    titled for Christmas); Coldplay's "Ghost Stories" is an album, not a Halloween playlist (8 %)."""
    pattern = TITLES[occasion]
    named = np.flatnonzero([bool(pattern.search(str(name))) for name in playlist_names])
    if not len(named):
        return np.zeros(playlist_tracks.shape[1], dtype=bool)
    rows = playlist_tracks[named]
    made_for = named[np.asarray(rows @ by_title.astype(np.float32)).ravel() >= PLAYLIST_TITLED_SHARE]  # rows sum to 1
    return np.asarray((playlist_tracks[made_for] > 0).sum(axis=0)).ravel() > 0


def without_words(text: str, occasions: list[str]) -> str:
    """The text without the words that name these occasions ("no christmas" ruled it out)."""
    if not occasions:
        return text
    return " ".join(w for w in text.split() if occasion_named(w) not in occasions)
