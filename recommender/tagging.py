"""Tag normalisation, noise rules and categories.

Last.fm tags are noisy ("seen live", "favorites", "8 of 10 stars", user names,
"chill"/"chillout"/"chill out"). These rules turn a raw tag into its canonical
spelling or reject it; the vocabulary builder adds exposure thresholds,
embedding-based synonym merging and categorisation on top.
"""

from __future__ import annotations

import re

from recommender.names import fold

CATEGORIES: tuple[str, ...] = (
    "season", "time_of_day", "era", "mood", "situation", "genre", "artist_info", "country", "language",
)

# A few labelled seeds per category; every other tag joins the category whose
# seeds its embedding is closest to (the original service found these 9 groups by KMeans).
CATEGORY_SEEDS: dict[str, tuple[str, ...]] = {
    "season": ("summer", "winter", "autumn", "spring", "christmas", "fall", "halloween"),
    "time_of_day": ("morning", "night", "evening", "late night", "sunday morning", "midnight", "sunset"),
    "era": ("80s", "90s", "70s", "60s", "00s", "oldies", "classic"),
    "mood": ("sad", "happy", "melancholy", "mellow", "romantic", "angry", "nostalgic", "chill", "dark",
             "beautiful", "uplifting", "energetic", "calm", "love", "sexy", "depressing", "aggressive",
             "atmospheric", "dreamy", "haunting", "heartbreak", "lonely", "peaceful", "fun"),
    "situation": ("workout", "driving", "party", "study", "sleep", "relaxing", "dance", "road trip",
                  "rainy day", "gym", "running", "background music", "cooking", "reading",
                  "wedding", "travel", "sex", "drinking", "beach", "coffee"),
    "genre": ("rock", "pop", "jazz", "hip hop", "electronic", "metal", "indie", "folk", "techno", "classical",
              "soul", "punk", "ambient", "house", "blues", "country music", "reggae", "edm", "grindcore",
              "downtempo", "trip hop", "shoegaze", "grime", "dubstep", "hardcore", "new wave", "disco",
              "experimental", "lo fi", "idm", "drum and bass", "salsa", "bossa nova", "synthpop"),
    "artist_info": ("female vocalists", "male vocalists", "singer songwriter", "cover", "instrumental",
                    "guitar", "piano", "band", "duet", "acoustic", "soundtrack", "live"),
    "country": ("british", "american", "german", "swedish", "french", "japanese", "brazilian", "canadian",
                "uk", "usa", "australian", "finnish", "irish"),
    "language": ("korean", "k pop", "j pop", "spanish", "german language", "french music", "latin",
                 "russian", "japanese language", "italian", "portuguese"),
}

# Spelling variants that string rules can settle before any embedding is computed.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bhip\s*hop\b|\bhiphop\b"), "hip hop"),
    (re.compile(r"\br\s*n\s*b\b|\br and b\b"), "rnb"),
    (re.compile(r"\bchill\s*out\b"), "chillout"),
    (re.compile(r"\bk\s*pop\b"), "k pop"),
    (re.compile(r"\bj\s*pop\b"), "j pop"),
    (re.compile(r"\bsynth\s*pop\b"), "synthpop"),
    (re.compile(r"\belectro\s*pop\b"), "electropop"),
    (re.compile(r"\btrip\s*hop\b"), "trip hop"),
    (re.compile(r"\bpost\s*rock\b"), "post rock"),
    (re.compile(r"\bpost\s*punk\b"), "post punk"),
    (re.compile(r"\bfemale vocalist\b"), "female vocalists"),
    (re.compile(r"\bmale vocalist\b"), "male vocalists"),
    (re.compile(r"\bsinger\s*songwriter\b"), "singer songwriter"),
    (re.compile(r"\bfavou?rites?\b"), "favorites"),
)

_DECADE_WORDS = {"fifties": "50s", "sixties": "60s", "seventies": "70s", "eighties": "80s", "nineties": "90s"}
_DECADE = re.compile(r"^(?:(19|20)?(\d)0)\s*'?s$|^(19|20)(\d)0$")

# Personal, rating and bookkeeping tags: they say something about the tagger, not the music.
_NOISE = re.compile(
    r"favorites|favourite|\bfav\b|seen live|\bseen\b|albums? i own|\bmy\b|\bi\b|\bmine\b|"
    r"\bstars?\b|\d+\s*(of|out of|/)\s*\d+|\brated?\b|\bbest\b|\bawesome\b|\bamazing\b|\bcool\b|"
    r"\bgood\b|\bgreat\b|\bperfect\b|\blisten\b|\bcheck out\b|\bspotify\b|\blastfm\b|\bscrobble|"
    r"\bto see\b|\bwant\b|\bown\b|\bbought\b|\bcollection\b|\bunder \d+\b|\bwtf\b|\blol\b|<3|\bxd\b|"
    r"\bfave|\bfantastic\b|\bsuperb\b|\bnice\b|\bbrilliant\b|\bmasterpiece\b|\blove it\b|\byay\b|\bobsessed\b|"
    r"\bguilty pleasure|\bplaylist\b|\btop \d+|\bi love\b|\bfuck|\bshit\b|\bcrap\b|\bsucks?\b"
)


def canonical_decade(tag: str) -> str | None:
    """'1990s', "90's", '90s' -> '90s'; 2000s -> '00s'; 2010s -> '2010s'."""
    m = _DECADE.match(tag)
    if not m:
        return None
    century, digit = (m.group(1), m.group(2)) if m.group(2) else (m.group(3), m.group(4))
    if century == "20" and digit in "12":
        return f"20{digit}0s"
    if century is None and digit in "12" and not tag.startswith(("10", "20")):
        return None
    return f"{digit}0s"


def decade_of_year(year: int) -> str | None:
    if year < 1900 or year > 2100:
        return None
    return canonical_decade(f"{year // 10 * 10}s")


ERA_PARTS = {"early": (0, 4), "mid": (3, 7), "late": (5, 9)}  # "early 2010s": 2010-2014


NEW_RELEASES = "new releases"  # an era of its own: the catalog's last RECENT_YEARS years of releases
RECENT_YEARS = 2


def is_year(era: str) -> bool:
    """An era that is one year ("summer hits 2019"), not a decade."""
    return len(era) == 4 and era.isdigit() and decade_of_year(int(era)) is not None


def era_tag(era: str) -> str:
    """The vocabulary's tag for an era: its decade ('2019' -> '2010s', 'early 2010s' -> '2010s')."""
    return (decade_of_year(int(era)) or era) if is_year(era) else era.split()[-1]


def decade_years(era: str) -> tuple[int, int] | None:
    """'90s' -> (1990, 1999), '00s' -> (2000, 2009), '2010s' -> (2010, 2019), 'early 2010s' -> (2010, 2014),
    '80s-90s' -> (1980, 1999), '2019' -> (2018, 2019): the hits of a year came out in it or late the year before,
    '1987-1997' -> (1987, 1997)."""
    if is_year(era):
        return int(era) - 1, int(era)
    if "-" in era:
        first, _, last = era.partition("-")
        spans = decade_years(first), decade_years(last)
        if not (spans[0] and spans[1]):
            return None
        lo, hi = int(first) if is_year(first) else spans[0][0], spans[1][1]  # "1987-1997" from 1987 itself
        return (lo, hi) if lo <= hi else None
    part, _, decade = era.rpartition(" ")
    if decade not in {f"{d}0s" for d in range(10)} | {"2010s", "2020s"} or (part and part not in ERA_PARTS):
        return None
    start = int(decade[:-1]) if len(decade) == 5 else (2000 if decade == "00s" else 1900 + int(decade[:-1]))
    first, last = ERA_PARTS.get(part, (0, 9))
    return start + first, start + last


def normalise_tag(raw: str) -> str:
    """Canonical spelling of a tag ('Hip-Hop' -> 'hip hop', "80's" -> '80s')."""
    tag = fold(raw)
    decade = _DECADE_WORDS.get(tag) or canonical_decade(tag.replace(" s", "s"))
    if decade:
        return decade
    for pattern, replacement in _REWRITES:
        tag = pattern.sub(replacement, tag)
    return tag


def is_noise(tag: str) -> bool:
    """Personal, rating or bookkeeping tags, pure numbers, and fragments too short to mean anything."""
    if not tag or len(tag) < 2 or len(tag) > 40:
        return True
    if tag.isdigit() or not re.search(r"[a-z]", tag):
        return True
    return bool(_NOISE.search(tag))
